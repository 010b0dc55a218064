package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.server.metrics.ChatMeters;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The rooms of one server, by canonical name. A new room is pinned to the next event loop of the
 * group, which spreads rooms over the loops.
 *
 * <p>Rooms are kept once created, even when empty, so their history survives for clients that
 * reconnect and resume. The number of rooms is capped; see {@link #getOrCreate}.
 */
public final class RoomRegistry {

    private final ConcurrentMap<String, Room> rooms = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final EventLoopGroup loops;
    private final int historyLimit;
    private final int maxRooms;
    private final int quietSize;
    private final ByteBufAllocator alloc;
    private final ChatMeters meters;

    public RoomRegistry(EventLoopGroup loops, int historyLimit, int maxRooms, int quietSize, ByteBufAllocator alloc) {
        this(loops, historyLimit, maxRooms, quietSize, alloc, ChatMeters.NONE);
    }

    /** A registry whose rooms count fan-out and history memory to {@code meters}. */
    public RoomRegistry(EventLoopGroup loops, int historyLimit, int maxRooms, int quietSize, ByteBufAllocator alloc,
            ChatMeters meters) {
        this.meters = meters;
        this.loops = loops;
        this.quietSize = quietSize;
        this.historyLimit = historyLimit;
        this.maxRooms = maxRooms;
        this.alloc = alloc;
    }

    /** The room, created if new; empty when the server already holds its maximum of rooms. */
    public Optional<Room> getOrCreate(String name) {
        Room room = rooms.get(name);
        if (room != null) {
            return Optional.of(room);
        }
        // The count is claimed inside computeIfAbsent, so two loops creating rooms at once cannot pass the cap.
        return Optional.ofNullable(rooms.computeIfAbsent(name, n -> {
            if (count.incrementAndGet() > maxRooms) {
                count.decrementAndGet();
                return null;
            }
            return new Room(n, loops.next(), historyLimit, quietSize, alloc, meters);
        }));
    }

    public Optional<Room> find(String name) {
        return Optional.ofNullable(rooms.get(name));
    }

    /** The rooms that have members, by name, with their member counts. */
    public List<Event.RoomInfo> occupied() {
        List<Event.RoomInfo> list = new ArrayList<>();
        for (Room room : rooms.values()) {
            if (room.memberCount() > 0) {
                list.add(room.info());
            }
        }
        list.sort(Comparator.comparing(Event.RoomInfo::name));
        return list;
    }

    public int size() {
        return rooms.size();
    }

    /** Every room held now, by name; for the HTTP API's room list. */
    public List<Room> list() {
        List<Room> list = new ArrayList<>(rooms.values());
        list.sort(Comparator.comparing(Room::name));
        return list;
    }

    /** Every room held now; for the shutdown drain. */
    Collection<Room> all() {
        return rooms.values();
    }
}
