package io.chorus.server.limits;

import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.EventExecutor;

/**
 * The time an event loop schedules by, so that decisions and their re-checks agree, and so that fake time
 * ({@code EmbeddedChannel.advanceTimeBy}, a mock ticker) drives them in tests.
 */
public final class LoopClock {

    private LoopClock() {
    }

    /** The loop's own nano time, or {@link System#nanoTime()} for an executor without a ticker. */
    public static long nanoTime(EventExecutor executor) {
        if (executor instanceof AbstractScheduledEventExecutor scheduled) {
            return scheduled.ticker().nanoTime();
        }
        return System.nanoTime();
    }
}
