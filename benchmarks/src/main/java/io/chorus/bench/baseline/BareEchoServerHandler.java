package io.chorus.bench.baseline;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Writes every line back followed by LF, the least work a line echo can do on Netty.
 *
 * <p>It copies the frame and its LF into one reply buffer and releases the frame; the transport
 * releases the reply once written. Flushes once per read batch. Reading pauses while the peer is not
 * draining its replies, so the outbound buffer stays bounded. Overlong-line markers from the framer
 * are dropped.
 */
@Sharable
final class BareEchoServerHandler extends ChannelInboundHandlerAdapter {

    static final BareEchoServerHandler INSTANCE = new BareEchoServerHandler();

    private BareEchoServerHandler() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf line)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf reply;
        try {
            reply = ctx.alloc().ioBuffer(line.readableBytes() + 1);
            reply.writeBytes(line).writeByte('\n');
        } finally {
            line.release();
        }
        ctx.write(reply, ctx.voidPromise());
        if (!ctx.channel().isWritable()) {
            ctx.flush();
            // The flush may have drained it already, and then no writability event would follow.
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset from a load generator closing abruptly is normal here; just drop the connection.
        ctx.close();
    }
}
