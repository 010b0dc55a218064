package io.chorus.server.chat;

import io.netty.util.concurrent.EventExecutor;

/**
 * What a {@link RoomRegistry} needs to make, inspect and free its rooms, so that the registry's
 * lifecycle (count, expiry, id continuity) is independent of what a room holds and is tested on its own.
 *
 * @param <R> the room type
 */
public interface RoomKind<R> {

    /**
     * Makes a new, empty room. Called inside the registry's atomic update for the name, so it must be
     * cheap and must not call back into the registry.
     *
     * @param name     canonical room name
     * @param executor the event loop the room is confined to
     * @param firstId  the first message id the room issues (see {@link io.chorus.server.limits.MessageIds})
     */
    R create(String name, EventExecutor executor, long firstId);

    /** The room's executor, as given to {@link #create}. */
    EventExecutor executor(R room);

    /** Members now, for {@code /rooms}; read from any thread. */
    int memberCount(R room);

    /** Read-only watchers now (HTTP event-stream feeds), counted apart from members; read from any thread. */
    default int watcherCount(R room) {
        return 0;
    }

    /** The last message id the room issued, {@code firstId - 1} if none; called on the room's executor. */
    long lastIssuedId(R room);

    /**
     * Frees what the room holds (history, per-loop outboxes, its history ledger); called once, on the
     * room's executor, after the registry forgot the room. Tasks already queued for the room still run
     * after it and must find it harmless: no member, nothing to replay.
     */
    void dispose(R room);
}
