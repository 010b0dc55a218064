package io.chorus.bench.load;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one {@code load connections} run measured.
 *
 * @param config         the run's configuration
 * @param transport      client transport actually used
 * @param attempted      connects started before the deadline
 * @param succeeded      connections established
 * @param failed         connections that failed, timed out or were never attempted
 * @param connectSeconds time from the first connect to the last one finishing
 * @param connectLatency time of each successful connect, in nanoseconds
 * @param stillOpen      connections still open at the end of the hold
 * @param closedByServer connections the server closed while they were held
 * @param closeSeconds   time the load generator took to close them all
 * @param firstError     a description of the first error, or null
 */
public record ConnectionsResult(
        ConnectionsLoadConfig config,
        String transport,
        int attempted,
        int succeeded,
        int failed,
        double connectSeconds,
        Histogram connectLatency,
        int stillOpen,
        long closedByServer,
        double closeSeconds,
        String firstError) {

    /** Successful connects per second over the connect phase. */
    public double connectRate() {
        return connectSeconds > 0 ? succeeded / connectSeconds : 0;
    }

    /** Failed connects plus connections the server dropped while held. */
    public long errors() {
        return failed + closedByServer;
    }

    public Report report() {
        LoadSettings s = config.settings();
        String title = String.format(Locale.ROOT, "load connections  %s  %,d connections at %s, held %.1f s, %s",
                s.target(), config.connections(), config.rate() > 0 ? String.format(Locale.ROOT, "%.0f/s", config.rate()) : "full speed",
                s.duration().toMillis() / 1000.0, transport);
        return new Report("connections", title)
                .field("target", null, s.target())
                .field("transport", null, transport)
                .field("requested", "requested", config.connections())
                .field("rate_target", null, config.rate())
                .field("attempted", "attempted", attempted)
                .field("succeeded", "succeeded", succeeded)
                .field("failed", "failed", failed)
                .field("connect_seconds", "connect phase s", connectSeconds)
                .field("connect_rate", "connects/s", connectRate())
                .latency("connect_latency_us", "connect time", connectLatency)
                .field("hold_s", "held s", s.duration().toMillis() / 1000.0)
                .field("still_open", "still open at end", stillOpen)
                .field("closed_by_server", "closed by server", closedByServer)
                .field("close_seconds", "close all s", closeSeconds)
                .field("errors", "errors", errors())
                .field("first_error", firstError == null ? null : "  first error", firstError);
    }
}
