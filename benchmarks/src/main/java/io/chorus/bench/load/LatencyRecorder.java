package io.chorus.bench.load;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntervalHistogramProvider;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.SingleWriterRecorder;
import org.HdrHistogram.ValueRecorder;

/**
 * Collects latencies from any number of event loop threads, both as one-second intervals for progress
 * lines and as a total of the samples that belong to the measured window.
 *
 * <p>Hot paths take a {@link Shard} for their own thread ({@link #shardFor}): each sample is then one
 * uncontended record into that thread's single-writer recorder. {@link #record} is the shared, slower
 * path, safe from any thread. {@link #nextInterval} and {@link #total} are called by the one thread that
 * drives the run.
 */
final class LatencyRecorder {

    private static final int DIGITS = 3;

    private final Map<Object, Shard> byOwner = new ConcurrentHashMap<>();
    private final List<Shard> shards = new CopyOnWriteArrayList<>();
    private final Shard shared = new Shard(new Recorder(DIGITS), new Recorder(DIGITS));
    private final Histogram measuredSoFar = new Histogram(DIGITS);
    private final Histogram interval = new Histogram(DIGITS);
    private final Histogram scratch = new Histogram(DIGITS);

    LatencyRecorder() {
        shards.add(shared);
    }

    /**
     * The shard that {@code owner} (an event loop) records into; only that owner's thread may record
     * into it.
     */
    Shard shardFor(Object owner) {
        return byOwner.computeIfAbsent(owner, key -> {
            Shard shard = new Shard(new SingleWriterRecorder(DIGITS), new SingleWriterRecorder(DIGITS));
            shards.add(shard);
            return shard;
        });
    }

    /** Records one latency from any thread; see {@link Shard#record}. */
    void record(long nanos, boolean inWindow) {
        shared.record(nanos, inWindow);
    }

    /** All latencies recorded since the previous call, warmup included. */
    Histogram nextInterval() {
        interval.reset();
        for (Shard shard : shards) {
            shard.measured.getIntervalHistogramInto(scratch);
            interval.add(scratch);
            measuredSoFar.add(scratch);
            shard.other.getIntervalHistogramInto(scratch);
            interval.add(scratch);
        }
        return interval;
    }

    /** The measured samples recorded so far; call once, after the run has drained. */
    Histogram total() {
        nextInterval();
        return measuredSoFar.copy();
    }

    /** One thread's recorders: one for samples of the measured window, one for the rest. */
    static final class Shard {
        private final ValueRecorder measuredWriter;
        private final ValueRecorder otherWriter;
        private final IntervalHistogramProvider<Histogram> measured;
        private final IntervalHistogramProvider<Histogram> other;

        private <R extends ValueRecorder & IntervalHistogramProvider<Histogram>> Shard(R measured, R other) {
            this.measuredWriter = measured;
            this.otherWriter = other;
            this.measured = measured;
            this.other = other;
        }

        /**
         * Records one latency in nanoseconds, once; negative values (a sender's clock read racing the
         * receiver's) count as 0. Only samples with {@code inWindow} make it into {@link #total()}.
         */
        void record(long nanos, boolean inWindow) {
            (inWindow ? measuredWriter : otherWriter).recordValue(Math.max(0, nanos));
        }
    }
}
