package io.chorus.server.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class OutboundBudgetTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void manyHalfStalledReadersStayUnderTheBudgetAndTheLargestGoFirst() {
        long budgetBytes = 64 * MIB;
        OutboundBudget budget = new OutboundBudget(budgetBytes);
        Random random = new Random(42);
        List<FakeMember> members = new ArrayList<>();
        List<OutboundBudget.Account> accounts = new ArrayList<>();
        List<Long> cutSizes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            FakeMember member = new FakeMember("m" + i, ImmediateEventExecutor.INSTANCE);
            OutboundBudget.Account account = budget.register(member);
            member.onCut = () -> {
                // The member that is cut must be the largest of those still connected.
                for (FakeMember other : members) {
                    if (!other.isCut() && other != member) {
                        assertThat(member.queued).as("%s cut before larger %s", member, other)
                                .isGreaterThanOrEqualTo(other.queued);
                    }
                }
                cutSizes.add(member.queued);
                account.close();
            };
            members.add(member);
            accounts.add(account);
        }
        // Half-stalled: each reader takes a different share of what is sent to it, from 0% to 99%.
        for (int round = 0; round < 2_000; round++) {
            for (int i = 0; i < members.size(); i++) {
                FakeMember member = members.get(i);
                if (member.isCut()) {
                    continue;
                }
                long sent = 1_000 + random.nextInt(1_000);
                long taken = sent * (i % 100) / 100;
                member.queued += sent - taken;
                accounts.get(i).update(member.queued);
                // One loop's queues may pass the budget by one step before it looks at the sum.
                assertThat(budget.total()).isLessThanOrEqualTo(budgetBytes + budgetBytes / OutboundBudget.LOOK_STEPS);
            }
        }
        assertThat(cutSizes).as("the budget had to act").isNotEmpty();
        assertThat(budget.cuts()).isEqualTo(cutSizes.size());
        long liveTotal = members.stream().filter(m -> !m.isCut()).mapToLong(m -> m.queued).sum();
        assertThat(liveTotal).isEqualTo(budget.total())
                .isLessThanOrEqualTo(budgetBytes + budgetBytes / OutboundBudget.LOOK_STEPS);
        // Readers that keep up were never touched.
        for (int i = 0; i < members.size(); i++) {
            if (i % 100 >= 90) {
                assertThat(members.get(i).isCut()).as("reader %d takes %d%%", i, i % 100).isFalse();
            }
        }
    }

    @Test
    void aMemberThatDrainedBeforeItsCutRanIsSpared() {
        EmbeddedLoop loop = new EmbeddedLoop();
        try {
            OutboundBudget budget = new OutboundBudget(10 * MIB);
            FakeMember big = new FakeMember("big", loop.executor());
            FakeMember other = new FakeMember("other", loop.executor());
            OutboundBudget.Account bigAccount = budget.register(big);
            OutboundBudget.Account otherAccount = budget.register(other);
            big.queued = 8 * MIB;
            bigAccount.update(big.queued);
            other.queued = 4 * MIB;
            otherAccount.update(other.queued);
            // Chosen from its stale report, but by the time its loop runs the cut it has caught up.
            big.queued = MIB;
            loop.runPendingTasks();
            assertThat(big.cuts).isEmpty();
            assertThat(other.cuts).isEmpty();
            assertThat(budget.total()).isEqualTo(5 * MIB);
            assertThat(bigAccount.isCut()).isFalse();
        } finally {
            loop.close();
        }
    }

    @Test
    void stripedAcrossLoopsTheSumSettlesUnderTheBudget() throws Exception {
        DefaultEventLoopGroup loops = new DefaultEventLoopGroup(4);
        try {
            // Each member ends 0.2 to 2 MB behind, 220 MB in all: about half of it must go.
            long budgetBytes = 110 * MIB;
            OutboundBudget budget = new OutboundBudget(budgetBytes);
            List<FakeMember> members = new ArrayList<>();
            List<OutboundBudget.Account> accounts = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                EventExecutor loop = loops.next();
                FakeMember member = new FakeMember("m" + i, loop);
                OutboundBudget.Account account = budget.register(member);
                member.onCut = account::close;
                members.add(member);
                accounts.add(account);
            }
            CountDownLatch done = new CountDownLatch(members.size());
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int i = 0; i < members.size(); i++) {
                FakeMember member = members.get(i);
                OutboundBudget.Account account = accounts.get(i);
                int share = i % 10;
                member.executor().execute(() -> {
                    try {
                        for (int step = 0; step < 200 && !member.isCut(); step++) {
                            member.queued += 1_000L * (10 - share);
                            account.update(member.queued);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        done.countDown();
                    }
                });
            }
            assertThat(done.await(50, TimeUnit.SECONDS)).isTrue();
            assertThat(failure.get()).as("thrown on an event loop").isNull();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                // Each of the 4 loops may pass the budget by one step before it looks at the sum.
                long slack = 4 * (budgetBytes / OutboundBudget.LOOK_STEPS);
                assertThat(budget.total()).isLessThanOrEqualTo(budgetBytes + slack);
                long live = members.stream().filter(m -> !m.isCut()).mapToLong(m -> m.queued).sum();
                assertThat(live).isLessThanOrEqualTo(budgetBytes + slack);
            });
            assertThat(budget.accounts()).isEqualTo(members.stream().filter(m -> !m.isCut()).count());
            long cut = members.stream().filter(FakeMember::isCut).count();
            assertThat(cut).as("members cut").isPositive().isLessThan(members.size());
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void growthReportedWhileAnotherLoopIsCuttingIsCutToo() throws Exception {
        DefaultEventLoopGroup loops = new DefaultEventLoopGroup(2);
        StallingLoop stalling = new StallingLoop();
        try {
            OutboundBudget budget = new OutboundBudget(10 * MIB);
            EventExecutor first = loops.next();
            EventExecutor second = loops.next();
            FakeMember a = new FakeMember("a", first);
            FakeMember b = new FakeMember("b", second);
            FakeMember c = new FakeMember("c", stalling);
            List<FakeMember> members = List.of(a, b, c);
            List<OutboundBudget.Account> accounts = new ArrayList<>();
            for (FakeMember member : members) {
                OutboundBudget.Account account = budget.register(member);
                member.onCut = account::close;
                accounts.add(account);
            }
            report(stalling, c, accounts.get(2), 9 * MIB);
            // a takes the sum 1 MiB over; its loop chooses c to cut, and stalls handing it the cut, as a
            // preempted thread would.
            stalling.stallNextHandOff();
            first.execute(() -> {
                a.queued = 2 * MIB;
                accounts.get(0).update(a.queued);
            });
            assertThat(stalling.stalled.await(10, TimeUnit.SECONDS)).isTrue();
            // Meanwhile b adds 9 MiB: the sum is 20 MiB, and the cut under way was sized for 11.
            report(second, b, accounts.get(1), 9 * MIB);
            stalling.goOn.countDown();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(budget.total()).isLessThanOrEqualTo(10 * MIB);
                assertThat(budget.cuts()).isEqualTo(2);
            });
            assertThat(a.isCut()).as("the smallest queue").isFalse();
        } finally {
            stalling.goOn.countDown();
            stalling.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Sets a member's queue and reports it on the member's loop, as the server does. */
    private static void report(EventExecutor loop, FakeMember member, OutboundBudget.Account account, long bytes)
            throws Exception {
        loop.submit(() -> {
            member.queued = bytes;
            account.update(bytes);
        }).get(10, TimeUnit.SECONDS);
    }

    /** A loop whose next task handed over from another thread, once armed, waits until the test goes on. */
    private static final class StallingLoop extends DefaultEventLoop {
        final CountDownLatch stalled = new CountDownLatch(1);
        final CountDownLatch goOn = new CountDownLatch(1);
        private final AtomicBoolean armed = new AtomicBoolean();

        void stallNextHandOff() {
            armed.set(true);
        }

        @Override
        public void execute(Runnable task) {
            if (!inEventLoop() && armed.compareAndSet(true, false)) {
                stalled.countDown();
                try {
                    goOn.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            super.execute(task);
        }
    }

    @Test
    void theDefaultIsAQuarterOfDirectMemoryAndAtLeast64MiB() {
        assertThat(OutboundBudget.defaultBudgetBytes(6L * 1024 * MIB)).isEqualTo(1536 * MIB);
        assertThat(OutboundBudget.defaultBudgetBytes(128 * MIB)).isEqualTo(64 * MIB);
        assertThat(OutboundBudget.defaultBudgetBytes(-1)).as("unknown").isEqualTo(64 * MIB);
        assertThat(OutboundBudget.defaultBudgetBytes()).isGreaterThanOrEqualTo(64 * MIB);
    }

    @Test
    void readersBehindOnSharedBuffersAreNotCutWhileTheMemoryReallyHeldFits() {
        long[] held = {MIB};
        OutboundBudget budget = new OutboundBudget(10 * MIB, () -> held[0]);
        List<FakeMember> members = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            FakeMember member = new FakeMember("m" + i, ImmediateEventExecutor.INSTANCE);
            OutboundBudget.Account account = budget.register(member);
            member.onCut = account::close;
            members.add(member);
            // 100 readers 1 MiB behind on the same broadcasts: 100 MiB reported, 1 MiB held.
            member.queued = MIB;
            account.update(member.queued);
        }
        assertThat(budget.total()).isEqualTo(100 * MIB);
        assertThat(members).noneMatch(FakeMember::isCut);
        assertThat(budget.cuts()).isZero();
    }

    @Test
    void whenTheMemoryReallyHeldIsOverTheLargestQueuesAreCutByTheSmallerExcess() throws InterruptedException {
        long[] held = {MIB};
        OutboundBudget budget = new OutboundBudget(10 * MIB, () -> held[0]);
        List<FakeMember> members = new ArrayList<>();
        List<OutboundBudget.Account> accounts = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            FakeMember member = new FakeMember("m" + i, ImmediateEventExecutor.INSTANCE);
            OutboundBudget.Account account = budget.register(member);
            member.onCut = () -> {
                // What the member held alone is freed when it closes.
                held[0] = Math.max(MIB, held[0] - member.queued);
                account.close();
            };
            members.add(member);
            accounts.add(account);
        }
        // Queues of 1..8 MiB, 36 MiB reported, on shared buffers: 1 MiB held, nobody is cut.
        for (int i = 0; i < members.size(); i++) {
            members.get(i).queued = (i + 1) * MIB;
            accounts.get(i).update(members.get(i).queued);
        }
        assertThat(members).noneMatch(FakeMember::isCut);
        // Then the allocator holds 15 MiB, 5 MiB over, and the next report looks again.
        held[0] = 15 * MIB;
        Thread.sleep(OutboundBudget.HELD_REFRESH_MILLIS + 1);
        members.get(0).queued += 10 * MIB / OutboundBudget.LOOK_STEPS;
        accounts.get(0).update(members.get(0).queued);
        // The 8 MiB queue covers the real excess of 5 MiB on its own: nobody else is cut.
        assertThat(members.get(7).isCut()).isTrue();
        assertThat(members.subList(0, 7)).noneMatch(FakeMember::isCut);
        assertThat(budget.cuts()).isEqualTo(1);
    }

    @Test
    void withoutAnAllocatorThatReportsTheQueuesAloneDecide() {
        assertThat(OutboundBudget.heldBy(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT)).isNotNull();
        assertThat(OutboundBudget.heldBy(io.netty.buffer.PooledByteBufAllocator.DEFAULT).getAsLong()).isNotNegative();
        OutboundBudget budget = new OutboundBudget(10 * MIB, null);
        FakeMember member = new FakeMember("big", ImmediateEventExecutor.INSTANCE);
        OutboundBudget.Account account = budget.register(member);
        member.onCut = account::close;
        member.queued = 11 * MIB;
        account.update(member.queued);
        assertThat(member.isCut()).isTrue();
    }
}
