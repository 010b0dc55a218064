package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.OutputFormat;
import io.chorus.server.metrics.ChatMeters;
import io.netty.buffer.ByteBuf;

/**
 * What every chat member has whatever its transport: nick, format and echo, the outbox flush mark, and
 * the slow-consumer cut-off. A transport supplies the writing, flushing, queue size and closing.
 *
 * <p>The cut-off decision is made in one place, {@link #shouldCutOff()}, so a different policy (time
 * based, or a global memory budget) replaces one method.
 */
public abstract class MemberBase implements Member {

    /** Error code a reader sees when it is disconnected for falling behind. */
    public static final String SLOW_CONSUMER = "slow-consumer";

    private volatile String nick;
    private volatile OutputFormat format = OutputFormat.TEXT;
    private volatile boolean echo;
    /** Set once this member is being cut off as a slow consumer; confined to the event loop. */
    private boolean cutOff;
    /** True while an outbox drain has written to this member and owes it a flush; confined to the loop. */
    private boolean unflushed;

    /** The most bytes that may be queued for this member before deliveries from others cut it off. */
    protected final long maxQueueBytes;

    protected MemberBase(long maxQueueBytes) {
        this.maxQueueBytes = maxQueueBytes;
    }

    /** Where this member's cut-off and the errors sent to it are counted; none until set. */
    private volatile ChatMeters meters = ChatMeters.NONE;

    public ChatMeters meters() {
        return meters;
    }

    /** Sets where this member's cut-off and errors are counted; call before it is in a room. */
    public void meters(ChatMeters value) {
        this.meters = java.util.Objects.requireNonNull(value, "meters");
    }

    @Override
    public String nick() {
        return nick;
    }

    public void nick(String value) {
        this.nick = value;
    }

    @Override
    public OutputFormat format() {
        return format;
    }

    public void format(OutputFormat value) {
        this.format = value;
    }

    @Override
    public boolean echo() {
        return echo;
    }

    public void echo(boolean value) {
        this.echo = value;
    }

    @Override
    public final boolean markUnflushed() {
        if (unflushed) {
            return false;
        }
        unflushed = true;
        return true;
    }

    @Override
    public final void flush() {
        unflushed = false;
        flushTransport();
    }

    @Override
    public final void deliver(ByteBuf payload) {
        if (!cutOff && isTransportOpen() && shouldCutOff()) {
            cutOff = true;
            meters.slowConsumerCutoff();
            meters.error(SLOW_CONSUMER);
            cutOff(Encoded.encode(new Event.Error(SLOW_CONSUMER, "you fell more than " + maxQueueBytes
                    + " bytes behind; disconnecting"), format, framing(), alloc()));
        }
        if (cutOff || !isTransportOpen()) {
            payload.release();
            return;
        }
        write(payload);
    }

    @Override
    public final void reply(ByteBuf payload) {
        if (cutOff || !isTransportOpen()) {
            payload.release();
            return;
        }
        write(payload);
    }

    @Override
    public final boolean isOpen() {
        return !cutOff && isTransportOpen();
    }

    /**
     * The slow-consumer decision, asked before each delivery from others: true cuts this member off.
     * Today: more than {@link #maxQueueBytes} already queued.
     */
    protected boolean shouldCutOff() {
        return queuedBytes() > maxQueueBytes;
    }

    /** Writes a payload in this transport's framing, without flushing; takes ownership. */
    protected abstract void write(ByteBuf payload);

    protected abstract void flushTransport();

    protected abstract boolean isTransportOpen();

    /**
     * Sends {@code last} (owned here) behind whatever is queued, then closes the transport, giving the
     * reader a bounded time to take it.
     */
    protected abstract void cutOff(ByteBuf last);
}
