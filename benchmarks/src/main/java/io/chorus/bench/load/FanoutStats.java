package io.chorus.bench.load;

import java.util.concurrent.atomic.AtomicInteger;
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
    final LongAdder deliveries = new LongAdder();
    /** Deliveries of messages published in the measured window, whenever they arrive. */
    final LongAdder measuredDeliveries = new LongAdder();
    /** Deliveries that arrived during the measured window, whenever they were published. */
    final LongAdder deliveriesInWindow = new LongAdder();
    final LongAdder otherLines = new LongAdder();
    final LongAdder corrupt = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder disconnects = new LongAdder();
    final LongAdder exceptions = new LongAdder();
    final AtomicReference<String> firstError = new AtomicReference<>();
    /** Per publisher: the first sequence number sent in the measured window; MAX_VALUE until then. */
    final AtomicIntegerArray windowStartSeq;
    /** Per subscriber: deliveries so far, written only by that subscriber's event loop. */
    final AtomicLongArray perSubscriber;

    volatile boolean measuring;
    volatile boolean closing;

    FanoutStats(int subscribers, int publishers) {
        perSubscriber = new AtomicLongArray(subscribers);
        windowStartSeq = new AtomicIntegerArray(publishers);
        for (int i = 0; i < publishers; i++) {
            windowStartSeq.set(i, Integer.MAX_VALUE);
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
