package io.chorus.server.support;

import io.netty.channel.ChannelHandlerContext;

/**
 * The one backpressure step every handler that answers its own peer needs: when the channel is not
 * writable, flush, check again, and stop reading only if it is still not writable. The handler resumes
 * reading from {@code channelWritabilityChanged}.
 */
public final class ReadPause {

    private ReadPause() {
    }

    /** Returns true if reading was paused because the peer is not taking what was written. */
    public static boolean pauseIfUnwritable(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            return false;
        }
        ctx.flush();
        // Checking again after the flush matters: the flush may already have made the channel writable,
        // and that event would not come again, so a pause now would never end.
        if (ctx.channel().isWritable()) {
            return false;
        }
        ctx.channel().config().setAutoRead(false);
        return true;
    }

    /**
     * The other half, for handlers with nothing held back: call from {@code channelWritabilityChanged}
     * to read again once the peer has caught up.
     */
    public static void resumeIfWritable(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
    }
}
