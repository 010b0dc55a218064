package io.chorus.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Collects latencies from any number of event loop threads, both as one-second intervals for progress
 * lines and as a total of the samples that belong to the measured window.
 *
 * <p>{@link #record} is safe from any thread; the other methods are called by the one thread that drives
 * the run.
 */
final class LatencyRecorder {

    private final Recorder everything = new Recorder(3);
    private final Recorder measured = new Recorder(3);
    private Histogram interval;

    /**
     * Records one latency in nanoseconds; negative values (a sender's clock read racing the receiver's)
     * count as 0. Only samples with {@code inWindow} make it into {@link #total()}.
     */
    void record(long nanos, boolean inWindow) {
        long value = Math.max(0, nanos);
        everything.recordValue(value);
        if (inWindow) {
            measured.recordValue(value);
        }
    }

    /** All latencies recorded since the previous call, warmup included. */
    Histogram nextInterval() {
        interval = everything.getIntervalHistogram(interval);
        return interval;
    }

    /** The measured samples recorded so far; call once, after the run has drained. */
    Histogram total() {
        return measured.getIntervalHistogram();
    }
}
