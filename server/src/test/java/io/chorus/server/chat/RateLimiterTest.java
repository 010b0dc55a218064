package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.RateLimit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void allowsTheBurstThenDropsAndTellsOnce() {
        RateLimiter limiter = new RateLimiter(new RateLimit(20, 50), 0);
        for (int i = 0; i < 50; i++) {
            assertThat(limiter.take(0)).isEqualTo(RateLimiter.Verdict.ACCEPT);
        }
        assertThat(limiter.take(0)).isEqualTo(RateLimiter.Verdict.DROP_AND_TELL);
        for (int i = 0; i < 1000; i++) {
            assertThat(limiter.take(0)).isEqualTo(RateLimiter.Verdict.DROP);
        }
    }

    @Test
    void refillsAtTheRateAndWarnsAgainOnlyAfterCalmingDown() {
        RateLimiter limiter = new RateLimiter(new RateLimit(20, 50), 0);
        for (int i = 0; i < 51; i++) {
            limiter.take(0);
        }
        // 100 ms at 20/s refills two tokens: two lines pass, the third is dropped without a new warning.
        assertThat(limiter.take(SECOND / 10)).isEqualTo(RateLimiter.Verdict.ACCEPT);
        assertThat(limiter.take(SECOND / 10)).isEqualTo(RateLimiter.Verdict.ACCEPT);
        assertThat(limiter.take(SECOND / 10)).isEqualTo(RateLimiter.Verdict.DROP);
        // Quiet for long enough to refill the whole burst: the next flood is warned about again.
        long later = SECOND / 10 + 3 * SECOND;
        for (int i = 0; i < 50; i++) {
            assertThat(limiter.take(later)).isEqualTo(RateLimiter.Verdict.ACCEPT);
        }
        assertThat(limiter.take(later)).isEqualTo(RateLimiter.Verdict.DROP_AND_TELL);
    }

    @Test
    void parsesRateAndBurst() {
        assertThat(RateLimit.parse("20/50")).isEqualTo(new RateLimit(20, 50));
        assertThat(RateLimit.parse("5")).isEqualTo(new RateLimit(5, 5));
        assertThat(RateLimit.parse("0").enabled()).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RateLimit.parse("fast"))
                .hasMessageContaining("RATE[/BURST]");
    }
}
