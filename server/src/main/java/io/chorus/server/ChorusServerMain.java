package io.chorus.server;

import io.chorus.server.cli.MachineDefaults;
import io.chorus.server.cli.PortConverter;
import io.chorus.server.cli.TransportConverter;
import io.chorus.server.cli.VersionProvider;
import io.chorus.server.support.OpenFileLimit;
import io.chorus.server.http.HttpOptions;
import io.chorus.server.echo.EchoMode;
import io.chorus.server.support.TransportKind;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code chorus-server} command: reads options (or {@code CHORUS_*} environment variables) into
 * a {@link ServerConfig}, starts the server and drains it on SIGTERM or SIGINT.
 */
@Command(name = "chorus-server",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        defaultValueProvider = MachineDefaults.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Chorus: echo and chat over TCP and UDP, and a web chat page over HTTP.",
            "Every option can also be set with the environment variable shown in brackets.",
            "A port of 0 picks any free port; 'off' turns that listener off."
        },
        footer = {"", "Talk to it: nc localhost 7007 (echo), nc localhost 7000 (chat), http://localhost:8080/ (web)."})
public final class ChorusServerMain implements Callable<Integer> {

    /** {@code --log-level}: {@value}. The one option that is not part of {@link ServerConfig}. */
    static final String DEFAULT_LOG_LEVEL = "info";

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "${env:CHORUS_HOST:-" + ServerConfig.DEFAULT_HOST + "}",
            description = "Address to bind every listener to (CHORUS_HOST). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--echo-port", paramLabel = "PORT", converter = PortConverter.class,
            defaultValue = "${env:CHORUS_ECHO_PORT:-" + ServerConfig.DEFAULT_ECHO_PORT + "}",
            description = "TCP echo listener (CHORUS_ECHO_PORT). Default: ${DEFAULT-VALUE}.")
    int echoPort;

    @Option(names = "--udp-port", paramLabel = "PORT", converter = PortConverter.class,
            defaultValue = "${env:CHORUS_UDP_PORT:-" + ServerConfig.DEFAULT_UDP_PORT + "}",
            description = "UDP echo listener (CHORUS_UDP_PORT). Default: ${DEFAULT-VALUE}.")
    int udpPort;

    @Option(names = "--chat-port", paramLabel = "PORT", converter = PortConverter.class,
            defaultValue = "${env:CHORUS_CHAT_PORT:-" + ServerConfig.DEFAULT_CHAT_PORT + "}",
            description = "Chat listener (CHORUS_CHAT_PORT). Default: ${DEFAULT-VALUE}.")
    int chatPort;

    @Option(names = "--echo-mode", paramLabel = "MODE", defaultValue = "${env:CHORUS_ECHO_MODE:-" + ServerConfig.DEFAULT_ECHO_MODE_NAME + "}",
            description = {
                "raw or line, for TCP echo plain and TLS (CHORUS_ECHO_MODE).",
                "raw is RFC 862 echo: bytes go back as they arrive, whatever they are, with no framing and no"
                        + " length limit. Each chunk the server receives is sent back after --echo-prefix, like the"
                        + " classic echo example for Node.",
                "line splits the input on LF or CRLF and sends each line back after --echo-prefix, ended by LF."
                        + " A line longer than --max-line is answered with !!! line-too-long and dropped.",
                "Default: ${DEFAULT-VALUE}."
            })
    String echoMode;

    @Option(names = "--echo-prefix", paramLabel = "TEXT", defaultValue = "${env:CHORUS_ECHO_PREFIX:-" + ServerConfig.DEFAULT_ECHO_PREFIX + "}",
            description = "Text put before every echo reply, e.g. \"Echo: \": before each chunk (raw), each line (line)"
                    + " or each UDP datagram (CHORUS_ECHO_PREFIX).")
    String echoPrefix;

    @Option(names = "--udp-rate-limit", paramLabel = "RATE[/BURST]", defaultValue = "${env:CHORUS_UDP_RATE_LIMIT:-" + ServerConfig.DEFAULT_UDP_RATE_LIMIT_TEXT + "}",
            description = "UDP echo datagrams answered per second per source address, with a burst; datagrams over it,"
                    + " and any from source ports below 1024, are dropped; 0 turns the limit off (CHORUS_UDP_RATE_LIMIT)."
                    + " Default: ${DEFAULT-VALUE}.")
    String udpRateLimit;

    @Option(names = "--transport", paramLabel = "KIND", converter = TransportConverter.class,
            defaultValue = "${env:CHORUS_TRANSPORT:-" + ServerConfig.DEFAULT_TRANSPORT + "}",
            description = "auto, epoll, io_uring or nio; auto means epoll where available, else NIO (CHORUS_TRANSPORT). Default: ${DEFAULT-VALUE}.")
    TransportKind transport;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "${env:CHORUS_THREADS:-" + ServerConfig.DEFAULT_IO_THREADS + "}",
            description = "Event loop threads for connections; 0 = one per core (CHORUS_THREADS). Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--max-line", paramLabel = "BYTES", defaultValue = "${env:CHORUS_MAX_LINE:-" + ServerConfig.DEFAULT_MAX_LINE_BYTES + "}",
            description = "Longest line accepted, in bytes; longer lines get a line-too-long error (CHORUS_MAX_LINE). Default: ${DEFAULT-VALUE}.")
    int maxLine;

    @Option(names = "--history", paramLabel = "N", defaultValue = "${env:CHORUS_HISTORY:-" + ServerConfig.DEFAULT_HISTORY_SIZE + "}",
            description = "Messages each chat room keeps for /history (CHORUS_HISTORY). Default: ${DEFAULT-VALUE}.")
    int history;

    @Option(names = "--max-rooms-per-connection", paramLabel = "N",
            defaultValue = "${env:CHORUS_MAX_ROOMS_PER_CONNECTION:-" + ServerConfig.DEFAULT_MAX_ROOMS_PER_CONNECTION + "}",
            description = "Rooms one chat connection may be in at once (CHORUS_MAX_ROOMS_PER_CONNECTION). Default: ${DEFAULT-VALUE}.")
    int maxRoomsPerConnection;

    @Option(names = "--max-rooms", paramLabel = "N", defaultValue = "${env:CHORUS_MAX_ROOMS:-" + ServerConfig.DEFAULT_MAX_ROOMS + "}",
            description = "Rooms that may exist at once; an empty room is kept for --room-ttl with its history (CHORUS_MAX_ROOMS). Default: ${DEFAULT-VALUE}.")
    int maxRooms;

    @Option(names = "--quiet-room-size", paramLabel = "N",
            defaultValue = "${env:CHORUS_QUIET_ROOM_SIZE:-" + ServerConfig.DEFAULT_QUIET_ROOM_SIZE + "}",
            description = "Rooms with more members than this stop announcing joins, leaves and nick changes to everyone; 0 = always announce (CHORUS_QUIET_ROOM_SIZE). Default: ${DEFAULT-VALUE}.")
    int quietRoomSize;

    @Option(names = "--server-name", paramLabel = "NAME", defaultValue = "${env:CHORUS_SERVER_NAME:-" + ServerConfig.DEFAULT_SERVER_NAME + "}",
            description = "Name shown in the chat greeting (CHORUS_SERVER_NAME). Default: ${DEFAULT-VALUE}.")
    String serverName;

    @Option(names = "--max-queue", paramLabel = "BYTES", defaultValue = "${env:CHORUS_MAX_QUEUE:-" + ServerConfig.DEFAULT_MAX_QUEUE_BYTES + "}",
            description = "Soft limit: a chat connection that stays more than this many outbound bytes behind for --slow-consumer-grace is disconnected as a slow consumer (CHORUS_MAX_QUEUE). Default: ${DEFAULT-VALUE}.")
    int maxQueue;

    @Option(names = "--max-queue-hard", paramLabel = "BYTES",
            defaultValue = "${env:CHORUS_MAX_QUEUE_HARD:-" + ServerConfig.DEFAULT_MAX_QUEUE_HARD_BYTES + "}",
            description = "Hard limit: a chat connection more than this many outbound bytes behind is disconnected at once (CHORUS_MAX_QUEUE_HARD). Default: ${DEFAULT-VALUE}.")
    long maxQueueHard;

    @Option(names = "--slow-consumer-grace", paramLabel = "SECONDS",
            defaultValue = "${env:CHORUS_SLOW_CONSUMER_GRACE:-" + ServerConfig.DEFAULT_SLOW_CONSUMER_GRACE_SECONDS + "}",
            description = "How long a chat connection may stay above --max-queue without once draining below it (CHORUS_SLOW_CONSUMER_GRACE). Default: ${DEFAULT-VALUE}.")
    double slowConsumerGraceSeconds;

    @Option(names = "--max-outbound-memory", paramLabel = "BYTES",
            defaultValue = "${env:CHORUS_MAX_OUTBOUND_MEMORY:-" + ServerConfig.DEFAULT_MAX_OUTBOUND_MEMORY + "}",
            description = "Outbound memory queued for all chat connections together (what buffers really hold: readers behind on the same broadcast share it); past it the largest queues are disconnected first. 0 = a quarter of the maximum direct memory (by default the maximum heap), at least 64 MiB (CHORUS_MAX_OUTBOUND_MEMORY). Default: ${DEFAULT-VALUE}.")
    long maxOutboundMemory;

    @Option(names = "--room-ttl", paramLabel = "SECONDS", defaultValue = "${env:CHORUS_ROOM_TTL:-" + ServerConfig.DEFAULT_ROOM_TTL_SECONDS + "}",
            description = "How long an empty room and its history are kept; 0 frees it when its last member leaves (CHORUS_ROOM_TTL). Default: ${DEFAULT-VALUE}.")
    double roomTtlSeconds;

    @Option(names = "--history-memory", paramLabel = "BYTES",
            defaultValue = "${env:CHORUS_HISTORY_MEMORY:-" + ServerConfig.DEFAULT_HISTORY_MEMORY + "}",
            description = "Estimated bytes of history all rooms together keep; the least recently active rooms lose their oldest messages first (CHORUS_HISTORY_MEMORY). Default: ${DEFAULT-VALUE}.")
    long historyMemory;

    @Option(names = "--rate-limit", paramLabel = "RATE[/BURST]", defaultValue = "${env:CHORUS_RATE_LIMIT:-" + ServerConfig.DEFAULT_RATE_LIMIT + "}",
            description = "Chat lines per second per connection, with a burst; 0 turns it off (CHORUS_RATE_LIMIT). Default: ${DEFAULT-VALUE}.")
    String rateLimit;

    // The default depends on the machine, so MachineDefaults supplies it rather than the annotation.
    @Option(names = "--max-connections", paramLabel = "N",
            description = "Open TCP connections in all; 0 = no limit. The default is the open-file limit (ulimit -n) less what the server needs for itself (CHORUS_MAX_CONNECTIONS). Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--max-connections-per-ip", paramLabel = "N",
            defaultValue = "${env:CHORUS_MAX_CONNECTIONS_PER_IP:-" + ServerConfig.DEFAULT_MAX_CONNECTIONS_PER_IP + "}",
            description = "Open TCP connections from one address, loopback included; 0 = no limit (CHORUS_MAX_CONNECTIONS_PER_IP). Default: ${DEFAULT-VALUE}.")
    int maxConnectionsPerIp;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "${env:CHORUS_IDLE_TIMEOUT:-" + ServerConfig.DEFAULT_IDLE_TIMEOUT_SECONDS + "}",
            description = "Close a chat connection that sends nothing for this long; /ping keeps it open; 0 = never (CHORUS_IDLE_TIMEOUT). Default: ${DEFAULT-VALUE}.")
    double idleTimeoutSeconds;

    @Option(names = "--tls-cert", paramLabel = "PEM", defaultValue = "${env:CHORUS_TLS_CERT}",
            description = "Certificate chain (PEM) for the TLS listeners (CHORUS_TLS_CERT).")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", defaultValue = "${env:CHORUS_TLS_KEY}",
            description = "Private key (PKCS#8 PEM) for the TLS listeners (CHORUS_TLS_KEY).")
    java.nio.file.Path tlsKey;

    @Option(names = "--tls-self-signed", defaultValue = "${env:CHORUS_TLS_SELF_SIGNED:-false}",
            description = "Serve TLS with a throwaway self-signed certificate, for development (CHORUS_TLS_SELF_SIGNED).")
    boolean tlsSelfSigned;

    @Option(names = "--chat-tls-port", paramLabel = "PORT", converter = PortConverter.class,
            defaultValue = "${env:CHORUS_CHAT_TLS_PORT:-" + ServerConfig.DEFAULT_CHAT_TLS_PORT + "}",
            description = "Chat over TLS, bound when a certificate is set; same rooms as plain chat (CHORUS_CHAT_TLS_PORT). Default: ${DEFAULT-VALUE}.")
    int chatTlsPort;

    @Option(names = "--echo-tls-port", paramLabel = "PORT", converter = PortConverter.class,
            defaultValue = "${env:CHORUS_ECHO_TLS_PORT:-" + ServerConfig.DEFAULT_ECHO_TLS_PORT + "}",
            description = "Echo over TLS, bound when a certificate is set (CHORUS_ECHO_TLS_PORT). Default: ${DEFAULT-VALUE}.")
    int echoTlsPort;

    @Option(names = "--http-port", paramLabel = "PORT", converter = PortConverter.class,
            defaultValue = "${env:CHORUS_HTTP_PORT:-" + HttpOptions.DEFAULT_HTTP_PORT + "}",
            description = "HTTP listener: the web chat page, WebSockets, and /health and /metrics unless --admin-port is set (CHORUS_HTTP_PORT). Default: ${DEFAULT-VALUE}.")
    int httpPort;

    @Option(names = "--https-port", paramLabel = "PORT", converter = PortConverter.class,
            defaultValue = "${env:CHORUS_HTTPS_PORT:-" + HttpOptions.DEFAULT_HTTPS_PORT + "}",
            description = "HTTP over TLS, bound when a certificate is set (CHORUS_HTTPS_PORT). Default: ${DEFAULT-VALUE}.")
    int httpsPort;

    @Option(names = "--admin-port", paramLabel = "PORT", converter = PortConverter.class,
            defaultValue = "${env:CHORUS_ADMIN_PORT:-off}",
            description = "Serve /health and /metrics on this port only, not on the HTTP port; off = on the HTTP port (CHORUS_ADMIN_PORT). Default: ${DEFAULT-VALUE}.")
    int adminPort;

    @Option(names = "--allowed-origins", paramLabel = "ORIGINS", defaultValue = "${env:CHORUS_ALLOWED_ORIGINS:-}",
            description = "Comma-separated web origins (https://chat.example.com) whose pages may open a WebSocket here; empty = this server's own host only; * = any (CHORUS_ALLOWED_ORIGINS).")
    String allowedOrigins;

    @Option(names = "--max-http-header", paramLabel = "BYTES",
            defaultValue = "${env:CHORUS_MAX_HTTP_HEADER:-" + HttpOptions.DEFAULT_MAX_HEADER_BYTES + "}",
            description = "Largest HTTP request headers; larger requests get 431 (CHORUS_MAX_HTTP_HEADER). Default: ${DEFAULT-VALUE}.")
    int maxHttpHeader;

    @Option(names = "--max-http-body", paramLabel = "BYTES",
            defaultValue = "${env:CHORUS_MAX_HTTP_BODY:-" + HttpOptions.DEFAULT_MAX_BODY_BYTES + "}",
            description = "Largest HTTP request body; larger bodies get 413 (CHORUS_MAX_HTTP_BODY). Default: ${DEFAULT-VALUE}.")
    int maxHttpBody;

    @Option(names = "--api-key", paramLabel = "KEY[=NAME[:NAME...]]", defaultValue = "${env:CHORUS_API_KEYS}",
            description = "A key for the HTTP publish API (POST /api/rooms/ROOM/messages with Authorization: Bearer KEY), with the sender names it may use (default: api). Repeatable; CHORUS_API_KEYS takes a comma-separated list. Without any key the /api/ endpoints are off.")
    List<String> apiKeys = new java.util.ArrayList<>();

    @Option(names = "--api-key-file", paramLabel = "PATH", defaultValue = "${env:CHORUS_API_KEY_FILE}",
            description = "A file of API keys, one per line: KEY NAME [NAME...]; # starts a comment (CHORUS_API_KEY_FILE).")
    java.nio.file.Path apiKeyFile;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "${env:CHORUS_SHUTDOWN_GRACE:-" + ServerConfig.DEFAULT_SHUTDOWN_GRACE_SECONDS + "}",
            description = "Seconds a graceful shutdown may take before connections are cut (CHORUS_SHUTDOWN_GRACE). Default: ${DEFAULT-VALUE}.")
    double shutdownGraceSeconds;

    @Option(names = "--cluster", paramLabel = "URI", defaultValue = "${env:CHORUS_CLUSTER:-}",
            description = "Share rooms, nicks, presence and history with other nodes through Redis 7 at this Lettuce URI:"
                    + " redis://host:port, rediss://host:port (TLS) or redis-sentinel://host:port/0#master; unset, as by default, this server is a single"
                    + " node (CHORUS_CLUSTER).")
    String cluster;

    @Option(names = "--node-id", paramLabel = "ID", defaultValue = "${env:CHORUS_NODE_ID:-}",
            description = "This node's id in the cluster: 1 to 32 letters, digits, _ or -; unset, as by default, 8 random"
                    + " hex digits, logged at start (CHORUS_NODE_ID).")
    String nodeId;

    @Option(names = "--cluster-ttl", paramLabel = "SECONDS",
            defaultValue = "${env:CHORUS_CLUSTER_TTL:-" + ClusterOptions.DEFAULT_TTL_SECONDS + "}",
            description = "How long a node's nicks and presence outlive its last refresh, so a dead node's users are gone"
                    + " within it; refreshed every third of it (CHORUS_CLUSTER_TTL). Default: ${DEFAULT-VALUE}.")
    double clusterTtlSeconds;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "${env:CHORUS_LOG_LEVEL:-" + DEFAULT_LOG_LEVEL + "}",
            description = "error, warn, info, debug or trace; debug logs every connection (CHORUS_LOG_LEVEL). Default: ${DEFAULT-VALUE}.")
    String logLevel;

    public static void main(String[] args) {
        int code = new CommandLine(new ChorusServerMain()).execute(args);
        // log4j's own shutdown hook is off (see log4j2.xml) so the drain can still log; stop it here.
        LogManager.shutdown();
        System.exit(code);
    }

    ServerConfig toConfig() {
        return ServerConfig.builder()
                .host(host)
                .echoPort(echoPort)
                .udpPort(udpPort)
                .chatPort(chatPort)
                .historySize(history)
                .maxRoomsPerConnection(maxRoomsPerConnection)
                .maxRooms(maxRooms)
                .serverName(serverName)
                .echoPrefix(echoPrefix)
                .transport(transport)
                .ioThreads(threads)
                .maxLineBytes(maxLine)
                .shutdownGrace(Duration.ofMillis(Math.round(shutdownGraceSeconds * 1000)))
                .maxQueueBytes(maxQueue)
                .maxQueueHardBytes(maxQueueHard)
                .slowConsumerGrace(seconds(slowConsumerGraceSeconds))
                .maxOutboundMemory(maxOutboundMemory)
                .roomTtl(seconds(roomTtlSeconds))
                .historyMemory(historyMemory)
                .rateLimit(RateLimit.parse(rateLimit))
                .maxConnections(maxConnections)
                .maxConnectionsPerIp(maxConnectionsPerIp)
                .idleTimeout(Duration.ofMillis(Math.round(idleTimeoutSeconds * 1000)))
                .tls(tlsSelfSigned ? TlsOptions.selfSignedCertificate()
                        : tlsCert == null && tlsKey == null ? TlsOptions.NONE : new TlsOptions(tlsCert, tlsKey, false))
                .chatTlsPort(chatTlsPort)
                .echoTlsPort(echoTlsPort)
                .quietRoomSize(quietRoomSize)
                .http(new HttpOptions(httpPort, httpsPort, adminPort, maxHttpHeader, maxHttpBody,
                        allowedOrigins == null || allowedOrigins.isBlank() ? List.of() : List.of(allowedOrigins.split(","))))
                .echoMode(EchoMode.parse(echoMode))
                .udpRateLimit(RateLimit.parse(udpRateLimit))
                .cluster(cluster == null || cluster.isBlank() ? ClusterOptions.NONE
                        : ClusterOptions.of(cluster.trim(), nodeId, seconds(clusterTtlSeconds)))
                .build();
    }

    /** The keys of the HTTP publish API, from {@code --api-key} and {@code --api-key-file}. */
    io.chorus.server.api.ApiKeys toApiKeys() throws java.io.IOException {
        io.chorus.server.api.ApiKeys keys = io.chorus.server.api.ApiKeys.parse(apiKeys == null ? List.of() : apiKeys);
        return apiKeyFile == null ? keys : keys.and(io.chorus.server.api.ApiKeys.fromFile(apiKeyFile));
    }

    /** Says at start how many connections are allowed, and warns when accept would run out of descriptors first. */
    private static void logConnectionLimit(Logger log, int maxConnections, long openFileLimit) {
        String limit = openFileLimit < 1 ? "unknown" : Long.toString(openFileLimit);
        log.info("max connections: {} (open-file limit {})", maxConnections == 0 ? "no limit" : maxConnections, limit);
        int fit = OpenFileLimit.maxConnectionsFor(openFileLimit);
        if (openFileLimit >= 1 && (maxConnections == 0 || maxConnections > fit)) {
            log.warn("max connections: the open-file limit leaves room for about {}; past that, accepts fail and are"
                    + " retried until descriptors are free (raise ulimit -n or lower --max-connections)", fit);
        }
    }

    private static Duration seconds(double value) {
        if (Double.isNaN(value) || value < 0) {
            throw new IllegalArgumentException("durations must be 0 or more seconds: " + value);
        }
        return Duration.ofMillis(Math.round(value * 1000));
    }

    @Override
    public Integer call() {
        Configurator.setRootLevel(Level.toLevel(logLevel, Level.INFO));
        InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
        Logger log = LogManager.getLogger(ChorusServerMain.class);
        ServerConfig config;
        io.chorus.server.api.ApiKeys keys;
        try {
            config = toConfig();
            keys = toApiKeys();
        } catch (java.io.IOException e) {
            System.err.println("chorus-server: cannot read --api-key-file: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("chorus-server: " + e.getMessage());
            return 2;
        }
        logConnectionLimit(log, config.maxConnections(), OpenFileLimit.current());
        ShutdownSignals signals = ShutdownSignals.install();
        ChorusServer server;
        try {
            server = ChorusServer.builder(config).apiKeys(keys).start();
            log.info("http api: {}", keys.isEmpty() ? "off (no --api-key)" : keys + " configured");
        } catch (ChorusServer.BindFailedException | IllegalStateException | UnsatisfiedLinkError e) {
            System.err.println("chorus-server: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        signals.onTerminate(() -> {
            log.info("draining");
            server.close();
        });
        server.awaitTermination();
        return 0;
    }
}
