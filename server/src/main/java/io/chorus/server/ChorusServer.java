package io.chorus.server;

import io.chorus.server.api.ApiKeys;
import io.chorus.server.api.ApiRoute;
import io.chorus.server.chat.Backplane;
import io.chorus.server.chat.ChatServerInitializer;
import io.chorus.server.chat.ChatWebSocketHandler;
import io.chorus.server.chat.ChatService;
import io.chorus.server.cluster.RedisBackplane;
import io.chorus.server.echo.EchoServerInitializer;
import io.chorus.server.echo.UdpEchoHandler;
import io.chorus.server.support.AcceptFailureHandler;
import io.chorus.server.http.HealthStatus;
import io.chorus.server.http.HttpEndpoints;
import io.chorus.server.http.HttpOptions;
import io.chorus.server.http.HttpRoutes;
import io.chorus.server.http.HttpServerInitializer;
import io.chorus.server.http.HttpSettings;
import io.chorus.server.metrics.ChorusMetrics;
import io.chorus.server.support.ConnectionLimiter;
import io.chorus.server.support.ConnectionTracker;
import io.chorus.server.support.ListenerFront;
import io.chorus.server.support.TlsContexts;
import io.chorus.server.support.TransportKind.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Binds the Chorus listeners and owns their lifecycle: start, then one orderly shutdown.
 *
 * <p>Listeners: TCP echo, UDP echo, chat, HTTP (web page, WebSockets, health and metrics) and the
 * optional admin HTTP port. Each can be turned off with port {@link ServerConfig#DISABLED}. Shutdown
 * (see {@link #close()}) stops accepting, waits for each component's drain future (listeners, then the
 * chat service), tells clients, flushes and closes live connections, then releases the event loops and
 * the meter registry it created. Made with {@link #start(ServerConfig)} or, to share event loops, an
 * allocator or a meter registry with a host, {@link #builder(ServerConfig)}.
 */
public final class ChorusServer implements AutoCloseable {

    private static final Logger log = LogManager.getLogger(ChorusServer.class);
    private static final long QUIET_PERIOD_MILLIS = 100;
    /** Kernel receive buffer asked for the UDP socket, room for a burst of large datagrams: {@value} bytes. */
    private static final int UDP_SOCKET_RECEIVE_BUFFER = 1024 * 1024;

    /** The kinds of listener, with the names used in logs and {@link #address(Kind)}. */
    public enum Kind {
        ECHO_TCP("echo tcp"),
        ECHO_UDP("echo udp"),
        CHAT_TCP("chat tcp"),
        ECHO_TLS("echo tls"),
        CHAT_TLS("chat tls"),
        HTTP("http"),
        HTTPS("https"),
        ADMIN("admin");

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
    /** Whether this server made (and so shuts down) each group; groups given to the builder are left running. */
    private final boolean ownsAcceptGroup;
    private final boolean ownsIoGroup;
    private final ByteBufAllocator allocator;
    private final ChannelGroup liveChannels = new DefaultChannelGroup("chorus-live", GlobalEventExecutor.INSTANCE);
    private final List<Listener> listeners = new ArrayList<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final ConnectionLimiter limiter;
    /**
     * A chat connection stops reading its own commands once this many bytes wait for it: {@value} (512 KiB).
     * It bounds what one client can make the server queue for itself by not reading its replies, so it
     * is fixed and small, and independent of {@code --max-queue}, the slow-consumer soft limit (8 MiB),
     * which is how far a reader may fall behind deliveries from others before the grace clock starts.
     */
    static final int CHAT_HIGH_WATER_BYTES = 512 * 1024;
    /** Reading resumes once the queue is down to this: {@value} (256 KiB). */
    static final int CHAT_LOW_WATER_BYTES = 256 * 1024;
    private ChatService chat;
    /** The server's meters; given to the builder, or a Prometheus registry of the server's own. */
    private final ChorusMetrics metrics;
    /** Whether this server made {@link #metrics} and so closes it. */
    private final boolean ownsMetrics;
    private final HealthStatus health = new HealthStatus();
    /** Keys of the HTTP publish API; none turns the API off. */
    private final ApiKeys apiKeys;
    /** How often an SSE feed gets a keepalive comment. */
    private final long apiKeepaliveMillis;
    /** Given to the builder, made here for {@code --cluster} (then closed here), or none. */
    private final Backplane givenBackplane;
    private Backplane backplane = Backplane.LOCAL;
    private boolean ownsBackplane;

    private ChorusServer(Builder builder) {
        this.config = builder.config;
        this.transport = config.transport().resolve();
        this.ownsAcceptGroup = builder.acceptGroup == null;
        this.ownsIoGroup = builder.ioGroup == null;
        this.acceptGroup = ownsAcceptGroup
                ? new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory()) : builder.acceptGroup;
        this.ioGroup = ownsIoGroup
                ? new MultiThreadIoEventLoopGroup(ioThreads(config), transport.ioHandlerFactory()) : builder.ioGroup;
        this.allocator = builder.allocator == null ? PooledByteBufAllocator.DEFAULT : builder.allocator;
        this.limiter = new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerIp());
        this.ownsMetrics = builder.metrics == null;
        this.metrics = ownsMetrics ? ChorusMetrics.prometheus() : builder.metrics;
        this.apiKeys = builder.apiKeys;
        this.apiKeepaliveMillis = builder.apiKeepaliveMillis;
        this.givenBackplane = builder.backplane;
    }

    /**
     * Starts every enabled listener with event loops and allocator of its own. If one cannot bind,
     * everything already started is shut down and the bind failure is thrown.
     */
    public static ChorusServer start(ServerConfig config) throws InterruptedException {
        return builder(config).start();
    }

    /**
     * Starts every enabled listener, reporting to {@code metrics} (which the caller keeps and closes),
     * or to a new Prometheus registry of the server's own when it is null.
     */
    public static ChorusServer start(ServerConfig config, ChorusMetrics metrics) throws InterruptedException {
        Builder builder = builder(config);
        if (metrics != null) {
            builder.metrics(metrics);
        }
        return builder.start();
    }

    /** A builder for a server that may share event loops and an allocator with its host application. */
    public static Builder builder(ServerConfig config) {
        return new Builder(config);
    }

    /**
     * Puts a {@link ChorusServer} together from its configuration and, optionally, resources it shares
     * with its host. Whatever is not given is made by the server, which then also releases it on
     * {@link #close()}. Whatever is given stays the caller's: the server never shuts down a group it did
     * not create, so one group can serve several servers or clients and be shut down by its owner after
     * them.
     */
    public static final class Builder {
        private final ServerConfig config;
        private EventLoopGroup acceptGroup;
        private EventLoopGroup ioGroup;
        private ByteBufAllocator allocator;
        private ChorusMetrics metrics;
        private ApiKeys apiKeys = ApiKeys.NONE;
        private long apiKeepaliveMillis = ApiRoute.DEFAULT_KEEPALIVE_MILLIS;
        private Backplane backplane;

        private Builder(ServerConfig config) {
            this.config = java.util.Objects.requireNonNull(config, "config");
        }

        /**
         * The group that accepts connections; default: one thread of the configured transport. It must
         * be of the configured transport ({@code --transport}), because the channel classes come from it.
         */
        public Builder acceptGroup(EventLoopGroup value) {
            this.acceptGroup = java.util.Objects.requireNonNull(value, "acceptGroup");
            return this;
        }

        /**
         * The group that runs connections and rooms; default: {@code --io-threads} threads of the
         * configured transport. Same transport rule as {@link #acceptGroup}.
         */
        public Builder ioGroup(EventLoopGroup value) {
            this.ioGroup = java.util.Objects.requireNonNull(value, "ioGroup");
            return this;
        }

        /** The allocator for connections and chat events; default: {@link PooledByteBufAllocator#DEFAULT}. */
        public Builder allocator(ByteBufAllocator value) {
            this.allocator = java.util.Objects.requireNonNull(value, "allocator");
            return this;
        }

        /**
         * The meters the server reports to; default: a Prometheus registry of the server's own, closed
         * with it. A registry given here is the caller's to close.
         */
        public Builder metrics(ChorusMetrics value) {
            this.metrics = java.util.Objects.requireNonNull(value, "metrics");
            return this;
        }

        /**
         * The keys that may publish through {@code POST /api/rooms/ROOM/messages}; default none, which
         * turns the {@code /api/} endpoints off ({@code --api-key}, {@code --api-key-file}).
         */
        public Builder apiKeys(ApiKeys value) {
            this.apiKeys = java.util.Objects.requireNonNull(value, "apiKeys");
            return this;
        }

        /**
         * What the chat shares with other nodes; default: a {@link RedisBackplane} of the server's own when
         * {@code --cluster} is set (closed with the server), otherwise none. One given here is the caller's
         * to close.
         */
        public Builder backplane(Backplane value) {
            this.backplane = java.util.Objects.requireNonNull(value, "backplane");
            return this;
        }

        /** How often an idle SSE feed gets a {@code : ping} comment; default 15 s, 0 = never. */
        public Builder apiKeepalive(java.time.Duration value) {
            this.apiKeepaliveMillis = value.toMillis();
            return this;
        }

        /**
         * Binds every enabled listener. If one cannot bind, everything already started is shut down and
         * the bind failure is thrown.
         */
        public ChorusServer start() throws InterruptedException {
            ChorusServer server = new ChorusServer(this);
            try {
                server.bindAll();
            } catch (RuntimeException | InterruptedException e) {
                server.close();
                throw e;
            }
            return server;
        }
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
        if (config.chatPort() != ServerConfig.DISABLED || (tls != null && config.chatTlsPort() != ServerConfig.DISABLED)
                || webChat(tls)) {
            backplane = backplane();
            chat = new ChatService(config, ioGroup, allocator, metrics, backplane);
            metrics.roomsFrom(chat.rooms()::size);
            metrics.watchersFrom(chat::watchers);
            metrics.outboundQueueFrom(chat::outboundQueueBytes);
            metrics.historyFrom(chat.historyBudget()::total);
        }
        // A chat client's own commands stop being read while this much output waits for it; unrelated to the
        // slow-consumer limits, which decide when deliveries from others cut it off (docs/OPERATIONS.md).
        WriteBufferWaterMark chatQueue = new WriteBufferWaterMark(CHAT_LOW_WATER_BYTES, CHAT_HIGH_WATER_BYTES);
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
        bindHttp(tls, chatQueue);
    }

    /** The builder's backplane, or a Redis one of this server's own for {@code --cluster}, or none. */
    private Backplane backplane() {
        if (givenBackplane != null) {
            return givenBackplane;
        }
        if (!config.cluster().enabled()) {
            return Backplane.LOCAL;
        }
        ownsBackplane = true;
        log.info("cluster: node {} joining {}", config.cluster().nodeId(), config.cluster().uri().replaceAll("//[^@/]*@", "//***@"));
        return RedisBackplane.start(config.cluster(), config.historySize(), health, metrics.registry());
    }

    /** True when an HTTP or HTTPS listener will serve {@code /ws}, which needs the chat service. */
    private boolean webChat(SslContext tls) {
        HttpOptions http = config.http();
        return http.httpPort() != ServerConfig.DISABLED || (tls != null && http.httpsPort() != ServerConfig.DISABLED);
    }

    /** The HTTP, HTTPS and admin listeners; they share the connection limits, idle timeout and drain. */
    private void bindHttp(SslContext tls, WriteBufferWaterMark chatQueue) throws InterruptedException {
        HttpOptions http = config.http();
        HttpSettings settings = HttpSettings.from(config);
        boolean adminHere = !http.separateAdmin();
        HttpRoutes.Builder publicRoutes = HttpEndpoints.publicRoutes(adminHere, health, metrics, liveChannels::size);
        if (chat != null) {
            // Chat over WebSocket: the same rooms, nicks, history and limits as the chat listener.
            publicRoutes.webSocket(HttpEndpoints.WS_CHAT, ChatWebSocketHandler.route(chat));
        }
        // The live-feed API (/api/...): off, with a JSON 404, when no key is configured or chat is off.
        ApiRoute.addTo(publicRoutes, chat, apiKeys, apiKeepaliveMillis);
        HttpRoutes routes = publicRoutes.build();
        // WebSocket chat users and SSE watchers get the chat listener's water marks: their own requests
        // pause while that much output waits; the slow-consumer policy decides when others' output cuts them.
        if (http.httpPort() != ServerConfig.DISABLED) {
            bindTcp(Kind.HTTP, http.httpPort(), chatQueue, new HttpServerInitializer(
                    ListenerFront.plain(limiter, tracker(Kind.HTTP)), routes, settings));
        }
        if (tls != null && http.httpsPort() != ServerConfig.DISABLED) {
            bindTcp(Kind.HTTPS, http.httpsPort(), chatQueue, new HttpServerInitializer(
                    new ListenerFront(limiter, tracker(Kind.HTTPS), tls, plainHint(Kind.HTTP)), routes, settings));
        }
        if (http.separateAdmin()) {
            bindTcp(Kind.ADMIN, http.adminPort(), null, new HttpServerInitializer(
                    ListenerFront.plain(limiter, tracker(Kind.ADMIN)),
                    HttpEndpoints.adminRoutes(health, metrics, liveChannels::size).build(), settings));
        }
    }

    private ConnectionTracker tracker(Kind kind) {
        return new ConnectionTracker(kind.label(), liveChannels, metrics.listener(kind.label()));
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
                // Failed accepts (EMFILE at the descriptor limit): one WARN line per interval, retried soon.
                .handler(new AcceptFailureHandler())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.ALLOCATOR, allocator)
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
                .option(ChannelOption.ALLOCATOR, allocator)
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
        bound.channel().attr(HTTP_LISTENER).set(isHttp(kind));
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

    /** The chat service, if the chat listener or the HTTP listener ({@code /ws}) is enabled. */
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

    /** What {@code /health} reports; draining from the start of {@link #close()}. */
    public HealthStatus health() {
        return health;
    }

    /** The server's meters, scraped by {@code /metrics}. */
    public ChorusMetrics metrics() {
        return metrics;
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
        // /health answers 503 from now on, on connections that are still being served.
        health.draining();
        long graceMillis = config.shutdownGrace().toMillis();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        try {
            log.info("shutting down: draining {} connections", liveChannels.size());
            // 1. Stop accepting chat and echo connections. The HTTP listeners (and admin port) stay open,
            // and their connections keep being read, so a load balancer sees /health answer 503 draining
            // for the whole drain; the chat side refuses new chat lines and API publishes from step 2.
            awaitDrained("listeners", stopAccepting(l -> !isHttp(l.kind())), deadline);
            // 2. Stop reading chat and echo connections, so nothing new is accepted while draining.
            if (chat != null) {
                chat.beginShutdown();
            }
            for (Channel channel : liveChannels) {
                if (!isHttpConnection(channel)) {
                    channel.config().setAutoRead(false);
                }
            }
            // 3. Deliver what was accepted: wait until every room task has run and every outbox is empty.
            if (chat != null) {
                awaitDrained("chat", chat.drained(), deadline);
            }
            // 4. Tell the chat clients: queued on each user's loop behind what was delivered.
            if (chat != null) {
                chat.announceShutdown();
            }
            // 5. Flush: the empty write completes once everything queued before it has been taken by the
            // client, so the close below cuts nothing a reader is still taking within the grace.
            liveChannels.writeAndFlush(Unpooled.EMPTY_BUFFER, c -> !isHttpConnection(c))
                    .awaitUninterruptibly(remainingMillis(deadline));
            // 5b. Leave the cluster: this node's users and nicks go from the shared presence at once.
            if (ownsBackplane) {
                backplane.close();
            }
            // 6. Now the HTTP listeners stop accepting and HTTP connections stop being read; close all.
            awaitDrained("http listeners", stopAccepting(l -> isHttp(l.kind())), deadline);
            for (Channel channel : liveChannels) {
                channel.config().setAutoRead(false);
            }
            liveChannels.writeAndFlush(Unpooled.EMPTY_BUFFER, ChorusServer::isHttpConnection)
                    .awaitUninterruptibly(remainingMillis(deadline));
            liveChannels.close().awaitUninterruptibly(remainingMillis(deadline));
            // 7. Release the event loops this server made; groups given to the builder stay their owner's.
            Future<?> io = ownsIoGroup ? ioGroup.shutdownGracefully(QUIET_PERIOD_MILLIS,
                    Math.max(graceMillis, QUIET_PERIOD_MILLIS), TimeUnit.MILLISECONDS) : null;
            Future<?> accept = ownsAcceptGroup
                    ? acceptGroup.shutdownGracefully(0, QUIET_PERIOD_MILLIS, TimeUnit.MILLISECONDS) : null;
            if (io != null) {
                io.awaitUninterruptibly(graceMillis + 1000);
            }
            if (accept != null) {
                accept.awaitUninterruptibly(graceMillis + 1000);
            }
            log.info("stopped");
        } finally {
            if (ownsBackplane) {
                // Harmless after step 5b; here for a close that failed before it.
                backplane.close();
            }
            if (ownsMetrics && metrics != null) {
                metrics.close();
            }
            terminated.countDown();
        }
    }

    private static boolean isHttp(Kind kind) {
        return kind == Kind.HTTP || kind == Kind.HTTPS || kind == Kind.ADMIN;
    }

    /** True for a connection accepted by an HTTP, HTTPS or admin listener (its parent is that listener). */
    private static boolean isHttpConnection(Channel channel) {
        Channel parent = channel.parent();
        return parent != null && Boolean.TRUE.equals(parent.attr(HTTP_LISTENER).get());
    }

    private static final io.netty.util.AttributeKey<Boolean> HTTP_LISTENER =
            io.netty.util.AttributeKey.valueOf(ChorusServer.class, "httpListener");

    /** The drain of the listeners {@code which} picks: completes once each of them is closed. */
    private CompletableFuture<Void> stopAccepting(java.util.function.Predicate<Listener> which) {
        List<CompletableFuture<Void>> closed = new ArrayList<>();
        for (Listener listener : listeners) {
            if (!which.test(listener)) {
                continue;
            }
            CompletableFuture<Void> one = new CompletableFuture<>();
            listener.channel().close().addListener(f -> one.complete(null));
            closed.add(one);
        }
        return CompletableFuture.allOf(closed.toArray(new CompletableFuture<?>[0]));
    }

    /** Waits for a component's drain, up to the deadline; a drain that does not finish in time is logged. */
    private static void awaitDrained(String component, CompletableFuture<Void> drained, long deadlineNanos) {
        try {
            drained.get(remainingMillis(deadlineNanos), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            drained.cancel(false);
            log.warn("shutdown grace ran out while draining {}", component);
        } catch (InterruptedException e) {
            drained.cancel(false);
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.warn("draining {} failed", component, e.getCause());
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
