package io.chorus.server.limits;

import io.netty.util.concurrent.EventExecutor;

/**
 * What the outbound limits need from a connection that receives chat output: its event loop, how far
 * behind it is, and a way to disconnect it. The chat core's {@code Member} implements it (or adapts to
 * it) for every transport.
 */
public interface OutboundMember {

    /** The event loop that owns this member's output; {@link #queuedBytes()} and {@link #cutOff} run there. */
    EventExecutor executor();

    /** Bytes written to this member and not yet taken by the peer; read on {@link #executor()}. */
    long queuedBytes();

    /**
     * Stops queueing to this member, sends it a final {@value CutOff#CODE} error where the socket allows,
     * and closes it. Called on {@link #executor()}; must be idempotent.
     *
     * @param reason why, for the message
     * @param bytes  the limit that was passed, or the queue size for {@link CutOff#BUDGET}
     */
    void cutOff(CutOff reason, long bytes);
}
