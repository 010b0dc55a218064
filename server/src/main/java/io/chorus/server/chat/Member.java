package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;

/**
 * Whoever a room delivers to: one chat user on some transport, seen only through what delivery needs.
 *
 * <p>Rooms, {@link LoopOutbox} and {@link NickRegistry} know members, never a Netty channel, so a
 * transport is one more implementation:
 * <ul>
 *   <li>{@link TcpLineMember}: a TCP (or TLS) connection, {@link Framing#STREAM}, LF-terminated payloads
 *       written as they are, runs of broadcasts joined into one write.</li>
 *   <li>{@link WebSocketMember}: a {@code /ws} connection, {@link Framing#WEBSOCKET}, each payload a whole
 *       text frame built once per broadcast, runs joined as for TCP; its handler, {@link ChatWebSocketHandler}, turns each text frame
 *       into a line and hands it to a {@link ChatConnection}, exactly as {@link ChatServerHandler} does
 *       for TCP.</li>
 *   <li>The read-only SSE watcher ({@code io.chorus.server.api.SseWatcher}) is a {@link Framing#SSE}
 *       member that a room holds like any other but that has no {@link ChatConnection}: it never sends
 *       commands, and each payload is a whole SSE event built once per broadcast.</li>
 * </ul>
 *
 * <p>Threading: {@link #eventLoop()} is fixed for the member's life; every method but the getters and
 * {@link #send} must be called on it. Nick, format and echo are read from rooms on other loops.
 */
public interface Member {

    /** The loop that owns this member's transport; deliveries to it are batched per loop. */
    EventExecutor eventLoop();

    /** The allocator for buffers encoded just for this member. */
    ByteBufAllocator alloc();

    String nick();

    OutputFormat format();

    Framing framing();

    /** Whether this member receives its own room messages back. */
    boolean echo();

    /**
     * Delivers an event payload that someone else caused (a broadcast, a private message), encoded for
     * this member's {@link #format()} and {@link #framing()}. Takes ownership of {@code payload}. Subject
     * to the slow-consumer decision: a member that is too far behind is cut off and the payload released.
     * Does not flush.
     */
    void deliver(ByteBuf payload);

    /**
     * Writes a payload answering this member's own command. Takes ownership of {@code payload}. Not
     * subject to the slow-consumer cut: replies are bounded by the member's input being paused. Does not
     * flush.
     */
    void reply(ByteBuf payload);

    /** Pushes what was delivered or replied to the transport. */
    void flush();

    /** Bytes handed to this member and not yet taken by its peer. */
    long queuedBytes();

    /** False once the transport is closed or the member was cut off; deliveries are then dropped. */
    boolean isOpen();

    /** Flushes what is queued, then closes the transport. */
    void close();

    /**
     * Outbox bookkeeping: marks this member as written to in the current drain. Returns true the first
     * time after a {@link #flush()}, so a drain adds the member to its flush list once.
     */
    boolean markUnflushed();

    /**
     * Sends an event someone else caused from any thread: encoded for this member, delivered and flushed
     * on its own loop, subject to the slow-consumer decision.
     */
    default void send(Event event) {
        if (eventLoop().inEventLoop()) {
            if (isOpen()) {
                deliver(Encoded.encode(event, format(), framing(), alloc()));
                flush();
            }
        } else {
            eventLoop().execute(() -> send(event));
        }
    }
}
