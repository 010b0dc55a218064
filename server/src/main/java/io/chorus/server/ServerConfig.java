package io.chorus.server;

import static java.util.Objects.requireNonNull;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.chorus.server.support.OpenFileLimit;
import io.chorus.server.http.HttpOptions;
import io.chorus.server.echo.EchoMode;
import io.chorus.server.limits.OutboundBudget;
import io.chorus.server.limits.SlowConsumerPolicy;
import io.chorus.server.support.TransportKind;
import java.time.Duration;

/**
 * Everything a {@link ChorusServer} needs to start, checked when it is built.
 *
 * <p>A port of {@value #ANY_PORT} binds any free port; {@value #DISABLED} turns the listener off.
 *
 * <p>The {@code DEFAULT_*} constants are the only place a default is written: {@link #defaults()} and
 * the {@code chorus-server} options both read them. Defaults that are not numbers are also given as
 * text (such as {@link #DEFAULT_RATE_LIMIT}) so picocli's annotations can use them.
 *
 * @param host            address every listener binds to
 * @param echoPort        TCP echo listener
 * @param udpPort         UDP echo listener
 * @param chatPort        chat listener
 * @param transport       I/O transport; {@code AUTO} prefers epoll
 * @param ioThreads       event loop threads for connections; 0 means one per core
 * @param maxLineBytes    longest accepted line in bytes, without its terminator
 * @param echoPrefix      text put before every TCP echo reply
 * @param historySize     messages each chat room keeps for {@code /history}
 * @param maxRoomsPerConnection rooms one chat connection may be in at once
 * @param maxRooms        rooms that may exist at once; an empty room is kept for {@code roomTtl}
 * @param serverName      name shown in the chat greeting
 * @param shutdownGrace   how long a graceful shutdown may take before connections are cut
 * @param maxQueueBytes   soft limit: outbound bytes a chat connection may have queued for up to
 *                        {@code slowConsumerGrace} before it is cut off as a slow consumer
 * @param rateLimit       lines per second per chat connection
 * @param maxConnections  open TCP connections in all; 0 = no limit
 * @param maxConnectionsPerIp open TCP connections from one address; 0 = no limit
 * @param idleTimeout     a chat connection that sends nothing for this long is closed; zero = never
 * @param tls             certificate for the TLS listeners; {@link TlsOptions#NONE} turns them off
 * @param chatTlsPort     chat over TLS, bound only when TLS is configured
 * @param echoTlsPort     echo over TLS, bound only when TLS is configured
 * @param quietRoomSize   rooms with more members than this stop announcing joins, leaves and nick
 *                        changes to everyone (a joiner still sees its own join); 0 = always announce
 * @param http            the HTTP, HTTPS and admin listeners and their request limits
 * @param echoMode        how TCP echo (plain and TLS) answers: raw chunks (RFC 862) or lines
 * @param udpRateLimit    datagrams per second answered per UDP source address, with a burst; {@link RateLimit#OFF} = no limit
 * @param roomTtl         how long an empty room, with its history, is kept; zero frees it when its last member leaves
 * @param maxQueueHardBytes hard limit: outbound bytes that cut a chat connection at once; at least {@code maxQueueBytes}
 * @param slowConsumerGrace how long a chat connection may stay above {@code maxQueueBytes} before it is cut
 * @param maxOutboundMemory bytes queued for all chat connections together before the largest queues are
 *                        cut; {@value #AUTO} derives it from Netty's maximum direct memory, see
 *                        {@link #effectiveMaxOutboundMemory()}
 * @param historyMemory   estimated bytes of history all rooms together keep; the least recently active
 *                        rooms lose their oldest messages first
 * @param cluster         the Redis cluster this server is a node of; {@link ClusterOptions#NONE} for a single node
 */
public record ServerConfig(
        String host,
        int echoPort,
        int udpPort,
        int chatPort,
        TransportKind transport,
        int ioThreads,
        int maxLineBytes,
        String echoPrefix,
        int historySize,
        int maxRoomsPerConnection,
        int maxRooms,
        String serverName,
        Duration shutdownGrace,
        int maxQueueBytes,
        RateLimit rateLimit,
        int maxConnections,
        int maxConnectionsPerIp,
        Duration idleTimeout,
        TlsOptions tls,
        int chatTlsPort,
        int echoTlsPort,
        int quietRoomSize,
        HttpOptions http,
        EchoMode echoMode,
        RateLimit udpRateLimit,
        Duration roomTtl,
        long maxQueueHardBytes,
        Duration slowConsumerGrace,
        long maxOutboundMemory,
        long historyMemory,
        ClusterOptions cluster) {

    public static final int ANY_PORT = 0;
    public static final int DISABLED = -1;

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_ECHO_PORT = 7007;
    public static final int DEFAULT_UDP_PORT = 7007;
    public static final int DEFAULT_CHAT_PORT = 7000;
    /** {@code --transport}, as the command line spells it: {@value}. */
    public static final String DEFAULT_TRANSPORT = "auto";
    public static final int DEFAULT_IO_THREADS = 0;
    public static final int DEFAULT_MAX_LINE_BYTES = LineFrameDecoder.DEFAULT_MAX_LINE_BYTES;
    public static final int DEFAULT_HISTORY_SIZE = 1000;
    public static final int DEFAULT_MAX_ROOMS_PER_CONNECTION = 16;
    public static final int DEFAULT_MAX_ROOMS = 10_000;
    public static final String DEFAULT_SERVER_NAME = "Chorus";
    public static final String DEFAULT_ECHO_PREFIX = "";
    public static final int DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(DEFAULT_SHUTDOWN_GRACE_SECONDS);
    /** Soft limit per chat connection: {@value} bytes (8 MiB); see docs/OPERATIONS.md for why. */
    public static final int DEFAULT_MAX_QUEUE_BYTES = 8 * 1024 * 1024;
    /** {@code RATE[/BURST]}, as {@link RateLimit#parse} reads it: {@value}. */
    public static final String DEFAULT_RATE_LIMIT = "20/50";
    /**
     * This process's open-file limit less the descriptors the server needs for itself (see
     * {@link OpenFileLimit}), so the limit refuses a connection cleanly before accept runs out of
     * descriptors. Not a compile-time constant: it is read from the machine when this class loads.
     */
    public static final int DEFAULT_MAX_CONNECTIONS = OpenFileLimit.defaultMaxConnections();
    public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 256;
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 300;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(DEFAULT_IDLE_TIMEOUT_SECONDS);
    public static final int DEFAULT_CHAT_TLS_PORT = 7001;
    public static final int DEFAULT_ECHO_TLS_PORT = 7008;
    public static final int DEFAULT_QUIET_ROOM_SIZE = 500;
    /** The echo mode by name, for the command line: {@value}. */
    public static final String DEFAULT_ECHO_MODE_NAME = "raw";
    public static final EchoMode DEFAULT_ECHO_MODE = EchoMode.parse(DEFAULT_ECHO_MODE_NAME);
    /**
     * Datagrams per second per UDP source, with bursts of twice that: plenty for a person or a probe,
     * little use to a reflector: {@value}.
     */
    public static final String DEFAULT_UDP_RATE_LIMIT_TEXT = "100/200";
    public static final RateLimit DEFAULT_UDP_RATE_LIMIT = RateLimit.parse(DEFAULT_UDP_RATE_LIMIT_TEXT);
    /** For sizes derived from the machine. */
    public static final long AUTO = 0;
    /** An empty room and its history are kept this long: 600 s. */
    public static final Duration DEFAULT_ROOM_TTL = Duration.ofMinutes(10);
    /** Same as {@code DEFAULT_ROOM_TTL}, in seconds, for the command line: {@value}. */
    public static final long DEFAULT_ROOM_TTL_SECONDS = 600;
    /** Hard limit per chat connection: {@value} bytes (32 MiB), Redis's pub/sub hard limit. */
    public static final long DEFAULT_MAX_QUEUE_HARD_BYTES = 32L * 1024 * 1024;
    /** Grace above the soft limit, in seconds: {@value}. */
    public static final long DEFAULT_SLOW_CONSUMER_GRACE_SECONDS = 5;
    public static final Duration DEFAULT_SLOW_CONSUMER_GRACE = Duration.ofSeconds(DEFAULT_SLOW_CONSUMER_GRACE_SECONDS);
    public static final long DEFAULT_MAX_OUTBOUND_MEMORY = AUTO;
    /** History of all rooms together: {@value} bytes (64 MiB). */
    public static final long DEFAULT_HISTORY_MEMORY = 64L * 1024 * 1024;

    public ServerConfig {
        requireNonNull(host, "host");
        requireNonNull(transport, "transport");
        requireNonNull(echoPrefix, "echoPrefix");
        requireNonNull(serverName, "serverName");
        requireNonNull(shutdownGrace, "shutdownGrace");
        requireNonNull(rateLimit, "rateLimit");
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(tls, "tls");
        requireNonNull(http, "http");
        requireNonNull(echoMode, "echoMode");
        requireNonNull(udpRateLimit, "udpRateLimit");
        requireNonNull(cluster, "cluster");
        checkPort("chatTlsPort", chatTlsPort);
        checkPort("echoTlsPort", echoTlsPort);
        requireAtLeast("maxQueueBytes", maxQueueBytes, 1024);
        requireAtLeast("maxConnections", maxConnections, 0);
        requireAtLeast("maxConnectionsPerIp", maxConnectionsPerIp, 0);
        requireAtLeast("quietRoomSize", quietRoomSize, 0);
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must not be negative: " + idleTimeout);
        }
        checkPort("echoPort", echoPort);
        checkPort("udpPort", udpPort);
        checkPort("chatPort", chatPort);
        requireAtLeast("ioThreads", ioThreads, 0);
        requireAtLeast("maxLineBytes", maxLineBytes, 1);
        requireAtLeast("historySize", historySize, 0);
        requireAtLeast("maxRoomsPerConnection", maxRoomsPerConnection, 1);
        requireAtLeast("maxRooms", maxRooms, 1);
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative: " + shutdownGrace);
        }
        requireNonNull(roomTtl, "roomTtl");
        requireNonNull(slowConsumerGrace, "slowConsumerGrace");
        if (roomTtl.isNegative()) {
            throw new IllegalArgumentException("roomTtl must not be negative: " + roomTtl);
        }
        if (slowConsumerGrace.isNegative()) {
            throw new IllegalArgumentException("slowConsumerGrace must not be negative: " + slowConsumerGrace);
        }
        if (maxQueueHardBytes < maxQueueBytes) {
            throw new IllegalArgumentException("maxQueueHardBytes must be at least maxQueueBytes (" + maxQueueBytes
                    + "): " + maxQueueHardBytes);
        }
        if (maxOutboundMemory != AUTO && maxOutboundMemory < maxQueueHardBytes) {
            throw new IllegalArgumentException("maxOutboundMemory must be 0 (auto) or at least maxQueueHardBytes ("
                    + maxQueueHardBytes + "): " + maxOutboundMemory);
        }
        if (maxOutboundMemory < 0) {
            throw new IllegalArgumentException("maxOutboundMemory must not be negative: " + maxOutboundMemory);
        }
        if (historyMemory < 1024) {
            throw new IllegalArgumentException("historyMemory must be at least 1024: " + historyMemory);
        }
    }

    /** The outbound memory budget in bytes: {@code maxOutboundMemory}, or derived from the machine if {@link #AUTO}. */
    public long effectiveMaxOutboundMemory() {
        return maxOutboundMemory == AUTO ? OutboundBudget.defaultBudgetBytes() : maxOutboundMemory;
    }

    /** The slow-consumer policy these limits describe. */
    public SlowConsumerPolicy slowConsumerPolicy() {
        return new SlowConsumerPolicy(maxQueueBytes, maxQueueHardBytes, slowConsumerGrace);
    }

    /** A builder starting from the defaults; tests usually set every port to {@link #ANY_PORT}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: every listener on its well-known port. */
    public static ServerConfig defaults() {
        return builder().build();
    }

    private static void checkPort(String name, int port) {
        if (port < DISABLED || port > 65_535) {
            throw new IllegalArgumentException(name + " must be -1 (off), 0 (any) or 1-65535: " + port);
        }
    }

    private static void requireAtLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ": " + value);
        }
    }

    /** Fills a {@link ServerConfig} field by field; {@link #build()} runs the record's checks. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int echoPort = DEFAULT_ECHO_PORT;
        private int udpPort = DEFAULT_UDP_PORT;
        private int chatPort = DEFAULT_CHAT_PORT;
        private TransportKind transport = TransportKind.parse(DEFAULT_TRANSPORT);
        private int ioThreads = DEFAULT_IO_THREADS;
        private int maxLineBytes = DEFAULT_MAX_LINE_BYTES;
        private String echoPrefix = DEFAULT_ECHO_PREFIX;
        private int historySize = DEFAULT_HISTORY_SIZE;
        private int maxRoomsPerConnection = DEFAULT_MAX_ROOMS_PER_CONNECTION;
        private int maxRooms = DEFAULT_MAX_ROOMS;
        private String serverName = DEFAULT_SERVER_NAME;
        private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
        private int maxQueueBytes = DEFAULT_MAX_QUEUE_BYTES;
        private RateLimit rateLimit = RateLimit.DEFAULT;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerIp = DEFAULT_MAX_CONNECTIONS_PER_IP;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private TlsOptions tls = TlsOptions.NONE;
        private int chatTlsPort = DEFAULT_CHAT_TLS_PORT;
        private int echoTlsPort = DEFAULT_ECHO_TLS_PORT;
        private int quietRoomSize = DEFAULT_QUIET_ROOM_SIZE;
        private HttpOptions http = HttpOptions.DEFAULTS;
        private EchoMode echoMode = DEFAULT_ECHO_MODE;
        private RateLimit udpRateLimit = DEFAULT_UDP_RATE_LIMIT;
        private Duration roomTtl = DEFAULT_ROOM_TTL;
        private long maxQueueHardBytes = DEFAULT_MAX_QUEUE_HARD_BYTES;
        private Duration slowConsumerGrace = DEFAULT_SLOW_CONSUMER_GRACE;
        private long maxOutboundMemory = DEFAULT_MAX_OUTBOUND_MEMORY;
        private long historyMemory = DEFAULT_HISTORY_MEMORY;
        private ClusterOptions cluster = ClusterOptions.NONE;

        private Builder() {
        }

        public Builder host(String value) { this.host = value; return this; }
        public Builder echoPort(int value) { this.echoPort = value; return this; }
        public Builder udpPort(int value) { this.udpPort = value; return this; }
        public Builder chatPort(int value) { this.chatPort = value; return this; }
        public Builder transport(TransportKind value) { this.transport = value; return this; }
        public Builder ioThreads(int value) { this.ioThreads = value; return this; }
        public Builder maxLineBytes(int value) { this.maxLineBytes = value; return this; }
        public Builder echoPrefix(String value) { this.echoPrefix = value; return this; }
        public Builder historySize(int value) { this.historySize = value; return this; }
        public Builder maxRoomsPerConnection(int value) { this.maxRoomsPerConnection = value; return this; }
        public Builder maxRooms(int value) { this.maxRooms = value; return this; }
        public Builder serverName(String value) { this.serverName = value; return this; }
        public Builder shutdownGrace(Duration value) { this.shutdownGrace = value; return this; }
        public Builder maxQueueBytes(int value) { this.maxQueueBytes = value; return this; }
        public Builder rateLimit(RateLimit value) { this.rateLimit = value; return this; }
        public Builder maxConnections(int value) { this.maxConnections = value; return this; }
        public Builder maxConnectionsPerIp(int value) { this.maxConnectionsPerIp = value; return this; }
        public Builder idleTimeout(Duration value) { this.idleTimeout = value; return this; }
        public Builder tls(TlsOptions value) { this.tls = value; return this; }
        public Builder chatTlsPort(int value) { this.chatTlsPort = value; return this; }
        public Builder echoTlsPort(int value) { this.echoTlsPort = value; return this; }
        public Builder quietRoomSize(int value) { this.quietRoomSize = value; return this; }
        public Builder http(HttpOptions value) { this.http = value; return this; }
        public Builder echoMode(EchoMode value) { this.echoMode = value; return this; }
        public Builder udpRateLimit(RateLimit value) { this.udpRateLimit = value; return this; }
        public Builder roomTtl(Duration value) { this.roomTtl = value; return this; }
        public Builder maxQueueHardBytes(long value) { this.maxQueueHardBytes = value; return this; }
        public Builder slowConsumerGrace(Duration value) { this.slowConsumerGrace = value; return this; }
        public Builder maxOutboundMemory(long value) { this.maxOutboundMemory = value; return this; }
        public Builder historyMemory(long value) { this.historyMemory = value; return this; }
        public Builder cluster(ClusterOptions value) { this.cluster = value; return this; }

        /** Every listener on {@link #ANY_PORT}, bound to loopback: what tests want. */
        public Builder ephemeralLoopback() {
            return host("127.0.0.1").echoPort(ANY_PORT).udpPort(ANY_PORT).chatPort(ANY_PORT)
                    .chatTlsPort(ANY_PORT).echoTlsPort(ANY_PORT)
                    .http(http.withPorts(ANY_PORT, ANY_PORT, http.adminPort() == DISABLED ? DISABLED : ANY_PORT));
        }

        public ServerConfig build() {
            return new ServerConfig(host, echoPort, udpPort, chatPort, transport, ioThreads, maxLineBytes,
                    echoPrefix, historySize, maxRoomsPerConnection, maxRooms, serverName, shutdownGrace, maxQueueBytes,
                    rateLimit, maxConnections, maxConnectionsPerIp, idleTimeout, tls, chatTlsPort, echoTlsPort,
                    quietRoomSize, http, echoMode, udpRateLimit, roomTtl, maxQueueHardBytes, slowConsumerGrace,
                    maxOutboundMemory, historyMemory, cluster);
        }
    }
}
