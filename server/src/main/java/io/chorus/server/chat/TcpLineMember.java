package io.chorus.server.chat;

import io.chorus.server.limits.OutboundBudget;
import io.chorus.server.limits.SlowConsumerPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.ChannelFutureListener;

/**
 * A chat member on a TCP or TLS connection: LF-terminated payloads written to the channel as they are.
 */
public final class TcpLineMember extends ChannelMember {

    public TcpLineMember(Channel channel, SlowConsumerPolicy policy, OutboundBudget budget) {
        super(channel, policy, budget);
    }

    /** A member whose output enters the pipeline at {@code output}; see {@link ChatServerInitializer#outputEntry}. */
    public TcpLineMember(Channel channel, ChannelOutboundInvoker output, SlowConsumerPolicy policy,
            OutboundBudget budget) {
        super(channel, output, policy, budget);
    }

    /** A member cut at once past {@code maxQueueBytes}, outside any shared budget; for tests. */
    TcpLineMember(Channel channel, long maxQueueBytes) {
        super(channel, maxQueueBytes);
    }

    @Override
    public Framing framing() {
        return Framing.STREAM;
    }

    @Override
    public void close() {
        channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    protected void cutOff(ByteBuf last) {
        channel().writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
        closeAfterGrace();
    }

    @Override
    public String toString() {
        return nick() + "@" + channel().id().asShortText();
    }
}
