package io.chorus.server.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chorus.protocol.event.Event;
import io.netty.util.concurrent.EventExecutor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryBudgetTest {

    /** A room's history as the budget sees it: message sizes, oldest first, confined to its loop. */
    private static final class FakeRoom implements HistoryBudget.Owner {
        final String name;
        final EventExecutor executor;
        final ArrayDeque<Long> sizes = new ArrayDeque<>();
        HistoryBudget.Ledger ledger;
        int dropped;

        FakeRoom(String name, EventExecutor executor) {
            this.name = name;
            this.executor = executor;
        }

        void store(String nick, String text) {
            long size = HistoryBudget.estimate(nick, text);
            sizes.addLast(size);
            ledger.add(size);
        }

        @Override
        public EventExecutor executor() {
            return executor;
        }

        @Override
        public long shed(long bytes) {
            assertThat(executor.inEventLoop()).isTrue();
            long freed = 0;
            while (freed < bytes && !sizes.isEmpty()) {
                freed += sizes.removeFirst();
                dropped++;
            }
            return freed;
        }
    }

    @Test
    void theLeastRecentlyActiveRoomsLoseTheirHistoryFirst() {
        try (EmbeddedLoop loop = new EmbeddedLoop()) {
            long message = HistoryBudget.estimate("nick", "x".repeat(100));
            HistoryBudget budget = new HistoryBudget(100 * message);
            List<FakeRoom> rooms = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                FakeRoom room = new FakeRoom("r" + i, loop.executor());
                room.ledger = budget.open(room);
                rooms.add(room);
            }
            // r0 is the oldest activity, r4 the newest: 20 messages each fills the budget exactly.
            for (FakeRoom room : rooms) {
                for (int m = 0; m < 20; m++) {
                    room.store("nick", "x".repeat(100));
                }
                loop.runPendingTasks();
            }
            assertThat(budget.total()).isEqualTo(100 * message);
            assertThat(rooms).allSatisfy(r -> assertThat(r.dropped).isZero());
            // r2 speaks again, then r4 adds 30 messages: 30 over, taken from r0 and then r1, never from r2.
            rooms.get(2).store("nick", "x".repeat(100));
            loop.runPendingTasks();
            for (int m = 0; m < 30; m++) {
                rooms.get(4).store("nick", "x".repeat(100));
                loop.runPendingTasks();
            }
            assertThat(budget.total()).isLessThanOrEqualTo(budget.budgetBytes());
            assertThat(rooms.get(0).dropped).isEqualTo(20);
            assertThat(rooms.get(1).dropped).isEqualTo(11);
            assertThat(rooms.get(2).dropped).isZero();
            assertThat(rooms.get(3).dropped).isZero();
            assertThat(rooms.get(4).dropped).isZero();
        }
    }

    @Test
    void oneRoomAloneIsTrimmedFromItsOldestMessages() {
        try (EmbeddedLoop loop = new EmbeddedLoop()) {
            long message = HistoryBudget.estimate("n", "hello");
            HistoryBudget budget = new HistoryBudget(10 * message);
            FakeRoom room = new FakeRoom("only", loop.executor());
            room.ledger = budget.open(room);
            for (int m = 0; m < 1_000; m++) {
                room.store("n", "hello");
                loop.runPendingTasks();
                assertThat(budget.total()).isLessThanOrEqualTo(10 * message);
            }
            assertThat(room.sizes).hasSize(10);
            assertThat(room.dropped).isEqualTo(990);
        }
    }

    @Test
    void aFreedRoomGivesBackItsBytes() {
        try (EmbeddedLoop loop = new EmbeddedLoop()) {
            HistoryBudget budget = new HistoryBudget(1 << 20);
            FakeRoom room = new FakeRoom("gone", loop.executor());
            room.ledger = budget.open(room);
            room.store("n", "bye");
            room.ledger.remove(HistoryBudget.estimate("n", "bye") / 2);
            room.ledger.close();
            room.ledger.close();
            assertThat(budget.total()).isZero();
            assertThat(budget.ledgers()).isZero();
            assertThatThrownBy(() -> new HistoryBudget(0)).hasMessageContaining("budgetBytes");
        }
    }

    /**
     * The estimate is an upper bound of what a stored message holds on the heap, measured on 20,000
     * messages like the ones a room keeps (each with its own text, nick and timestamp), and not more than
     * three times too cautious.
     */
    @Test
    void theEstimateCoversTheMeasuredHeapOfStoredMessages() {
        int count = 20_000;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ArrayDeque<Event> history = new ArrayDeque<>();
        long before = usedAfterGc(memory);
        long estimated = 0;
        for (int i = 0; i < count; i++) {
            String nick = "user-" + (i % 50);
            String text = "message number " + i + " " + "y".repeat(i % 200);
            history.addLast(new Event.Message("room", new String(nick), text, i, Instant.now(), false));
            estimated += HistoryBudget.estimate(nick, text);
        }
        long measured = usedAfterGc(memory) - before;
        System.out.printf("history heap: %d messages, measured %d bytes (%.0f per message), estimated %d (%.0f per message)%n",
                history.size(), measured, (double) measured / count, estimated, (double) estimated / count);
        assertThat(estimated).isGreaterThanOrEqualTo(measured);
        assertThat(estimated).isLessThan(3 * measured);
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    @Test
    void roomsOnManyLoopsStoringAtOnceSettleUnderTheBudgetWithExactAccounts() throws Exception {
        io.netty.channel.DefaultEventLoopGroup loops = new io.netty.channel.DefaultEventLoopGroup(4);
        try {
            long message = HistoryBudget.estimate("nick", "z".repeat(50));
            HistoryBudget budget = new HistoryBudget(500 * message);
            List<FakeRoom> rooms = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                FakeRoom room = new FakeRoom("r" + i, loops.next());
                room.ledger = budget.open(room);
                rooms.add(room);
            }
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(rooms.size());
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            for (FakeRoom room : rooms) {
                room.executor.execute(() -> {
                    try {
                        for (int m = 0; m < 50; m++) {
                            room.store("nick", "z".repeat(50));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        done.countDown();
                    }
                });
            }
            assertThat(done.await(50, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(failure.get()).isNull();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() -> {
                long held = 0;
                for (FakeRoom room : rooms) {
                    held += inLoop(room, () -> room.sizes.stream().mapToLong(Long::longValue).sum());
                }
                assertThat(budget.total()).isEqualTo(held).isLessThanOrEqualTo(budget.budgetBytes());
            });
        } finally {
            loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    private static long inLoop(FakeRoom room, java.util.function.LongSupplier read) throws Exception {
        return room.executor.submit(read::getAsLong).get();
    }
}
