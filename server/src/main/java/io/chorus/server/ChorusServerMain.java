package io.chorus.server;

import io.chorus.server.cli.PortConverter;
import io.chorus.server.cli.TransportConverter;
import io.chorus.server.cli.VersionProvider;
import io.chorus.server.support.TransportKind;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import java.time.Duration;
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
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Chorus: echo and chat over TCP and UDP.",
            "Every option can also be set with the environment variable shown in brackets.",
            "A port of 0 picks any free port; 'off' turns that listener off."
        },
        footer = {"", "Talk to it: nc localhost 7007 (echo), nc localhost 7000 (chat)."})
public final class ChorusServerMain implements Callable<Integer> {

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

    @Option(names = "--echo-prefix", paramLabel = "TEXT", defaultValue = "${env:CHORUS_ECHO_PREFIX:-}",
            description = "Text put before every TCP echo reply, e.g. \"Echo: \" (CHORUS_ECHO_PREFIX).")
    String echoPrefix;

    @Option(names = "--transport", paramLabel = "KIND", converter = TransportConverter.class,
            defaultValue = "${env:CHORUS_TRANSPORT:-auto}",
            description = "auto, epoll, io_uring or nio; auto means epoll where available, else NIO (CHORUS_TRANSPORT). Default: ${DEFAULT-VALUE}.")
    TransportKind transport;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "${env:CHORUS_THREADS:-" + ServerConfig.DEFAULT_IO_THREADS + "}",
            description = "Event loop threads for connections; 0 = 2 x cores (CHORUS_THREADS). Default: ${DEFAULT-VALUE}.")
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
            description = "Rooms the server holds in all; empty rooms are kept for their history (CHORUS_MAX_ROOMS). Default: ${DEFAULT-VALUE}.")
    int maxRooms;

    @Option(names = "--server-name", paramLabel = "NAME", defaultValue = "${env:CHORUS_SERVER_NAME:-" + ServerConfig.DEFAULT_SERVER_NAME + "}",
            description = "Name shown in the chat greeting (CHORUS_SERVER_NAME). Default: ${DEFAULT-VALUE}.")
    String serverName;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "${env:CHORUS_SHUTDOWN_GRACE:-10}",
            description = "Seconds a graceful shutdown may take before connections are cut (CHORUS_SHUTDOWN_GRACE). Default: ${DEFAULT-VALUE}.")
    double shutdownGraceSeconds;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "${env:CHORUS_LOG_LEVEL:-info}",
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
                .build();
    }

    @Override
    public Integer call() {
        Configurator.setRootLevel(Level.toLevel(logLevel, Level.INFO));
        InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
        Logger log = LogManager.getLogger(ChorusServerMain.class);
        ServerConfig config;
        try {
            config = toConfig();
        } catch (IllegalArgumentException e) {
            System.err.println("chorus-server: " + e.getMessage());
            return 2;
        }
        ShutdownSignals signals = ShutdownSignals.install();
        ChorusServer server;
        try {
            server = ChorusServer.start(config);
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
