package io.chorus.bench.load;

import java.util.concurrent.TimeUnit;

/**
 * Drives the warmup, then the measured window, on the calling thread, telling a listener when measuring
 * starts and about once a second for progress lines. Always ends after warmup plus duration.
 */
final class Timeline {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private Timeline() {
    }

    /** What a run does at the edges of its window. */
    interface Listener {
        /** Warmup is over; counters and latencies from now on are measured. */
        void measuringStarted();

        /** About once a second; {@code elapsedSeconds} counts from the start of the warmup. */
        void tick(double elapsedSeconds, boolean measuring);
    }

    /**
     * The measured window, in {@link System#nanoTime()} terms.
     *
     * @param startNanos when measuring started
     * @param endNanos   when it ended
     */
    record Window(long startNanos, long endNanos) {
        double seconds() {
            return (endNanos - startNanos) / 1e9;
        }
    }

    static Window run(LoadSettings settings, Listener listener) throws InterruptedException {
        long began = System.nanoTime();
        long measureAt = began + settings.warmup().toNanos();
        long measureStart = 0;
        boolean measuring = false;
        long nextTick = began + SECOND;
        while (true) {
            long now = System.nanoTime();
            if (!measuring && now >= measureAt) {
                measureStart = now;
                listener.measuringStarted();
                measuring = true;
            }
            if (measuring && now - measureStart >= settings.duration().toNanos()) {
                return new Window(measureStart, now);
            }
            if (now >= nextTick) {
                listener.tick((now - began) / 1e9, measuring);
                nextTick += ((now - nextTick) / SECOND + 1) * SECOND;
            }
            long edge = measuring ? measureStart + settings.duration().toNanos() : measureAt;
            long wake = Math.min(nextTick, edge);
            long sleep = wake - System.nanoTime();
            if (sleep > 0) {
                TimeUnit.NANOSECONDS.sleep(sleep);
            }
        }
    }

    /** Waits until {@code done} holds or {@code timeoutNanos} passes; returns whether it held. */
    static boolean awaitCondition(java.util.function.BooleanSupplier done, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        return true;
    }
}
