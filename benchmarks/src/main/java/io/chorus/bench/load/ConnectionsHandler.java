package io.chorus.bench.load;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Holds an idle load connection: drops whatever the server sends and counts connections the server
 * closes before the load generator does. One instance serves every connection of a run.
 */
@Sharable
final class ConnectionsHandler extends ChannelInboundHandlerAdapter {

    final LongAdder closedByServer = new LongAdder();
    final AtomicReference<String> firstError = new AtomicReference<>();
    volatile boolean closing;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!closing) {
            closedByServer.increment();
            firstError.compareAndSet(null, "server closed a held connection");
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!closing) {
            firstError.compareAndSet(null, LoadClient.describe(cause));
        }
        // The close is counted once, in channelInactive.
        ctx.close();
    }
}
