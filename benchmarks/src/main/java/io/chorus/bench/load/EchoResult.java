package io.chorus.bench.load;

import org.HdrHistogram.Histogram;

/**
 * What one {@code load echo} run measured.
 *
 * @param config          the run's configuration
 * @param transport       client transport actually used
 * @param connected       connections established
 * @param connectFailures connections that could not be established
 * @param messages        verified replies received in the measured window
 * @param seconds         length of the measured window
 * @param latency         round-trip times of those replies, in nanoseconds
 * @param mismatches      replies that were not exactly the next message sent on that connection
 * @param unexpected      replies that arrived with nothing in flight
 * @param disconnects     connections the server closed or reset during the run
 * @param lost            messages sent whose reply never came (disconnect, or missing after the drain)
 * @param cpu             CPU used in the measured window by the generator and (with --server-pid) the server
 * @param firstError      a description of the first error, or null
 */
public record EchoResult(
        EchoLoadConfig config,
        String transport,
        int connected,
        int connectFailures,
        long messages,
        double seconds,
        Histogram latency,
        long mismatches,
        long unexpected,
        long disconnects,
        long lost,
        ProcessCpu.Use cpu,
        String firstError) {

    static EchoResult of(EchoLoadConfig config, String transport, LoadClient.ConnectSummary connects, EchoStats stats,
            double seconds, Histogram latency, ProcessCpu.Use cpu) {
        return new EchoResult(config, transport, connects.succeeded(), connects.errors(), stats.measuredReplies.sum(),
                seconds, latency == null ? new Histogram(3) : latency, stats.mismatches.sum(), stats.unexpected.sum(),
                stats.disconnects.sum() + stats.exceptions.sum(), stats.lost.sum(), cpu,
                stats.firstError.get() != null ? stats.firstError.get() : connects.firstFailure());
    }

    /** Verified replies per second in the measured window. */
    public double rate() {
        return seconds > 0 ? messages / seconds : 0;
    }

    /** Every kind of error added up; 0 for a clean run. */
    public long errors() {
        return connectFailures + mismatches + unexpected + disconnects + lost;
    }

    public Report report() {
        LoadSettings s = config.settings();
        String title = String.format(java.util.Locale.ROOT, "load echo  %s  %d conn x %d in flight, %d B, %s, %.1f s measured (+%.1f s warmup), %s",
                s.target(), config.connections(), config.pipeline(), config.size(),
                config.rate() > 0 ? config.rate() + " msg/s target" : "unthrottled", seconds, s.warmup().toMillis() / 1000.0, transport);
        Report report = new Report("echo", title)
                .field("target", null, s.target())
                .field("transport", null, transport)
                .field("connections", "connections", connected)
                .field("pipeline", null, config.pipeline())
                .field("size", null, config.size())
                .field("rate_target", null, config.rate())
                .field("warmup_s", null, s.warmup().toMillis() / 1000.0)
                .field("seconds", "measured s", seconds)
                .field("messages", "messages", messages)
                .field("rate", "msg/s", rate())
                .latency("latency_us", "round trip", latency)
                .field("errors", "errors", errors())
                .field("connect_failures", "  connect failed", connectFailures)
                .field("mismatches", "  mismatched", mismatches)
                .field("unexpected", "  unexpected", unexpected)
                .field("disconnects", "  disconnects", disconnects)
                .field("lost", "  lost", lost)
                .field("first_error", firstError == null ? null : "  first error", firstError);
        return cpu.addTo(report, messages, "messages");
    }
}
