package io.chorus.bench.baseline;

import static java.util.Objects.requireNonNull;

import io.chorus.server.support.TransportKind;
import io.chorus.server.support.TransportKind.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.NettyRuntime;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Binds the bare Netty line echo server that the Chorus echo listener is measured against, and owns
 * its lifecycle.
 *
 * <p>It uses the same transport choice, thread layout and socket options as {@code ChorusServer}, but
 * none of Chorus' extras (connection tracking, prefix, line-too-long replies), so the difference
 * between the two is the cost of those extras.
 */
public final class BareEchoServer implements AutoCloseable {

    private final Transport transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final Channel listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    private BareEchoServer(Config config) throws InterruptedException {
        this.transport = config.transport().resolve();
        this.acceptGroup = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        this.ioGroup = new MultiThreadIoEventLoopGroup(ioThreads(config), transport.ioHandlerFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new BareEchoServerInitializer(config.maxLineBytes()));
        ChannelFuture bound = bootstrap.bind(config.host(), config.port()).await();
        if (!bound.isSuccess()) {
            shutdownGroups();
            throw new IllegalStateException("cannot bind bare echo on " + config.host() + ":" + config.port()
                    + ": " + bound.cause().getMessage(), bound.cause());
        }
        this.listener = bound.channel();
    }

    /** Connection event loops: the configured number, or one per core when 0, as in Chorus. */
    static int ioThreads(Config config) {
        return config.ioThreads() == 0 ? NettyRuntime.availableProcessors() : config.ioThreads();
    }

    /** Binds and returns a running server; throws {@link IllegalStateException} if it cannot bind. */
    public static BareEchoServer start(Config config) throws InterruptedException {
        return new BareEchoServer(config);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** Event loops serving connections, counted in the running group. */
    public int ioThreads() {
        int loops = 0;
        for (EventExecutor ignored : ioGroup) {
            loops++;
        }
        return loops;
    }

    public String transportName() {
        return transport.name();
    }

    /** Stops accepting, closes every connection and releases the event loops; runs once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            shutdownGroups();
        }
    }

    private void shutdownGroups() {
        // Closing the I/O group closes every child channel it still serves.
        ioGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        acceptGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * What the bare server binds to and how it runs.
     *
     * @param host         address to bind
     * @param port         port to bind; 0 picks a free one
     * @param transport    I/O transport, resolved like Chorus resolves it
     * @param ioThreads    connection event loop threads; 0 means one per core, as in Chorus
     * @param maxLineBytes longest line, as in Chorus
     */
    public record Config(String host, int port, TransportKind transport, int ioThreads, int maxLineBytes) {

        public static final String DEFAULT_HOST = "127.0.0.1";
        public static final int DEFAULT_PORT = 7100;

        public Config {
            requireNonNull(host, "host");
            requireNonNull(transport, "transport");
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0-65535: " + port);
            }
            if (ioThreads < 0) {
                throw new IllegalArgumentException("ioThreads must not be negative: " + ioThreads);
            }
            if (maxLineBytes <= 0) {
                throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
            }
        }
    }
}
