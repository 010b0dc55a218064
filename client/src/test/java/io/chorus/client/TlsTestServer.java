package io.chorus.client;

import io.chorus.server.ServerConfig;
import io.chorus.server.chat.ChatServerInitializer;
import io.chorus.server.support.ConnectionLimiter;
import io.chorus.server.support.ListenerFront;
import io.chorus.server.chat.ChatService;
import io.chorus.server.support.ConnectionTracker;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;

/**
 * The server's chat pipeline behind a TLS handler, on loopback, with a self-signed certificate made by
 * the JDK's {@code keytool}: a stand-in until the server has its own TLS listener.
 */
final class TlsTestServer implements AutoCloseable {

    private static final char[] PASSWORD = "changeit".toCharArray();

    private final EventLoopGroup group;
    private final Channel listener;

    private TlsTestServer(EventLoopGroup group, Channel listener) {
        this.group = group;
        this.listener = listener;
    }

    /** A self-signed certificate for {@code sanEntries} ({@code dns:NAME} or {@code ip:ADDRESS}): {@code key.p12} and {@code cert.pem} in {@code dir}. */
    static void makeCertificate(Path dir, String... sanEntries) throws IOException, InterruptedException {
        Path keyStore = dir.resolve("key.p12");
        run(List.of("keytool", "-genkeypair", "-alias", "chorus", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=chorus-test", "-ext", "SAN=" + String.join(",", sanEntries), "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)));
        run(List.of("keytool", "-exportcert", "-rfc", "-alias", "chorus", "-keystore", keyStore.toString(),
                "-storepass", new String(PASSWORD), "-file", dir.resolve("cert.pem").toString()));
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(command.get(1) + " failed: " + output);
        }
    }

    static TlsTestServer start(Path certDir) throws Exception {
        return start(certDir, "127.0.0.1");
    }

    static TlsTestServer start(Path certDir, String bindAddress) throws Exception {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certDir.resolve("key.p12"))) {
            keyStore.load(in, PASSWORD);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, PASSWORD);
        SslContext ssl = SslContextBuilder.forServer(keys).build();

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ChatService service = new ChatService(ServerConfig.builder().ephemeralLoopback().build(), group,
                ByteBufAllocator.DEFAULT);
        ConnectionTracker tracker = new ConnectionTracker("chat tls",
                new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));
        Channel listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // TLS first, then the server's own chat pipeline.
                        ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()));
                        ch.pipeline().addLast(new ChatServerInitializer(service, ListenerFront.plain(new ConnectionLimiter(0, 0), tracker)));
                    }
                })
                .bind(bindAddress, 0).sync().channel();
        return new TlsTestServer(group, listener);
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
