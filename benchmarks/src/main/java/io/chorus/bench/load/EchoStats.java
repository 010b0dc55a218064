package io.chorus.bench.load;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters and latencies every echo connection of one run adds to, plus the run's phase flags.
 */
final class EchoStats {

    final LatencyRecorder latency = new LatencyRecorder();
    final LongAdder sent = new LongAdder();
    final LongAdder replies = new LongAdder();
    final LongAdder measuredReplies = new LongAdder();
    final LongAdder outstanding = new LongAdder();
    final LongAdder mismatches = new LongAdder();
    final LongAdder unexpected = new LongAdder();
    final LongAdder disconnects = new LongAdder();
    final LongAdder exceptions = new LongAdder();
    final LongAdder lost = new LongAdder();
    final AtomicReference<String> firstError = new AtomicReference<>();

    /** Replies arriving while this is set belong to the measured window. */
    volatile boolean measuring;
    /** No new messages once set; replies still come back. */
    volatile boolean stopping;
    /** Set just before the load generator closes its own connections, so closes are not errors. */
    volatile boolean closing;

    long errorsSoFar() {
        return mismatches.sum() + unexpected.sum() + disconnects.sum() + exceptions.sum() + lost.sum();
    }

    void error(String description) {
        firstError.compareAndSet(null, description);
    }
}
