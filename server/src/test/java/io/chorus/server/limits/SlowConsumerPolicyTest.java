package io.chorus.server.limits;

import static io.chorus.server.limits.SlowConsumerPolicy.Verdict.CUT_HARD;
import static io.chorus.server.limits.SlowConsumerPolicy.Verdict.CUT_SLOW;
import static io.chorus.server.limits.SlowConsumerPolicy.Verdict.KEEP;
import static io.chorus.server.limits.SlowConsumerPolicy.Verdict.WATCH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SlowConsumerPolicyTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long MIB = 1024 * 1024;
    private final SlowConsumerPolicy policy = new SlowConsumerPolicy(8 * MIB, 32 * MIB, 5 * SECOND);

    @Test
    void aReaderThatFallsFarBehindInABurstButKeepsDrainingIsKept() {
        SlowConsumerPolicy.Tracker tracker = policy.tracker();
        long t = 0;
        // Ten seconds of bursts: up to 20 MiB behind for four seconds at a time, then caught up below 8 MiB.
        for (int cycle = 0; cycle < 10; cycle++) {
            for (int step = 0; step <= 40; step++) {
                assertThat(tracker.check(20 * MIB - step * 100_000L, t)).isIn(KEEP, WATCH);
                t += SECOND / 10;
            }
            assertThat(tracker.check(7 * MIB, t)).isEqualTo(KEEP);
            t += SECOND / 10;
        }
    }

    @Test
    void aReaderAboveTheSoftLimitForLongerThanTheGraceIsCut() {
        SlowConsumerPolicy.Tracker tracker = policy.tracker();
        assertThat(tracker.check(9 * MIB, 0)).isEqualTo(WATCH);
        assertThat(tracker.recheckAtNanos()).isEqualTo(5 * SECOND + 1);
        assertThat(tracker.check(9 * MIB, 5 * SECOND)).as("at the grace exactly").isEqualTo(WATCH);
        assertThat(tracker.check(9 * MIB, 5 * SECOND + 1)).isEqualTo(CUT_SLOW);
    }

    @Test
    void droppingToTheSoftLimitOnceRestartsTheGrace() {
        SlowConsumerPolicy.Tracker tracker = policy.tracker();
        tracker.check(9 * MIB, 0);
        assertThat(tracker.check(8 * MIB, 4 * SECOND)).isEqualTo(KEEP);
        assertThat(tracker.over()).isFalse();
        assertThat(tracker.check(9 * MIB, 6 * SECOND)).isEqualTo(WATCH);
        assertThat(tracker.check(9 * MIB, 11 * SECOND)).isEqualTo(WATCH);
        assertThat(tracker.check(9 * MIB, 11 * SECOND + 1)).isEqualTo(CUT_SLOW);
    }

    @Test
    void passingTheHardLimitCutsAtOnce() {
        SlowConsumerPolicy.Tracker tracker = policy.tracker();
        assertThat(tracker.check(32 * MIB, 0)).isEqualTo(WATCH);
        assertThat(tracker.check(32 * MIB + 1, 0)).isEqualTo(CUT_HARD);
    }

    @Test
    void noGraceMeansTheSoftLimitActsAsAHardOne() {
        SlowConsumerPolicy strict = new SlowConsumerPolicy(MIB, MIB, 0);
        SlowConsumerPolicy.Tracker tracker = strict.tracker();
        assertThat(tracker.check(MIB, 0)).isEqualTo(KEEP);
        assertThat(tracker.check(MIB + 1, 0)).isEqualTo(CUT_HARD);
    }

    @Test
    void badLimitsAreRefused() {
        assertThatThrownBy(() -> new SlowConsumerPolicy(2 * MIB, MIB, SECOND)).hasMessageContaining("hardLimitBytes");
        assertThatThrownBy(() -> new SlowConsumerPolicy(0, MIB, SECOND)).hasMessageContaining("softLimitBytes");
        assertThatThrownBy(() -> new SlowConsumerPolicy(MIB, MIB, -1)).hasMessageContaining("graceNanos");
    }
}
