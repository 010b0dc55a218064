package io.chorus.client.cli;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delays between reconnect attempts: doubling from {@code initial} up to {@code max}, each with up to
 * a fifth taken off at random so that many clients dropped together do not come back together.
 *
 * @param initial delay before the first attempt
 * @param max longest delay
 * @param attempts how many attempts before giving up; 0 means never reconnect
 */
public record Backoff(Duration initial, Duration max, int attempts) {

    public static final Duration DEFAULT_INITIAL = Duration.ofMillis(250);
    public static final Duration DEFAULT_MAX = Duration.ofSeconds(10);
    /** Attempts by default, about a minute of trying: {@value}. */
    public static final int DEFAULT_ATTEMPTS = 12;

    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 < initial <= max: " + initial + ", " + max);
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative: " + attempts);
        }
    }

    public static Backoff defaults() {
        return new Backoff(DEFAULT_INITIAL, DEFAULT_MAX, DEFAULT_ATTEMPTS);
    }

    /** The longest delay before attempt {@code attempt} (1 for the first), before jitter. */
    public Duration ceiling(int attempt) {
        long millis = initial.toMillis();
        for (int i = 1; i < attempt && millis < max.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, max.toMillis()));
    }

    /** The delay before attempt {@code attempt}: its ceiling minus up to 20% at random. */
    public Duration delay(int attempt) {
        long ceiling = ceiling(attempt).toMillis();
        return Duration.ofMillis(ceiling - ThreadLocalRandom.current().nextLong(ceiling / 5 + 1));
    }
}
