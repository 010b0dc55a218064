package io.chorus.bench.load;

import static java.util.Objects.requireNonNull;

import io.chorus.server.support.TransportKind;
import java.time.Duration;
import java.util.List;

/**
 * What every load mode shares: the target, the local source addresses, the client transport and the
 * time bounds of a run. Checked when built.
 *
 * @param host            server address; must be a loopback address
 * @param port            server port
 * @param sourceAddresses local addresses the connections are spread over (round robin); empty means
 *                        let the kernel choose
 * @param transport       client I/O transport; {@code AUTO} prefers epoll
 * @param threads         client event loop threads; 0 means one per core
 * @param connectConcurrency connects in flight at once; keep it below the server's listen backlog
 * @param warmup          time before measuring starts; traffic flows but is not counted
 * @param duration        measured time
 * @param timeout         connect timeout, and the longest wait for outstanding replies at the end
 * @param serverPids      the server's process ids (a cluster: every node, and Redis), to report their CPU
 *                        use added up; empty = not known
 */
public record LoadSettings(
        String host,
        int port,
        List<String> sourceAddresses,
        TransportKind transport,
        int threads,
        int connectConcurrency,
        Duration warmup,
        Duration duration,
        Duration timeout,
        List<Long> serverPids) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(2);
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** Connects in flight at once by default: {@value}. */
    public static final int DEFAULT_CONNECT_CONCURRENCY = 256;

    public LoadSettings {
        requireNonNull(host, "host");
        requireNonNull(transport, "transport");
        requireNonNull(warmup, "warmup");
        requireNonNull(duration, "duration");
        requireNonNull(timeout, "timeout");
        sourceAddresses = List.copyOf(requireNonNull(sourceAddresses, "sourceAddresses"));
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be 1-65535: " + port);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must not be negative: " + threads);
        }
        if (connectConcurrency < 1) {
            throw new IllegalArgumentException("connectConcurrency must be at least 1: " + connectConcurrency);
        }
        serverPids = List.copyOf(requireNonNull(serverPids, "serverPids"));
        for (long pid : serverPids) {
            if (pid < 1) {
                throw new IllegalArgumentException("server pid must be positive: " + pid);
            }
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warmup must not be negative: " + warmup);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive: " + duration);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        Loopback.require("host", host);
        for (String source : sourceAddresses) {
            Loopback.require("source address", source);
        }
    }

    /** "host:port", for reports. */
    public String target() {
        return host + ":" + port;
    }

    /** The same settings with another warmup and duration. */
    public LoadSettings withTimes(Duration newWarmup, Duration newDuration) {
        return new LoadSettings(host, port, sourceAddresses, transport, threads, connectConcurrency, newWarmup, newDuration,
                timeout, serverPids);
    }

    /** Client event loop threads after applying the default. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
