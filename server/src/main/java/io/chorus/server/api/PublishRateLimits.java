package io.chorus.server.api;

import io.chorus.server.RateLimit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The publish rate of each API key: the chat's {@code --rate-limit} (messages per second, with bursts),
 * applied per key rather than per connection, since one publisher may open many HTTP connections.
 * Thread-safe: requests of one key may arrive on several event loops at once.
 */
final class PublishRateLimits {

    private final RateLimit limit;
    private final Map<ApiKeys.Key, Bucket> buckets = new ConcurrentHashMap<>();

    PublishRateLimits(RateLimit limit) {
        this.limit = limit;
    }

    /** True if {@code key} may publish one message now, at {@code nowNanos}; takes a token if so. */
    boolean tryAcquire(ApiKeys.Key key, long nowNanos) {
        if (!limit.enabled()) {
            return true;
        }
        return buckets.computeIfAbsent(key, k -> new Bucket(limit.burst(), nowNanos)).take(limit, nowNanos);
    }

    /** A token bucket; synchronized because one key's requests may come from several loops. */
    private static final class Bucket {
        private double tokens;
        private long last;

        Bucket(int burst, long now) {
            this.tokens = burst;
            this.last = now;
        }

        synchronized boolean take(RateLimit limit, long now) {
            tokens = Math.min(limit.burst(), tokens + (now - last) / 1e9 * limit.perSecond());
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
