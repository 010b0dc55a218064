package io.chorus.bench.load;

import io.chorus.server.cli.TransportConverter;
import io.chorus.server.support.TransportKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options every {@code load} mode takes; picocli fills them and {@link #toSettings()} turns them into
 * a checked {@link LoadSettings}.
 */
final class CommonOptions {

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = LoadSettings.DEFAULT_HOST,
            description = "Server address (loopback only). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", paramLabel = "PORT", required = true, description = "Server port.")
    int port;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "10",
            description = "Measured time, in seconds (fractions allowed). Default: ${DEFAULT-VALUE}.")
    double durationSeconds;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "2",
            description = "Unmeasured time before measuring. Default: ${DEFAULT-VALUE}.")
    double warmupSeconds;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "Connect timeout, and the longest wait for outstanding replies after the run. Default: ${DEFAULT-VALUE}.")
    double timeoutSeconds;

    @Option(names = "--source-addresses", paramLabel = "ADDRS", split = ",", splitSynopsisLabel = ",",
            description = "Local addresses to spread connections over, e.g. 127.0.0.1,127.0.0.2 "
                    + "(beats the ~28k ephemeral ports of one address). Default: kernel's choice.")
    List<String> sourceAddresses = new ArrayList<>();

    @Option(names = "--transport", paramLabel = "KIND", defaultValue = "auto", converter = TransportConverter.class,
            description = "Client transport: auto, epoll, io_uring or nio. Default: ${DEFAULT-VALUE}.")
    TransportKind transport;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Client event loop threads; 0 = one per core (for fanout, the subscribers' loops; its "
                    + "publishers always get a loop of their own). Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--connect-concurrency", paramLabel = "N", defaultValue = "" + LoadSettings.DEFAULT_CONNECT_CONCURRENCY,
            description = "Connects in flight at once. Keep it below the server's listen backlog: a server with a "
                    + "small backlog (ncat: 10) may never accept the overflow. Default: ${DEFAULT-VALUE}.")
    int connectConcurrency;

    @Option(names = "--server-pid", paramLabel = "PID", split = ",", splitSynopsisLabel = ",",
            description = "The server's process id: the result then shows its CPU use in the measured window, "
                    + "next to the load generator's own. Several (a cluster's nodes and Redis) are added up. "
                    + "Default: not measured.")
    List<Long> serverPids = new ArrayList<>();

    @Option(names = "--json", description = "Print the final result as one JSON object instead of a table.")
    boolean json;

    LoadSettings toSettings() {
        return new LoadSettings(host, port, sourceAddresses, transport, threads, connectConcurrency,
                seconds("warmup", warmupSeconds), seconds("duration", durationSeconds), seconds("timeout", timeoutSeconds), serverPids);
    }

    private static Duration seconds(String name, double value) {
        if (Double.isNaN(value) || value < 0 || value > 86_400) {
            throw new IllegalArgumentException(name + " must be 0-86400 seconds: " + value);
        }
        return Duration.ofNanos(Math.round(value * 1e9));
    }
}
