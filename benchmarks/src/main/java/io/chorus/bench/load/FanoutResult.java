package io.chorus.bench.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one {@code load fanout} run measured.
 *
 * @param config             the run's configuration
 * @param transport          client transport actually used
 * @param subscribers        subscribers connected
 * @param ready              subscribers ready when publishing started; the expected count uses these
 * @param publishers         publishers connected
 * @param connectFailures    subscribers and publishers that could not connect
 * @param published          messages published in the measured window
 * @param seconds            length of the measured window
 * @param delivered          deliveries of those messages, including ones that arrived during the drain
 * @param deliveriesInWindow deliveries that arrived during the measured window (any publish time)
 * @param latency            publish-to-delivery times of the measured deliveries, in nanoseconds
 * @param corrupt            payloads that did not check out
 * @param duplicates         deliveries repeated or out of order for their subscriber and publisher
 * @param disconnects        connections the server closed or reset during the run
 * @param silentSubscribers  connected subscribers that received no payload at all
 * @param batchedTicks       publisher ticks that were behind schedule and wrote several messages at once
 * @param largestBatch       the most messages one publisher tick wrote
 * @param cpu                CPU used in the measured window by the generator and (with --server-pid) the server
 * @param breakdown          per message of publisher 0 in the window, per subscriber event loop: latency of
 *                           the first delivery, of the last delivery, and the spread between them; or null
 * @param firstError         a description of the first error, or null
 * @param byPort             with {@code --subscriber-ports}: the subscribers of each port and what they got,
 *                           in the order given; otherwise empty
 */
public record FanoutResult(
        FanoutLoadConfig config,
        String transport,
        int subscribers,
        int ready,
        int publishers,
        int connectFailures,
        long published,
        double seconds,
        long delivered,
        long deliveriesInWindow,
        Histogram latency,
        long corrupt,
        long duplicates,
        long disconnects,
        int silentSubscribers,
        long batchedTicks,
        long largestBatch,
        ProcessCpu.Use cpu,
        String firstError,
        Histogram[] breakdown,
        List<PortResult> byPort) {

    /**
     * The subscribers that connected to one of the {@code --subscriber-ports} and what they received of
     * the measured window.
     *
     * @param port        the TCP port
     * @param subscribers subscribers connected to it
     * @param ready       of those, ready when publishing started
     * @param latency     publish-to-delivery times of their measured deliveries, in nanoseconds; one
     *                    sample per delivery, so its count is their deliveries
     */
    public record PortResult(int port, int subscribers, int ready, Histogram latency) {

        /** Measured deliveries to this port's subscribers. */
        public long delivered() {
            return latency.getTotalCount();
        }

        /** Of the run's {@code published} messages, deliveries this port's ready subscribers did not get. */
        public long lost(long published) {
            return Math.max(0, published * ready - delivered());
        }
    }

    public FanoutResult {
        byPort = List.copyOf(byPort);
    }

    static FanoutResult of(FanoutLoadConfig config, String transport, LoadClient.ConnectSummary subs,
            LoadClient.ConnectSummary pubs, int ready, long published, double seconds, FanoutStats stats, Histogram latency,
            ProcessCpu.Use cpu) {
        return new FanoutResult(config, transport, subs.succeeded(), ready, pubs.succeeded(), subs.errors() + pubs.errors(),
                published, seconds, stats.measuredDeliveries(), stats.deliveriesInWindow(),
                latency == null ? new Histogram(3) : latency, stats.corrupt.sum(), stats.duplicates.sum(),
                stats.disconnects.sum() + stats.exceptions.sum(), stats.silentSubscribers(subs.succeeded()),
                stats.batchedTicks.sum(), stats.largestBatch.get(), cpu, stats.firstError.get(), null, List.of());
    }

    /** This result with the per-message latency breakdown. */
    FanoutResult withBreakdown(Histogram[] firstLastSpread) {
        return new FanoutResult(config, transport, subscribers, ready, publishers, connectFailures, published, seconds,
                delivered, deliveriesInWindow, latency, corrupt, duplicates, disconnects, silentSubscribers, batchedTicks,
                largestBatch, cpu, firstError, firstLastSpread, byPort);
    }

    /** This result with the figures per subscriber port. */
    FanoutResult withByPort(List<PortResult> ports) {
        return new FanoutResult(config, transport, subscribers, ready, publishers, connectFailures, published, seconds,
                delivered, deliveriesInWindow, latency, corrupt, duplicates, disconnects, silentSubscribers, batchedTicks,
                largestBatch, cpu, firstError, breakdown, ports);
    }

    /** Deliveries the window should have produced: every message published in it, to every ready subscriber. */
    public long expected() {
        return published * ready;
    }

    /** Expected deliveries that had not arrived when the drain wait ended: dropped, or still queued. */
    public long lost() {
        return Math.max(0, expected() - delivered);
    }

    /** Lost deliveries as a percentage of the expected ones. */
    public double lossPercent() {
        return expected() == 0 ? 0 : 100.0 * lost() / expected();
    }

    /** Deliveries per second the server sustained in the measured window. */
    public double deliveryRate() {
        return seconds > 0 ? deliveriesInWindow / seconds : 0;
    }

    /** Messages per second actually published in the measured window. */
    public double publishRate() {
        return seconds > 0 ? published / seconds : 0;
    }

    /** Errors (not loss): failed connects, subscribers not ready, corrupt payloads, duplicates, disconnects. */
    public long errors() {
        return connectFailures + (subscribers - ready) + corrupt + duplicates + disconnects;
    }

    public Report report() {
        LoadSettings s = config.settings();
        String title = String.format(Locale.ROOT, "load fanout  %s  %d pub -> %d sub, %d msg/s target, %d B, %.1f s measured (+%.1f s warmup), %s",
                s.target(), publishers, subscribers, config.rate(), config.size(), seconds, s.warmup().toMillis() / 1000.0, transport);
        Report report = new Report("fanout", title)
                .field("target", null, s.target())
                .field("subscriber_ports", byPort.isEmpty() ? null : "subscriber ports", byPort.isEmpty() ? null
                        : String.join(",", byPort.stream().map(p -> String.valueOf(p.port())).toList()))
                .field("transport", null, transport)
                .field("subscribers", "subscribers", subscribers)
                .field("ready", "  ready", ready)
                .field("publishers", "publishers", publishers)
                .field("size", null, config.size())
                .field("rate_target", null, config.rate())
                .field("warmup_s", null, s.warmup().toMillis() / 1000.0)
                .field("seconds", "measured s", seconds)
                .field("published", "published", published)
                .field("publish_rate", "published/s", publishRate())
                .field("expected", "expected deliveries", expected())
                .field("delivered", "delivered", delivered)
                .field("lost", "lost (undelivered at end)", lost())
                .field("loss_percent", "loss %", lossPercent())
                .field("silent_subscribers", "subscribers that got nothing", silentSubscribers)
                .field("delivery_rate", "deliveries/s", deliveryRate())
                .latency("latency_us", "publish->delivery", latency);
        if (breakdown != null) {
            report.latency("first_delivery_us", "  per message: first delivery", breakdown[0])
                    .latency("last_delivery_us", "  per message: last delivery", breakdown[1])
                    .latency("fanout_spread_us", "  per message: last - first", breakdown[2]);
        }
        if (!byPort.isEmpty()) {
            List<Object> ports = new ArrayList<>();
            for (PortResult port : byPort) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("port", port.port());
                entry.put("subscribers", port.subscribers());
                entry.put("ready", port.ready());
                entry.put("delivered", port.delivered());
                entry.put("lost", port.lost(published));
                entry.put("latency_us", Report.latencySummary(port.latency()));
                ports.add(entry);
                report.row(String.format(Locale.ROOT, "  port %d: %,d subscribers, %,d ready", port.port(), port.subscribers(),
                        port.ready()), String.format(Locale.ROOT, "%,d delivered, %,d lost", port.delivered(), port.lost(published)));
                report.latencyRow("    publish->delivery", port.latency());
            }
            report.field("by_subscriber_port", null, ports);
        }
        report
                .field("errors", "errors", errors())
                .field("connect_failures", "  connect failed", connectFailures)
                .field("corrupt", "  corrupt", corrupt)
                .field("duplicates", "  duplicate/reordered", duplicates)
                .field("disconnects", "  disconnects", disconnects)
                .field("batched_ticks", "publisher ticks behind schedule", batchedTicks)
                .field("largest_batch", "  largest batch (messages)", largestBatch)
                .field("first_error", firstError == null ? null : "  first error", firstError);
        return cpu.addTo(report, deliveriesInWindow, "deliveries");
    }
}
