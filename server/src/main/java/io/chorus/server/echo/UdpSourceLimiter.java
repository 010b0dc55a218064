package io.chorus.server.echo;

import io.chorus.server.RateLimit;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token bucket per source address for the UDP echo port, so that datagrams with a forged source
 * cannot turn the port into a reflector aimed at that address.
 *
 * <p>Memory is bounded whatever the sources: at most {@code maxSources} buckets are kept, the least
 * recently seen is dropped first, and a bucket that has been quiet long enough to be full again is
 * dropped as soon as it is the oldest, since a new bucket would behave the same. Not thread-safe:
 * the UDP channel's event loop is its only user. Time comes from the caller, so tests can fake it.
 */
final class UdpSourceLimiter {

    /** Sources tracked at once: {@value}. */
    static final int DEFAULT_MAX_SOURCES = 4096;
    /** Old buckets examined for expiry per datagram, which keeps the cost of expiry constant: {@value}. */
    private static final int EXPIRY_CHECKS = 2;

    private static final class Bucket {
        double tokens;
        long lastNanos;

        Bucket(double tokens, long lastNanos) {
            this.tokens = tokens;
            this.lastNanos = lastNanos;
        }
    }

    private final boolean enabled;
    private final double tokensPerNano;
    private final int burst;
    private final long refillNanos;
    private final int maxSources;
    private final LinkedHashMap<InetAddress, Bucket> buckets;

    UdpSourceLimiter(RateLimit limit, int maxSources) {
        if (maxSources < 1) {
            throw new IllegalArgumentException("maxSources must be at least 1: " + maxSources);
        }
        this.enabled = limit.enabled();
        this.tokensPerNano = limit.perSecond() / 1e9;
        this.burst = limit.burst();
        this.refillNanos = enabled ? (long) Math.ceil(burst / tokensPerNano) : 0;
        this.maxSources = maxSources;
        // Access order: the eldest entry is the source seen least recently.
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
                return size() > UdpSourceLimiter.this.maxSources;
            }
        };
    }

    /** True when a datagram from {@code source} at {@code nowNanos} may be answered; takes one token. */
    boolean tryAcquire(InetAddress source, long nowNanos) {
        if (!enabled) {
            return true;
        }
        expireOldest(nowNanos);
        Bucket bucket = buckets.get(source);
        if (bucket == null) {
            bucket = new Bucket(burst, nowNanos);
            buckets.put(source, bucket);
        } else {
            long elapsed = Math.max(0, nowNanos - bucket.lastNanos);
            bucket.tokens = Math.min(burst, bucket.tokens + elapsed * tokensPerNano);
            bucket.lastNanos = nowNanos;
        }
        if (bucket.tokens >= 1) {
            bucket.tokens -= 1;
            return true;
        }
        return false;
    }

    /** Buckets held right now; never more than {@code maxSources}. */
    int trackedSources() {
        return buckets.size();
    }

    private void expireOldest(long nowNanos) {
        Iterator<Bucket> oldest = buckets.values().iterator();
        for (int i = 0; i < EXPIRY_CHECKS && oldest.hasNext(); i++) {
            if (nowNanos - oldest.next().lastNanos >= refillNanos) {
                oldest.remove();
            } else {
                return;
            }
        }
    }
}
