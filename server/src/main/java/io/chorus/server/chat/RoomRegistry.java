package io.chorus.server.chat;

import static java.util.Objects.requireNonNull;

import io.chorus.protocol.event.Event;
import io.chorus.server.limits.MessageIds;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The rooms of one server by canonical name: created on first join, each pinned to the next event loop
 * of the group, and freed once they have stayed empty for the room TTL.
 *
 * <p><b>Counting members.</b> A member holds a {@link Lease} from {@link #join} until it leaves or
 * disconnects. The registry counts leases per room inside the map's atomic update for the name, the same
 * update that creates and removes the room. So a join racing with an expiry either finds the room (and
 * the expiry, seeing a holder, keeps it) or finds it gone and creates a fresh one: no join is lost, and
 * {@code --max-rooms} counts rooms that exist now, each exactly once.
 *
 * <p><b>Expiry.</b> When the last lease of a room is released, an expiry task is scheduled on the room's
 * executor, with that executor's scheduler, after the TTL (with a TTL of zero it is queued at once).
 * Running on the room's executor, it comes after every task the leaving members queued for the room. It
 * removes the room only if it is still empty and nobody joined and left in between; it first
 * {@linkplain MessageIds#retire retires} the room's last message id, so a room created later under the
 * same name numbers above it, then {@linkplain RoomKind#dispose disposes} of the room.
 *
 * <p>Thread-safe: members join and leave from every event loop.
 *
 * @param <R> the room type
 */
public final class RoomRegistry<R> {

    private final ConcurrentMap<String, Entry<R>> rooms = new ConcurrentHashMap<>();
    /** Rooms that exist now; changed only inside the map's update for the room's name. */
    private final AtomicInteger count = new AtomicInteger();
    private final EventLoopGroup loops;
    private final RoomKind<R> kind;
    private final MessageIds ids;
    private final int maxRooms;
    private final long ttlNanos;

    /**
     * @param loops    event loops to spread rooms over
     * @param kind     makes, inspects and frees rooms
     * @param ids      first ids for new rooms; shared by the whole server run
     * @param maxRooms rooms that may exist at once
     * @param ttl      how long an empty room is kept; zero frees it as soon as its last member leaves
     */
    public RoomRegistry(EventLoopGroup loops, RoomKind<R> kind, MessageIds ids, int maxRooms, Duration ttl) {
        this.loops = requireNonNull(loops, "loops");
        this.kind = requireNonNull(kind, "kind");
        this.ids = requireNonNull(ids, "ids");
        if (maxRooms < 1) {
            throw new IllegalArgumentException("maxRooms must be positive: " + maxRooms);
        }
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative: " + ttl);
        }
        this.maxRooms = maxRooms;
        this.ttlNanos = ttl.toNanos();
    }

    /**
     * Joins a room, creating it if needed: the caller becomes one of its holders until it
     * {@linkplain Lease#release releases} the lease. Empty when the room does not exist and the server
     * already holds {@code maxRooms} rooms. Call it before queueing the member's join task to the room,
     * and release after queueing its leave task.
     */
    public Optional<Lease<R>> join(String name) {
        requireNonNull(name, "name");
        AtomicBoolean refused = new AtomicBoolean();
        Entry<R> entry = rooms.compute(name, (n, existing) -> {
            Entry<R> e = existing;
            if (e == null) {
                if (count.incrementAndGet() > maxRooms) {
                    count.decrementAndGet();
                    refused.set(true);
                    return null;
                }
                EventExecutor executor = loops.next();
                e = new Entry<>(kind.create(n, executor, ids.firstId()), executor);
            }
            e.holders++;
            // A new holder voids any expiry on its way, even one that cannot be cancelled any more.
            e.generation++;
            if (e.expiry != null) {
                e.expiry.cancel(false);
                e.expiry = null;
            }
            return e;
        });
        return refused.get() ? Optional.empty() : Optional.of(new Lease<>(this, name, entry));
    }

    /** The room if it exists now; it may be freed at any time after, unless the caller holds a lease on it. */
    public Optional<R> find(String name) {
        Entry<R> entry = rooms.get(name);
        return entry == null ? Optional.empty() : Optional.of(entry.room);
    }

    /** The rooms that have members or watchers, by name, with both counts. */
    public List<Event.RoomInfo> occupied() {
        List<Event.RoomInfo> list = new ArrayList<>();
        for (var e : rooms.entrySet()) {
            int members = kind.memberCount(e.getValue().room);
            int watchers = kind.watcherCount(e.getValue().room);
            if (members > 0 || watchers > 0) {
                list.add(new Event.RoomInfo(e.getKey(), members, watchers));
            }
        }
        list.sort(Comparator.comparing(Event.RoomInfo::name));
        return list;
    }

    /** Rooms in the map now. */
    public int size() {
        return rooms.size();
    }

    /** Every room held now, for the shutdown drain; a room may be freed while the caller looks at it. */
    public List<R> all() {
        List<R> all = new ArrayList<>(rooms.size());
        for (Entry<R> entry : rooms.values()) {
            all.add(entry.room);
        }
        return all;
    }

    /** Rooms counted against {@code maxRooms} now; equals {@link #size()} whenever no update is in progress. */
    public int count() {
        return count.get();
    }

    /** The id source of this server run; its {@link MessageIds#runId()} goes into the welcome. */
    public MessageIds ids() {
        return ids;
    }

    private void release(String name, Entry<R> mine) {
        rooms.computeIfPresent(name, (n, e) -> {
            if (e != mine) {
                return e;
            }
            if (--e.holders == 0) {
                long generation = ++e.generation;
                Runnable expire = () -> expire(name, mine, generation);
                try {
                    if (ttlNanos == 0) {
                        e.executor.execute(expire);
                    } else {
                        e.expiry = e.executor.schedule(expire, ttlNanos, TimeUnit.NANOSECONDS);
                    }
                } catch (RejectedExecutionException stopping) {
                    // The room's loop is shutting down with the server; the room goes with it.
                }
            }
            return e;
        });
    }

    /** Runs on the room's executor, after every task queued for the room before the last member left. */
    private void expire(String name, Entry<R> entry, long generation) {
        // Read here, on the room's executor, where no message can be numbered concurrently.
        long lastIssued = kind.lastIssuedId(entry.room);
        AtomicBoolean removed = new AtomicBoolean();
        rooms.computeIfPresent(name, (n, e) -> {
            if (e != entry || e.holders > 0 || e.generation != generation) {
                return e;
            }
            // Retired before the name is free again, so the next room of this name numbers above it.
            ids.retire(lastIssued);
            count.decrementAndGet();
            removed.set(true);
            return null;
        });
        if (removed.get()) {
            kind.dispose(entry.room);
        }
    }

    /** One room and its holders; {@code holders}, {@code generation} and {@code expiry} change only inside the map's update. */
    private static final class Entry<R> {
        final R room;
        final EventExecutor executor;
        int holders;
        long generation;
        ScheduledFuture<?> expiry;

        Entry(R room, EventExecutor executor) {
            this.room = room;
            this.executor = executor;
        }
    }

    /**
     * A member's hold on a room, from {@link #join} until {@link #release}; while any lease is held the
     * room is not freed. Releasing twice is harmless.
     *
     * @param <R> the room type
     */
    public static final class Lease<R> {
        private final RoomRegistry<R> registry;
        private final String name;
        private final Entry<R> entry;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(RoomRegistry<R> registry, String name, Entry<R> entry) {
            this.registry = registry;
            this.name = name;
            this.entry = entry;
        }

        public R room() {
            return entry.room;
        }

        public String name() {
            return name;
        }

        /** Gives up the hold; the last release starts the room's TTL. Call after queueing the leave task. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                registry.release(name, entry);
            }
        }
    }
}
