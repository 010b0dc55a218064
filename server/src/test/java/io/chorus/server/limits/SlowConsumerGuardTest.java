package io.chorus.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SlowConsumerGuardTest {

    private static final long MIB = 1024 * 1024;
    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final SlowConsumerPolicy policy = new SlowConsumerPolicy(8 * MIB, 32 * MIB, TimeUnit.SECONDS.toNanos(5));


    @AfterEach
    void close() {
        loop.finishAndReleaseAll();
    }

    @Test
    void aReaderThatStallsAfterTheLastMessageIsCutByTheRecheckTimer() {
        loop.freezeTime();
        FakeMember stalled = new FakeMember("stalled", loop.eventLoop());
        SlowConsumerGuard guard = new SlowConsumerGuard(stalled, policy, new OutboundBudget(1L << 40));
        stalled.queued = 20 * MIB;
        // The burst ends here: nothing more is written to it, so only the timer can look again.
        assertThat(guard.check()).isTrue();
        loop.advanceTimeBy(5, TimeUnit.SECONDS);
        loop.runScheduledPendingTasks();
        assertThat(stalled.cuts).isEmpty();
        loop.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        loop.runScheduledPendingTasks();
        assertThat(stalled.cuts).containsExactly(CutOff.SLOW);
        assertThat(guard.check()).as("further output is dropped").isFalse();
    }

    @Test
    void aReaderThatDrainsBelowTheSoftLimitInTimeIsKeptAndItsTimerStops() {
        loop.freezeTime();
        FakeMember reader = new FakeMember("reader", loop.eventLoop());
        SlowConsumerGuard guard = new SlowConsumerGuard(reader, policy, new OutboundBudget(1L << 40));
        reader.queued = 20 * MIB;
        guard.check();
        loop.advanceTimeBy(4, TimeUnit.SECONDS);
        reader.queued = 2 * MIB;
        assertThat(guard.check()).isTrue();
        // Back above the soft limit for less than a grace: still kept, long after the first timer would have fired.
        loop.advanceTimeBy(2, TimeUnit.SECONDS);
        reader.queued = 9 * MIB;
        assertThat(guard.check()).isTrue();
        loop.advanceTimeBy(4, TimeUnit.SECONDS);
        loop.runScheduledPendingTasks();
        assertThat(reader.cuts).isEmpty();
        loop.advanceTimeBy(2, TimeUnit.SECONDS);
        loop.runScheduledPendingTasks();
        assertThat(reader.cuts).containsExactly(CutOff.SLOW);
    }

    @Test
    void theHardLimitCutsWithoutWaiting() {
        FakeMember reader = new FakeMember("reader", loop.eventLoop());
        SlowConsumerGuard guard = new SlowConsumerGuard(reader, policy, new OutboundBudget(1L << 40));
        reader.queued = 33 * MIB;
        assertThat(guard.check()).isFalse();
        assertThat(reader.cuts).containsExactly(CutOff.HARD);
    }

    @Test
    void theBudgetCutsTheLargestMemberOnTheLoopAndTheGuardThenDropsItsOutput() {
        OutboundBudget budget = new OutboundBudget(10 * MIB);
        FakeMember small = new FakeMember("small", loop.eventLoop());
        FakeMember large = new FakeMember("large", loop.eventLoop());
        SlowConsumerGuard smallGuard = new SlowConsumerGuard(small, policy, budget);
        SlowConsumerGuard largeGuard = new SlowConsumerGuard(large, policy, budget);
        large.onCut = largeGuard::close;
        small.queued = 3 * MIB;
        large.queued = 6 * MIB;
        smallGuard.check();
        largeGuard.check();
        small.queued = 5 * MIB;
        assertThat(smallGuard.check()).isTrue();
        loop.runPendingTasks();
        assertThat(large.cuts).containsExactly(CutOff.BUDGET);
        assertThat(small.cuts).isEmpty();
        assertThat(largeGuard.check()).isFalse();
        assertThat(budget.total()).isEqualTo(5 * MIB);
    }

}
