package io.chorus.server.echo;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;

/**
 * The echo listeners' answer to a peer that sends faster than it reads: stop reading from it while its
 * outbound buffer is above the high water mark, and read again once it has drained below the low one.
 */
final class EchoBackpressure {

    private EchoBackpressure() {
    }

    /** Call after queueing a reply. Pauses reading when the peer is not keeping up. */
    static void afterWrite(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        if (!channel.isWritable()) {
            // Push what is queued; if that did not drain it, stop reading until channelWritabilityChanged
            // says it has. Checking again after the flush matters: the flush may already have made the
            // channel writable, and that event would not come again.
            ctx.flush();
            if (!channel.isWritable()) {
                channel.config().setAutoRead(false);
            }
        }
    }

    /** Call from {@code channelWritabilityChanged}: resumes reading once the peer has caught up. */
    static void writabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
    }
}
