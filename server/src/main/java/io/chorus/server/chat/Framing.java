package io.chorus.server.chat;

/**
 * How a member's transport separates one event from the next. Framing is applied at the edge: rooms
 * encode an event once per (format, framing) in use, see {@link Encoded}.
 */
public enum Framing {
    /**
     * A byte stream (TCP lines): each event payload ends with an LF, and a run of broadcasts may be joined
     * into one buffer and one write.
     */
    STREAM,
    /**
     * A message transport that frames each event itself: each payload is one event without a trailing
     * LF, and the member puts each one in its own frame; runs are never joined.
     */
    MESSAGE,
    /**
     * WebSocket text frames, framed once per broadcast: a server's frames are not masked, so one event's
     * frame is the same bytes for every member. The payload is a whole frame (header and the event
     * without LF), and a run of broadcasts may be joined into one buffer and one write, as for
     * {@link #STREAM}.
     */
    WEBSOCKET,
    /**
     * Server-sent events, framed once per broadcast: {@code id:} (for messages and actions) and one
     * {@code data:} line holding the event without LF, then a blank line. Events concatenate into one
     * HTTP chunk, so runs are joined as for {@link #STREAM}.
     */
    SSE;

    /** True when payloads of this framing can be concatenated into one write: one run, one write per member. */
    public boolean joinable() {
        return this != MESSAGE;
    }
}
