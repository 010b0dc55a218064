package io.chorus.server.echo;

import io.chorus.server.support.ChannelErrors;
import io.chorus.server.support.ReadPause;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * RFC 862 echo: writes every received chunk back to its sender as it arrived, after the optional prefix.
 *
 * <p>Nothing is copied. The buffer the transport read into is written back as it is, so the transport
 * releases it once sent; the prefix goes out just before it as a view of one shared buffer. Replies
 * are flushed once per read batch. A peer that does not read its echoes stops being read from (see
 * {@link ReadPause}), so it cannot grow the server's memory.
 *
 * <p>When the peer half-closes, the remaining replies are flushed and the connection is closed.
 */
@Sharable
public final class RawEchoServerHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LogManager.getLogger(RawEchoServerHandler.class);

    private final EchoPrefix prefix;

    public RawEchoServerHandler(String prefix) {
        this.prefix = new EchoPrefix(prefix);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf data)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!data.isReadable()) {
            data.release();
            return;
        }
        if (!prefix.isEmpty()) {
            ctx.write(prefix.share(), ctx.voidPromise());
        }
        // Ownership of the read buffer passes to the transport here.
        ctx.write(data, ctx.voidPromise());
        ReadPause.pauseIfUnwritable(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ReadPause.resumeIfWritable(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ChannelErrors.closeOnError(log, ctx, cause);
    }
}
