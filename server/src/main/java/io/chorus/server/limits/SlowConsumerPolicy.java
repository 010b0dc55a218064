package io.chorus.server.limits;

import java.time.Duration;

/**
 * Decides when a member that is behind on its output is a slow consumer, in the manner of Redis's soft
 * and hard output-buffer limits: a reader is cut only when its queue has stayed above the soft limit,
 * without once dropping below it, for longer than the grace period, or at once when it passes the hard
 * limit. A burst that puts a healthy reader far behind for a moment is thus not a reason to cut it.
 *
 * <p>The policy is immutable and shared; each member holds one {@link Tracker} with its own state. It
 * reads no clock: callers pass the event loop's nano time, so tests use fake time.
 *
 * @param softLimitBytes queue size that starts the grace period
 * @param hardLimitBytes queue size that cuts at once; at least the soft limit
 * @param graceNanos     how long the queue may stay above the soft limit
 */
public record SlowConsumerPolicy(long softLimitBytes, long hardLimitBytes, long graceNanos) {

    /** What to do with a member after a look at its queue. */
    public enum Verdict {
        /** At or below the soft limit. */
        KEEP,
        /** Above the soft limit, grace still running: look again by {@link Tracker#recheckAtNanos()}. */
        WATCH,
        /** Above the soft limit for longer than the grace: cut with {@link CutOff#SLOW}. */
        CUT_SLOW,
        /** Above the hard limit: cut with {@link CutOff#HARD}. */
        CUT_HARD
    }

    public SlowConsumerPolicy {
        if (softLimitBytes < 1) {
            throw new IllegalArgumentException("softLimitBytes must be positive: " + softLimitBytes);
        }
        if (hardLimitBytes < softLimitBytes) {
            throw new IllegalArgumentException("hardLimitBytes " + hardLimitBytes
                    + " must be at least softLimitBytes " + softLimitBytes);
        }
        if (graceNanos < 0) {
            throw new IllegalArgumentException("graceNanos must not be negative: " + graceNanos);
        }
    }

    public SlowConsumerPolicy(long softLimitBytes, long hardLimitBytes, Duration grace) {
        this(softLimitBytes, hardLimitBytes, grace.toNanos());
    }

    /** A fresh tracker for one member. */
    public Tracker tracker() {
        return new Tracker(this);
    }

    /** One member's state under the policy: since when it has been above the soft limit. Confined to the member's loop. */
    public static final class Tracker {

        private final SlowConsumerPolicy policy;
        private boolean over;
        private long overSinceNanos;

        private Tracker(SlowConsumerPolicy policy) {
            this.policy = policy;
        }

        /**
         * Looks at the member's queue now. Call it after each write to the member, after each flush that
         * may have drained it, and from the re-check timer while the verdict is {@link Verdict#WATCH}.
         *
         * @param queuedBytes the member's queued bytes now
         * @param nowNanos    the member's event-loop nano time
         */
        public Verdict check(long queuedBytes, long nowNanos) {
            if (queuedBytes > policy.hardLimitBytes) {
                return Verdict.CUT_HARD;
            }
            if (queuedBytes <= policy.softLimitBytes) {
                // Dropping to the soft limit once is enough to prove the reader reads: the clock restarts.
                over = false;
                return Verdict.KEEP;
            }
            if (!over) {
                over = true;
                overSinceNanos = nowNanos;
            }
            return nowNanos - overSinceNanos > policy.graceNanos ? Verdict.CUT_SLOW : Verdict.WATCH;
        }

        /** True while the queue was above the soft limit at the last check. */
        public boolean over() {
            return over;
        }

        /** When the grace runs out, in loop nano time; meaningful while {@link #over()}. */
        public long recheckAtNanos() {
            // One past the grace, as check() cuts only once the grace is strictly exceeded.
            return overSinceNanos + policy.graceNanos + 1;
        }
    }
}
