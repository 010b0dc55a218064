package io.chorus.server.chat;

import io.chorus.server.limits.OutboundBudget;
import io.chorus.server.limits.SlowConsumerPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A chat member on a TCP or TLS connection: LF-terminated payloads written to the channel as they are.
 */
public final class TcpLineMember extends MemberBase {

    /** How long a cut-off reader gets to take its final error before the connection is closed: {@value} ms. */
    static final long CUT_OFF_GRACE_MILLIS = 1000;

    private final Channel channel;

    public TcpLineMember(Channel channel, SlowConsumerPolicy policy, OutboundBudget budget) {
        super(policy, budget);
        this.channel = channel;
    }

    /** A member cut at once past {@code maxQueueBytes}, outside any shared budget; for tests. */
    TcpLineMember(Channel channel, long maxQueueBytes) {
        super(maxQueueBytes);
        this.channel = channel;
    }

    public Channel channel() {
        return channel;
    }

    @Override
    public EventExecutor eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public Framing framing() {
        return Framing.STREAM;
    }

    /** Reads Netty's outbound buffer: the exact bytes queued, which the public water marks do not give. */
    @Override
    public long queuedBytes() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    @Override
    protected void write(ByteBuf payload) {
        // The transport releases the payload once written, or on failure.
        channel.write(payload, channel.voidPromise());
    }

    @Override
    protected void flushTransport() {
        channel.flush();
    }

    @Override
    protected boolean isTransportOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    protected void cutOff(ByteBuf last) {
        // Queued behind what the reader has not taken yet: it arrives only if the reader catches up in time.
        channel.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, CUT_OFF_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return nick() + "@" + channel.id().asShortText();
    }

}
