package io.chorus.server.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.server.TlsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Raw echo, the default, over real loopback sockets: the exchange of the classic Node.js example,
 * arbitrary bytes, and TLS in both modes.
 */
@Timeout(60)
class RawEchoIntegrationTest {

    private static ChorusServer prefixed;
    private static ChorusServer bare;

    @BeforeAll
    static void start() throws InterruptedException {
        prefixed = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().chatPort(ServerConfig.DISABLED)
                .chatTlsPort(ServerConfig.DISABLED).udpPort(ServerConfig.DISABLED).echoPrefix("Echo: ")
                .tls(TlsOptions.selfSignedCertificate()).maxConnectionsPerIp(0).build());
        bare = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().chatPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).maxConnectionsPerIp(0).build());
    }

    @AfterAll
    static void stop() {
        prefixed.close();
        bare.close();
    }

    /** Reads exactly {@code n} bytes, or fails if the connection ends first. */
    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        assertThat(bytes.length).as("bytes before the connection ended").isEqualTo(n);
        return bytes;
    }

    @Test
    void rawIsTheDefault() {
        assertThat(ServerConfig.defaults().echoMode()).isEqualTo(EchoMode.RAW);
    }

    @Test
    void theServerRunsOneEventLoopPerCoreUnlessToldOtherwise() throws InterruptedException {
        assertThat(prefixed.ioThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        try (ChorusServer three = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().ioThreads(3)
                .chatPort(ServerConfig.DISABLED).udpPort(ServerConfig.DISABLED).build())) {
            assertThat(three.ioThreads()).isEqualTo(3);
        }
    }

    @Test
    void helloWithoutANewlineComesBackAfterThePrefix() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", prefixed.port(ChorusServer.Kind.ECHO_TCP))) {
            socket.setSoTimeout(10_000);
            // No newline and no shutdownOutput: the reply must come anyway.
            socket.getOutputStream().write("Hello, server!".getBytes(StandardCharsets.UTF_8));
            String expected = "Echo: Hello, server!";
            assertThat(new String(readExactly(socket.getInputStream(), expected.length()), StandardCharsets.UTF_8))
                    .isEqualTo(expected);
        }
    }

    @Test
    void arbitraryBytesComeBackExactlyInOrder() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", bare.port(ChorusServer.Kind.ECHO_TCP))) {
            socket.setSoTimeout(10_000);
            byte[] payload = new byte[3 * 1024 * 1024];
            new Random(862).nextBytes(payload);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> writeInRandomChunks(socket, payload, 7));
            byte[] back = readExactly(socket.getInputStream(), payload.length);
            writer.get(30, TimeUnit.SECONDS);
            assertThat(Arrays.equals(back, payload)).as("3 MiB of random bytes echoed exactly").isTrue();
            socket.shutdownOutput();
            assertThat(socket.getInputStream().read()).as("server closes after the half-close").isEqualTo(-1);
        }
    }

    @Test
    void manyClientsAtOnceEachGetTheirOwnBytes() throws Exception {
        int port = bare.port(ChorusServer.Kind.ECHO_TCP);
        List<CompletableFuture<Boolean>> clients = new ArrayList<>();
        for (int c = 0; c < 30; c++) {
            long seed = 100 + c;
            clients.add(CompletableFuture.supplyAsync(() -> {
                try (Socket socket = new Socket("127.0.0.1", port)) {
                    socket.setSoTimeout(20_000);
                    byte[] payload = new byte[64 * 1024 + (int) seed];
                    new Random(seed).nextBytes(payload);
                    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> writeInRandomChunks(socket, payload, seed));
                    byte[] back = socket.getInputStream().readNBytes(payload.length);
                    writer.join();
                    return Arrays.equals(back, payload);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        for (CompletableFuture<Boolean> client : clients) {
            assertThat(client.get(40, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void rawEchoOverTlsKeepsThePrefixPerChunk() throws Exception {
        try (SSLSocket tls = tlsSocket(prefixed.port(ChorusServer.Kind.ECHO_TLS))) {
            tls.getOutputStream().write("Hello, server!".getBytes(StandardCharsets.UTF_8));
            tls.getOutputStream().flush();
            String expected = "Echo: Hello, server!";
            assertThat(new String(readExactly(tls.getInputStream(), expected.length()), StandardCharsets.UTF_8))
                    .isEqualTo(expected);
        }
    }

    @Test
    void lineEchoOverTlsFramesLines() throws Exception {
        try (ChorusServer line = ChorusServer.start(ServerConfig.builder().ephemeralLoopback()
                .chatPort(ServerConfig.DISABLED).chatTlsPort(ServerConfig.DISABLED).udpPort(ServerConfig.DISABLED)
                .echoMode(EchoMode.LINE).echoPrefix("Echo: ").tls(TlsOptions.selfSignedCertificate()).build());
             SSLSocket tls = tlsSocket(line.port(ChorusServer.Kind.ECHO_TLS))) {
            tls.getOutputStream().write("one\r\ntwo\nthr".getBytes(StandardCharsets.UTF_8));
            tls.getOutputStream().flush();
            String expected = "Echo: one\nEcho: two\n";
            assertThat(new String(readExactly(tls.getInputStream(), expected.length()), StandardCharsets.UTF_8))
                    .isEqualTo(expected);
            tls.getOutputStream().write("ee\n".getBytes(StandardCharsets.UTF_8));
            tls.getOutputStream().flush();
            assertThat(new String(readExactly(tls.getInputStream(), "Echo: three\n".length()), StandardCharsets.UTF_8))
                    .isEqualTo("Echo: three\n");
        }
    }

    static void writeInRandomChunks(Socket socket, byte[] payload, long seed) {
        Random chunks = new Random(seed);
        try {
            OutputStream out = socket.getOutputStream();
            for (int offset = 0; offset < payload.length; ) {
                int n = Math.min(payload.length - offset, 1 + chunks.nextInt(20_000));
                out.write(payload, offset, n);
                offset += n;
            }
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static SSLSocket tlsSocket(int port) throws Exception {
        // The server's certificate is a throwaway self-signed one: trust it for this test only.
        TrustManager trustAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {trustAll}, new SecureRandom());
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        return socket;
    }
}
