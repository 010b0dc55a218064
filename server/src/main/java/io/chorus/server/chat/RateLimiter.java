package io.chorus.server.chat;

import io.chorus.server.RateLimit;

/**
 * A token bucket for one connection: each line takes a token; tokens refill at the configured rate up
 * to the burst. It also decides when the sender should hear about it: once when limiting starts, not
 * once per dropped line.
 *
 * <p>Confined to the connection's event loop. Time comes from the caller, so tests can control it.
 */
final class RateLimiter {

    /** What to do with one line. */
    enum Verdict { ACCEPT, DROP_AND_TELL, DROP }

    private final double perNano;
    private final double burst;
    private double tokens;
    private long lastNanos;
    private boolean told;

    RateLimiter(RateLimit limit, long nowNanos) {
        this.perNano = limit.perSecond() / 1_000_000_000d;
        this.burst = limit.burst();
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    Verdict take(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * perNano);
            lastNanos = nowNanos;
        }
        if (tokens >= burst) {
            // Quiet long enough to refill completely: a new flood gets a new warning.
            told = false;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return Verdict.ACCEPT;
        }
        if (told) {
            return Verdict.DROP;
        }
        told = true;
        return Verdict.DROP_AND_TELL;
    }
}
