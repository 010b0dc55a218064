package io.chorus.server.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;

/**
 * Counts the bytes a listener's connections read and write, at the socket side of the pipeline (below
 * TLS, so the numbers are what crossed the wire). It only looks at sizes: every message passes on
 * unchanged and its ownership with it. One {@code @Sharable} instance per listener.
 */
@Sharable
public final class TrafficCounter extends ChannelDuplexHandler {

    private final ListenerMetrics metrics;

    TrafficCounter(ListenerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long size = sizeOf(msg);
        if (size > 0) {
            metrics.bytesIn(size);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // Counted when handed to the socket's queue: a write that later fails was still attempted.
        long size = sizeOf(msg);
        if (size > 0) {
            metrics.bytesOut(size);
        }
        ctx.write(msg, promise);
    }

    private static long sizeOf(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        } else if (msg instanceof ByteBufHolder holder) {
            return holder.content().readableBytes();
        } else if (msg instanceof FileRegion region) {
            return region.count();
        }
        return 0;
    }
}
