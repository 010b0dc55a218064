package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.limits.MessageIds;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class RoomRegistryTest {

    /** 2026-12-01T00:00:00Z. */
    private static final long NOW = 1_796_083_200_000L;

    /**
     * A room with what matters to the registry: members, numbered history and a freed flag, confined to
     * its executor. Joining or publishing in a freed room is counted as an error.
     */
    static final class FakeRoom {
        final String name;
        final EventExecutor executor;
        final long firstId;
        long nextId;
        final List<Long> history = new ArrayList<>();
        int members;
        volatile int memberCount;
        boolean disposed;

        FakeRoom(String name, EventExecutor executor, long firstId) {
            this.name = name;
            this.executor = executor;
            this.firstId = firstId;
            this.nextId = firstId;
        }
    }

    /** Makes fake rooms and counts what happens to them. */
    static final class FakeKind implements RoomKind<FakeRoom> {
        final AtomicInteger created = new AtomicInteger();
        final AtomicInteger disposed = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();

        @Override
        public FakeRoom create(String name, EventExecutor executor, long firstId) {
            created.incrementAndGet();
            return new FakeRoom(name, executor, firstId);
        }

        @Override
        public EventExecutor executor(FakeRoom room) {
            return room.executor;
        }

        @Override
        public int memberCount(FakeRoom room) {
            return room.memberCount;
        }

        @Override
        public long lastIssuedId(FakeRoom room) {
            check(room);
            return room.nextId - 1;
        }

        @Override
        public void dispose(FakeRoom room) {
            check(room);
            if (room.disposed || room.members != 0) {
                errors.incrementAndGet();
            }
            room.disposed = true;
            room.history.clear();
            disposed.incrementAndGet();
        }

        /** What a member's join task does on the room's executor. */
        void join(FakeRoom room) {
            room.executor.execute(() -> {
                if (room.disposed) {
                    errors.incrementAndGet();
                }
                room.members++;
                room.memberCount = room.members;
            });
        }

        void publish(FakeRoom room, int n) {
            room.executor.execute(() -> {
                if (room.disposed || room.members == 0) {
                    errors.incrementAndGet();
                }
                for (int i = 0; i < n; i++) {
                    room.history.add(room.nextId++);
                }
            });
        }

        void leave(FakeRoom room) {
            room.executor.execute(() -> {
                room.members--;
                room.memberCount = room.members;
            });
        }

        private void check(FakeRoom room) {
            if (!room.executor.inEventLoop()) {
                errors.incrementAndGet();
            }
        }
    }

    private final FakeKind kind = new FakeKind();
    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private RoomRegistry<FakeRoom> onEmbeddedLoop(int maxRooms, Duration ttl) {
        channel.freezeTime();
        return new RoomRegistry<>(channel.eventLoop(), kind, new MessageIds(() -> NOW, 0), maxRooms, ttl);
    }

    private void runTasks() {
        channel.runPendingTasks();
        channel.runScheduledPendingTasks();
    }

    private RoomRegistry.Lease<FakeRoom> enter(RoomRegistry<FakeRoom> rooms, String name) {
        RoomRegistry.Lease<FakeRoom> lease = rooms.join(name).orElseThrow();
        kind.join(lease.room());
        return lease;
    }

    private void exit(RoomRegistry.Lease<FakeRoom> lease) {
        kind.leave(lease.room());
        lease.release();
    }

    @Test
    void aJoinWithinTheTtlFindsTheHistoryAndAnExpiredRoomNumbersAboveIt() {
        RoomRegistry<FakeRoom> rooms = onEmbeddedLoop(10, Duration.ofSeconds(600));
        RoomRegistry.Lease<FakeRoom> first = enter(rooms, "dev");
        kind.publish(first.room(), 3);
        exit(first);
        runTasks();
        channel.advanceTimeBy(599, TimeUnit.SECONDS);
        runTasks();
        assertThat(rooms.size()).isEqualTo(1);

        RoomRegistry.Lease<FakeRoom> back = enter(rooms, "dev");
        assertThat(back.room()).isSameAs(first.room());
        assertThat(back.room().history).hasSize(3);
        // The old expiry is void once someone joined: the TTL starts again at the next release.
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        runTasks();
        assertThat(rooms.size()).isEqualTo(1);
        long lastOld = back.room().nextId - 1;
        exit(back);
        runTasks();
        channel.advanceTimeBy(600, TimeUnit.SECONDS);
        runTasks();
        assertThat(rooms.size()).isZero();
        assertThat(rooms.count()).isZero();
        assertThat(first.room().disposed).isTrue();

        RoomRegistry.Lease<FakeRoom> fresh = enter(rooms, "dev");
        assertThat(fresh.room()).isNotSameAs(first.room());
        assertThat(fresh.room().history).isEmpty();
        assertThat(fresh.room().firstId).isGreaterThan(lastOld);
        assertThat(kind.errors).hasValue(0);
    }

    @Test
    void aJoinRacingWithAnExpiryKeepsTheRoom() {
        RoomRegistry<FakeRoom> rooms = onEmbeddedLoop(10, Duration.ZERO);
        RoomRegistry.Lease<FakeRoom> leaving = enter(rooms, "race");
        kind.publish(leaving.room(), 2);
        runTasks();
        exit(leaving);
        // The expiry is queued on the room's loop; a join arrives before it runs.
        RoomRegistry.Lease<FakeRoom> joining = enter(rooms, "race");
        runTasks();
        assertThat(joining.room()).isSameAs(leaving.room());
        assertThat(joining.room().disposed).isFalse();
        assertThat(joining.room().history).hasSize(2);
        assertThat(rooms.size()).isEqualTo(1);
        // Releasing twice does not count twice.
        leaving.release();
        runTasks();
        assertThat(rooms.size()).isEqualTo(1);
        exit(joining);
        runTasks();
        assertThat(rooms.size()).isZero();
        assertThat(kind.errors).hasValue(0);
    }

    @Test
    void maxRoomsCountsRoomsThatExistNow() {
        RoomRegistry<FakeRoom> rooms = onEmbeddedLoop(2, Duration.ZERO);
        RoomRegistry.Lease<FakeRoom> a = enter(rooms, "a");
        RoomRegistry.Lease<FakeRoom> b = enter(rooms, "b");
        assertThat(rooms.join("c")).isEmpty();
        assertThat(rooms.join("a")).as("an existing room can still be joined").isPresent().get()
                .satisfies(RoomRegistry.Lease::release);
        exit(a);
        runTasks();
        assertThat(rooms.count()).isEqualTo(1);
        Optional<RoomRegistry.Lease<FakeRoom>> c = rooms.join("c");
        assertThat(c).isPresent();
        c.get().release();
        exit(b);
        runTasks();
        assertThat(rooms.count()).isZero();
        assertThat(rooms.size()).isZero();
        assertThat(kind.created).hasValue(3);
        assertThat(kind.disposed).hasValue(3);
    }

    @Test
    void occupiedListsRoomsWithMembersByName() {
        RoomRegistry<FakeRoom> rooms = onEmbeddedLoop(10, Duration.ofSeconds(600));
        enter(rooms, "zeta");
        RoomRegistry.Lease<FakeRoom> alpha = enter(rooms, "alpha");
        enter(rooms, "alpha");
        RoomRegistry.Lease<FakeRoom> empty = enter(rooms, "empty");
        exit(empty);
        runTasks();
        assertThat(rooms.occupied()).extracting(r -> r.name() + "=" + r.members())
                .containsExactly("alpha=2", "zeta=1");
        assertThat(rooms.find("empty")).as("kept for its TTL").isPresent();
        assertThat(alpha.name()).isEqualTo("alpha");
    }

    /**
     * Issue 9, item 1: 50,000 distinct names on real event loops with a TTL of zero, against a cap of 64
     * rooms. Every room is freed, ids never repeat for a name that comes back, and rooms can still be made.
     */
    @Test
    void churningFiftyThousandNamesReturnsToBaseline() throws Exception {
        DefaultEventLoopGroup loops = new DefaultEventLoopGroup(2);
        DefaultEventLoopGroup members = new DefaultEventLoopGroup(2);
        try {
            AtomicLong clock = new AtomicLong(NOW);
            RoomRegistry<FakeRoom> rooms = new RoomRegistry<>(loops, kind, new MessageIds(clock::get, 0), 64,
                    Duration.ZERO);
            RoomRegistry.Lease<FakeRoom> lobby = enter(rooms, "lobby");
            int names = 50_000;
            int workers = 4;
            AtomicInteger refusals = new AtomicInteger();
            java.util.Map<FakeRoom, Long> againLastIds = new java.util.concurrent.ConcurrentHashMap<>();
            CountDownLatch done = new CountDownLatch(workers);
            for (int w = 0; w < workers; w++) {
                int worker = w;
                members.next().execute(() -> {
                    try {
                        for (int i = worker; i < names; i += workers) {
                            // Name 0 comes back every 1,000 names, to check its numbering.
                            String name = i % 1_000 == 0 ? "again" : "room-" + i;
                            Optional<RoomRegistry.Lease<FakeRoom>> lease;
                            while ((lease = rooms.join(name)).isEmpty()) {
                                // At the cap: rooms freed by other workers are on their way out.
                                refusals.incrementAndGet();
                                Thread.yield();
                            }
                            FakeRoom room = lease.get().room();
                            kind.join(room);
                            kind.publish(room, 1 + ThreadLocalRandom.current().nextInt(3));
                            if (name.equals("again")) {
                                room.executor.execute(() -> againLastIds.merge(room, room.nextId - 1, Math::max));
                            }
                            exit(lease.get());
                        }
                    } finally {
                        done.countDown();
                    }
                });
            }
            assertThat(done.await(90, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(rooms.size()).isEqualTo(1);
                assertThat(rooms.count()).isEqualTo(1);
                assertThat(kind.disposed.get()).isEqualTo(kind.created.get() - 1);
            });
            assertThat(kind.errors).hasValue(0);
            assertThat(kind.created.get()).isGreaterThanOrEqualTo(names - names / 1_000);
            System.out.printf("churn: %d rooms created and freed, %d joins refused at the cap on the way%n",
                    kind.created.get() - 1, refusals.get());
            // Each incarnation of "again" numbers above everything the one before it issued.
            List<FakeRoom> incarnations = new ArrayList<>(againLastIds.keySet());
            incarnations.sort(java.util.Comparator.comparingLong(r -> r.firstId));
            assertThat(incarnations).hasSizeGreaterThan(1);
            for (int k = 1; k < incarnations.size(); k++) {
                assertThat(incarnations.get(k).firstId).isGreaterThan(againLastIds.get(incarnations.get(k - 1)));
            }

            List<RoomRegistry.Lease<FakeRoom>> after = new ArrayList<>();
            for (int i = 0; i < 63; i++) {
                after.add(rooms.join("after-" + i).orElseThrow());
            }
            assertThat(rooms.join("one-too-many")).isEmpty();
            after.forEach(RoomRegistry.Lease::release);
            exit(lobby);
            await().atMost(Duration.ofSeconds(10)).until(() -> rooms.size() == 0 && rooms.count() == 0);
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            members.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
