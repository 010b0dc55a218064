package io.chorus.server;

import io.chorus.server.chat.ChatServerInitializer;
import io.chorus.server.chat.ChatService;
import io.chorus.server.echo.EchoServerInitializer;
import io.chorus.server.echo.UdpEchoHandler;
import io.chorus.server.support.ConnectionLimiter;
import io.chorus.server.support.ConnectionTracker;
import io.chorus.server.support.ListenerFront;
import io.chorus.server.support.TlsContexts;
import io.chorus.server.support.TransportKind.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.NettyRuntime;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Binds the Chorus listeners and owns their lifecycle: start, then one orderly shutdown.
 *
 * <p>Listeners: TCP echo, UDP echo, and chat. Each can be turned off with port
 * {@link ServerConfig#DISABLED}. Shutdown (see {@link #close()}) stops accepting, tells clients,
 * flushes and closes live connections, then releases the event loops.
 */
public final class ChorusServer implements AutoCloseable {

    private static final Logger log = LogManager.getLogger(ChorusServer.class);
    private static final long QUIET_PERIOD_MILLIS = 100;
    /** Passes through every event loop when draining: {@value}. */
    private static final int DRAIN_ROUNDS = 4;
    /** Kernel receive buffer asked for the UDP socket, room for a burst of large datagrams: {@value} bytes. */
    private static final int UDP_SOCKET_RECEIVE_BUFFER = 1024 * 1024;

    /** The kinds of listener, with the names used in logs and {@link #address(Kind)}. */
    public enum Kind {
        ECHO_TCP("echo tcp"),
        ECHO_UDP("echo udp"),
        CHAT_TCP("chat tcp"),
        ECHO_TLS("echo tls"),
        CHAT_TLS("chat tls");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private record Listener(Kind kind, Channel channel) {
    }

    private final ServerConfig config;
    private final Transport transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final ChannelGroup liveChannels = new DefaultChannelGroup("chorus-live", GlobalEventExecutor.INSTANCE);
    private final List<Listener> listeners = new ArrayList<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final ConnectionLimiter limiter;
    private ChatService chat;

    private ChorusServer(ServerConfig config) {
        this.config = config;
        this.transport = config.transport().resolve();
        this.acceptGroup = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        this.ioGroup = new MultiThreadIoEventLoopGroup(ioThreads(config), transport.ioHandlerFactory());
        this.limiter = new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerIp());
    }

    /**
     * Starts every enabled listener. If one cannot bind, everything already started is shut down and
     * the bind failure is thrown.
     */
    public static ChorusServer start(ServerConfig config) throws InterruptedException {
        ChorusServer server = new ChorusServer(config);
        try {
            server.bindAll();
        } catch (RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /**
     * The event loops for connections: as configured, or one per core for 0. Every handler is
     * non-blocking, so more loops than cores only adds context switches.
     */
    static int ioThreads(ServerConfig config) {
        return config.ioThreads() == 0 ? NettyRuntime.availableProcessors() : config.ioThreads();
    }

    /** The number of event loops serving connections. */
    public int ioThreads() {
        return ioThreads(config);
    }

    private void bindAll() throws InterruptedException {
        log.info("starting Chorus on {} transport, {} event loops", transport.name(), ioThreads());
        SslContext tls = config.tls().enabled() ? tlsContext() : null;
        if (config.echoPort() != ServerConfig.DISABLED) {
            bindTcp(Kind.ECHO_TCP, config.echoPort(), null, new EchoServerInitializer(config,
                    ListenerFront.plain(limiter, tracker(Kind.ECHO_TCP))));
        }
        if (config.udpPort() != ServerConfig.DISABLED) {
            bindUdp(config.udpPort());
        }
        if (config.chatPort() != ServerConfig.DISABLED || (tls != null && config.chatTlsPort() != ServerConfig.DISABLED)) {
            chat = new ChatService(config, ioGroup, PooledByteBufAllocator.DEFAULT);
        }
        // A chat client's own requests pause at half of --max-queue; deliveries from others cut it off past all of it.
        WriteBufferWaterMark chatQueue = new WriteBufferWaterMark(config.maxQueueBytes() / 4, config.maxQueueBytes() / 2);
        if (config.chatPort() != ServerConfig.DISABLED) {
            bindTcp(Kind.CHAT_TCP, config.chatPort(), chatQueue, new ChatServerInitializer(chat,
                    ListenerFront.plain(limiter, tracker(Kind.CHAT_TCP))));
        }
        if (tls != null && config.echoTlsPort() != ServerConfig.DISABLED) {
            bindTcp(Kind.ECHO_TLS, config.echoTlsPort(), null, new EchoServerInitializer(config,
                    new ListenerFront(limiter, tracker(Kind.ECHO_TLS), tls, plainHint(Kind.ECHO_TCP))));
        }
        if (tls != null && config.chatTlsPort() != ServerConfig.DISABLED) {
            bindTcp(Kind.CHAT_TLS, config.chatTlsPort(), chatQueue, new ChatServerInitializer(chat,
                    new ListenerFront(limiter, tracker(Kind.CHAT_TLS), tls, plainHint(Kind.CHAT_TCP))));
        }
    }

    private ConnectionTracker tracker(Kind kind) {
        return new ConnectionTracker(kind.label(), liveChannels);
    }

    private String plainHint(Kind plain) {
        return address(plain).map(a -> "plain text is on port " + a.getPort()).orElse("connect with a TLS client");
    }

    private SslContext tlsContext() {
        try {
            SslContext context = TlsContexts.forServer(config.tls());
            log.info("tls: {} provider, {}", TlsContexts.provider(),
                    config.tls().selfSigned() ? "self-signed certificate for localhost" : config.tls().certificate());
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private void bindTcp(Kind kind, int port, WriteBufferWaterMark queue, ChannelHandler initializer)
            throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(initializer);
        if (queue != null) {
            bootstrap.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, queue);
        }
        register(kind, port, bootstrap.bind(config.host(), port));
    }

    private void bindUdp(int port) throws InterruptedException {
        Bootstrap bootstrap = new Bootstrap()
                .group(ioGroup)
                .channel(transport.datagramChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                // One buffer per datagram big enough for the largest: Netty's default of 2 KiB cuts longer ones.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UdpEchoHandler.MAX_DATAGRAM_BYTES))
                // Room in the kernel for a burst of them; Linux caps this at net.core.rmem_max.
                .option(ChannelOption.SO_RCVBUF, UDP_SOCKET_RECEIVE_BUFFER)
                .handler(new UdpEchoHandler(config.echoPrefix(), config.udpRateLimit()));
        register(Kind.ECHO_UDP, port, bootstrap.bind(config.host(), port));
    }

    private void register(Kind kind, int port, ChannelFuture bound) throws InterruptedException {
        bound.await();
        if (!bound.isSuccess()) {
            throw new BindFailedException(kind, config.host(), port, bound.cause());
        }
        Listener listener = new Listener(kind, bound.channel());
        listeners.add(listener);
        InetSocketAddress local = (InetSocketAddress) bound.channel().localAddress();
        String shown = local.getAddress().isAnyLocalAddress() ? config.host() : local.getAddress().getHostAddress();
        log.info("listening: {} {}:{}", kind.label(), shown, local.getPort());
    }

    /** The bound address of a listener, if it is enabled. */
    public Optional<InetSocketAddress> address(Kind kind) {
        return listeners.stream()
                .filter(l -> l.kind() == kind)
                .map(l -> (InetSocketAddress) l.channel().localAddress())
                .findFirst();
    }

    /** The bound port of a listener; fails if that listener is off. */
    public int port(Kind kind) {
        return address(kind).orElseThrow(() -> new IllegalStateException(kind.label() + " is not enabled")).getPort();
    }

    /** The chat service, if the chat listener is enabled. */
    public Optional<ChatService> chat() {
        return Optional.ofNullable(chat);
    }

    /** Connections refused by the connection limits since start. */
    public long refusedConnections() {
        return limiter.refused();
    }

    /** The number of connections currently open on all TCP listeners. */
    public int liveConnections() {
        return liveChannels.size();
    }

    public ServerConfig config() {
        return config;
    }

    /**
     * Shuts down once, in order: stop accepting, flush and close live connections, release the event
     * loops. Later calls wait for the first to finish. Never throws.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            awaitTermination();
            return;
        }
        long graceMillis = config.shutdownGrace().toMillis();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        try {
            log.info("shutting down: draining {} connections", liveChannels.size());
            // 1. Stop accepting.
            for (Listener listener : listeners) {
                listener.channel().close().awaitUninterruptibly(graceMillis);
            }
            // 2. Stop reading, so nothing new is accepted from clients while draining.
            if (chat != null) {
                chat.beginShutdown();
            }
            for (Channel channel : liveChannels) {
                channel.config().setAutoRead(false);
            }
            // 3. Deliver what was accepted: room tasks, then the delivery tasks they posted.
            drainEventLoops(deadline);
            // 4. Tell the chat clients, 5. flush everything, 6. close.
            if (chat != null) {
                chat.announceShutdown();
            }
            drainEventLoops(deadline);
            liveChannels.writeAndFlush(Unpooled.EMPTY_BUFFER).awaitUninterruptibly(remainingMillis(deadline));
            liveChannels.close().awaitUninterruptibly(remainingMillis(deadline));
            Future<?> io = ioGroup.shutdownGracefully(QUIET_PERIOD_MILLIS, Math.max(graceMillis, QUIET_PERIOD_MILLIS),
                    TimeUnit.MILLISECONDS);
            Future<?> accept = acceptGroup.shutdownGracefully(0, QUIET_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            io.awaitUninterruptibly(graceMillis + 1000);
            accept.awaitUninterruptibly(graceMillis + 1000);
            log.info("stopped");
        } finally {
            terminated.countDown();
        }
    }

    /**
     * Waits, up to the deadline, until every I/O loop has run the tasks queued on it so far, several
     * times over: room tasks queue outbox drains, and a long drain queues its own continuation.
     */
    private void drainEventLoops(long deadlineNanos) {
        for (int round = 0; round < DRAIN_ROUNDS; round++) {
            List<Future<?>> marks = new ArrayList<>();
            for (EventExecutor loop : ioGroup) {
                if (!loop.isShuttingDown()) {
                    marks.add(loop.submit(() -> { }));
                }
            }
            for (Future<?> mark : marks) {
                mark.awaitUninterruptibly(remainingMillis(deadlineNanos));
            }
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitTermination() {
        boolean interrupted = false;
        while (true) {
            try {
                terminated.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A listener could not bind; the message says which and why, for the CLI to print. */
    public static final class BindFailedException extends RuntimeException {
        BindFailedException(Kind kind, String host, int port, Throwable cause) {
            super("cannot bind " + kind.label() + " on " + host + ":" + port + ": " + cause.getMessage(), cause);
        }
    }
}
