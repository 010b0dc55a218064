package io.chorus.server.chat;

import io.chorus.server.limits.OutboundBudget;
import io.chorus.server.limits.SlowConsumerPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * What every member on a Netty channel shares, whatever its framing: its loop and allocator are the
 * channel's, its queue is the channel's outbound buffer, and payloads (already framed by
 * {@link Encoded}) are written to the channel as they are. Subclasses say how they frame, close and
 * cut off.
 *
 * <p>Confined to the channel's event loop. {@link #write} hands the payload to the channel, whose
 * transport releases it once written or on failure.
 */
public abstract class ChannelMember extends MemberBase {

    /** How long a cut-off reader gets to take its final error before the connection is closed: {@value} ms. */
    static final long CUT_OFF_GRACE_MILLIS = 1000;

    private final Channel channel;
    /** Where payloads and flushes enter the pipeline: the channel (its tail), or a context nearer the head. */
    private final ChannelOutboundInvoker output;

    protected ChannelMember(Channel channel, SlowConsumerPolicy policy, OutboundBudget budget) {
        this(channel, channel, policy, budget);
    }

    /**
     * A member whose payloads enter the pipeline at {@code output}, a context below every handler that does
     * nothing to output: a broadcast writes and flushes to each member, so each handler it passes costs a
     * step per member per drain.
     */
    protected ChannelMember(Channel channel, ChannelOutboundInvoker output, SlowConsumerPolicy policy,
            OutboundBudget budget) {
        super(policy, budget);
        this.channel = channel;
        this.output = output;
    }

    /** A member cut at once past {@code maxQueueBytes}, outside any shared budget; for tests. */
    protected ChannelMember(Channel channel, long maxQueueBytes) {
        super(maxQueueBytes);
        this.channel = channel;
        this.output = channel;
    }

    public final Channel channel() {
        return channel;
    }

    @Override
    public final EventExecutor eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public final ByteBufAllocator alloc() {
        return channel.alloc();
    }

    /**
     * Reads Netty's outbound buffer: the exact bytes queued (frame headers included), which the public
     * water marks do not give.
     */
    @Override
    public final long queuedBytes() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    @Override
    protected void write(ByteBuf payload) {
        output.write(payload, channel.voidPromise());
    }

    @Override
    protected final void flushTransport() {
        output.flush();
    }

    @Override
    protected final boolean isTransportOpen() {
        return channel.isActive();
    }

    /**
     * Closes the channel after {@value #CUT_OFF_GRACE_MILLIS} ms whatever happens: a cut-off reader's last
     * error is queued behind what it has not taken, and arrives only if it catches up in time.
     */
    protected final void closeAfterGrace() {
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, CUT_OFF_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }
}
