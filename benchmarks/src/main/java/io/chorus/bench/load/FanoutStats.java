package io.chorus.bench.load;

import java.util.Map;
import org.HdrHistogram.Histogram;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters and latencies every subscriber and publisher of one fan-out run adds to, plus the run's
 * phase flags and each publisher's first measured sequence number.
 */
final class FanoutStats {

    final LatencyRecorder latency = new LatencyRecorder();
    final AtomicInteger ready = new AtomicInteger();
    final LongAdder published = new LongAdder();
    /** Publisher ticks that found more than one message due: the publisher was behind and batched. */
    final LongAdder batchedTicks = new LongAdder();
    /** The largest number of messages one publisher tick wrote. */
    final AtomicLong largestBatch = new AtomicLong();
    private final Map<Object, LoopStats> loops = new ConcurrentHashMap<>();
    final LongAdder corrupt = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder disconnects = new LongAdder();
    final LongAdder exceptions = new LongAdder();
    final AtomicReference<String> firstError = new AtomicReference<>();
    /** Per publisher: the first sequence number sent in the measured window; MAX_VALUE until then. */
    final AtomicIntegerArray windowStartSeq;
    /** Per subscriber: deliveries so far, written only by that subscriber's event loop. */
    final AtomicLongArray perSubscriber;
    /** Per subscriber endpoint ({@link FanoutLoadConfig#portIndexOf}): subscribers connected. */
    final AtomicIntegerArray connectedByPort;
    /** Per subscriber endpoint: subscribers ready. */
    final AtomicIntegerArray readyByPort;
    /**
     * Per subscriber endpoint: the latencies of its subscribers, so a cluster run shows the subscribers
     * on the publisher's node apart from those on other nodes; empty when there is one endpoint.
     */
    private final LatencyRecorder[] latencyByPort;

    volatile boolean measuring;
    volatile boolean closing;

    FanoutStats(int subscribers, int publishers) {
        this(subscribers, publishers, 1);
    }

    /** Stats for subscribers spread over {@code ports} endpoints; more than one keeps latencies per endpoint. */
    FanoutStats(int subscribers, int publishers, int ports) {
        perSubscriber = new AtomicLongArray(subscribers);
        connectedByPort = new AtomicIntegerArray(ports);
        readyByPort = new AtomicIntegerArray(ports);
        latencyByPort = new LatencyRecorder[ports > 1 ? ports : 0];
        for (int i = 0; i < latencyByPort.length; i++) {
            latencyByPort[i] = new LatencyRecorder();
        }
        windowStartSeq = new AtomicIntegerArray(publishers);
        for (int i = 0; i < publishers; i++) {
            windowStartSeq.set(i, Integer.MAX_VALUE);
        }
    }

    /** The counters of the subscribers on {@code eventLoop}; only that loop's thread may update them. */
    LoopStats loop(io.netty.channel.EventLoop eventLoop) {
        return loops.computeIfAbsent(eventLoop, key -> {
            LatencyRecorder.Shard[] byPort = new LatencyRecorder.Shard[latencyByPort.length];
            for (int i = 0; i < byPort.length; i++) {
                byPort[i] = latencyByPort[i].shardFor(key);
            }
            return new LoopStats(eventLoop, latency.shardFor(key), byPort);
        });
    }

    /**
     * The measured latencies of the subscribers on endpoint {@code port}; call once, after the run has
     * drained. With one endpoint that is all of them.
     */
    Histogram latencyOfPort(int port) {
        return latencyByPort.length == 0 ? latency.total() : latencyByPort[port].total();
    }

    /**
     * Closes every loop's per-message breakdown, on its loop, and merges them: the first and the last
     * delivery of each message, and the spread between them. Call once deliveries have stopped.
     */
    Histogram[] breakdown() throws InterruptedException {
        Histogram[] merged = {new Histogram(3), new Histogram(3), new Histogram(3)};
        for (LoopStats loop : loops.values()) {
            try {
                loop.eventLoop.submit(loop.spread::finish).get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                error("latency breakdown: " + e);
                continue;
            }
            merged[0].add(loop.spread.firstLatency);
            merged[1].add(loop.spread.lastLatency);
            merged[2].add(loop.spread.spread);
        }
        return merged;
    }

    /** All deliveries so far. */
    long deliveries() {
        long sum = 0;
        for (LoopStats loop : loops.values()) {
            sum += loop.deliveries.get();
        }
        return sum;
    }

    /** Deliveries of messages published in the measured window, whenever they arrive. */
    long measuredDeliveries() {
        long sum = 0;
        for (LoopStats loop : loops.values()) {
            sum += loop.measured.get();
        }
        return sum;
    }

    /** Deliveries that arrived during the measured window, whenever they were published. */
    long deliveriesInWindow() {
        long sum = 0;
        for (LoopStats loop : loops.values()) {
            sum += loop.inWindow.get();
        }
        return sum;
    }

    /**
     * One event loop's delivery counters and latency shard. Only that loop's thread writes them; the
     * counters are published with release stores (plain stores on x86), so other threads read recent
     * values without a locked instruction per delivery.
     */
    static final class LoopStats {
        private final io.netty.channel.EventLoop eventLoop;
        private final LatencyRecorder.Shard latency;
        /** This loop's shard of each endpoint's latencies; empty with one endpoint. */
        private final LatencyRecorder.Shard[] latencyByPort;
        private final MessageSpread spread = new MessageSpread();
        private final AtomicLong deliveries = new AtomicLong();
        private final AtomicLong measured = new AtomicLong();
        private final AtomicLong inWindow = new AtomicLong();
        /** Read buffers are copied here by the loop's subscribers, one at a time. */
        private byte[] scratch = new byte[4096];

        LoopStats(io.netty.channel.EventLoop eventLoop, LatencyRecorder.Shard latency, LatencyRecorder.Shard[] latencyByPort) {
            this.eventLoop = eventLoop;
            this.latency = latency;
            this.latencyByPort = latencyByPort;
        }

        /** The loop's scratch array, at least {@code bytes} long; only the loop's thread may use it. */
        byte[] scratch(int bytes) {
            if (scratch.length < bytes) {
                scratch = new byte[Math.max(bytes, 2 * scratch.length)];
            }
            return scratch;
        }

        /**
         * One delivery of message {@code seq} from publisher {@code source} to a subscriber on endpoint
         * {@code port}: counted, its latency recorded once (and once more for its endpoint when there
         * are several), and (publisher 0 only) folded into the per-message breakdown.
         */
        void delivered(int source, int seq, long sentNanos, long now, boolean publishedInWindow, boolean arrivedInWindow,
                int port) {
            if (source == 0) {
                spread.delivered(seq, sentNanos, now, publishedInWindow);
            }
            deliveries.lazySet(deliveries.get() + 1);
            if (publishedInWindow) {
                measured.lazySet(measured.get() + 1);
            }
            if (arrivedInWindow) {
                inWindow.lazySet(inWindow.get() + 1);
            }
            latency.record(now - sentNanos, publishedInWindow);
            if (latencyByPort.length > 0) {
                latencyByPort[port].record(now - sentNanos, publishedInWindow);
            }
        }
    }

    /** Subscribers that have not received a single payload. */
    int silentSubscribers(int connected) {
        int silent = 0;
        for (int i = 0; i < perSubscriber.length(); i++) {
            if (perSubscriber.get(i) == 0) {
                silent++;
            }
        }
        return silent - (perSubscriber.length() - connected);
    }

    long errorsSoFar() {
        return corrupt.sum() + duplicates.sum() + disconnects.sum() + exceptions.sum();
    }

    void error(String description) {
        firstError.compareAndSet(null, description);
    }
}
