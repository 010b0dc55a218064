package io.chorus.server.echo;

import io.chorus.protocol.frame.LineEncoder;
import io.chorus.protocol.frame.LineTooLong;
import io.chorus.server.support.ChannelErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Writes every line back to its sender, after an optional prefix, terminated by LF.
 *
 * <p>Lines arrive as {@link ByteBuf} frames from the line decoder and are echoed byte for byte, so
 * the echo port never re-encodes text. This handler releases each frame after copying it into the
 * reply, and the transport releases the reply once written. Replies are flushed once per read
 * batch. When the peer stops reading and the outbound buffer passes its high water mark, reading
 * from that peer pauses until it drains, so a client that never reads cannot grow the server's memory.
 *
 * <p>When the peer half-closes, the remaining replies are flushed and the connection is closed.
 */
@Sharable
public final class EchoServerHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LogManager.getLogger(EchoServerHandler.class);

    private final byte[] prefix;

    public EchoServerHandler(String prefix) {
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf line) {
            ByteBuf reply;
            try {
                reply = ctx.alloc().ioBuffer(prefix.length + line.readableBytes() + 1);
                reply.writeBytes(prefix).writeBytes(line).writeByte('\n');
            } finally {
                line.release();
            }
            ctx.write(reply, ctx.voidPromise());
        } else if (msg instanceof LineTooLong tooLong) {
            ctx.write(LineEncoder.encode(ctx.alloc(), "!!! " + LineTooLong.CODE + ": " + tooLong.describe()),
                    ctx.voidPromise());
        } else {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!ctx.channel().isWritable()) {
            // The peer is not keeping up: push what we have, and if that did not drain it, stop reading
            // until channelWritabilityChanged says it has. Checking again after the flush matters: the
            // flush may already have made the channel writable, and that event would not come again.
            ctx.flush();
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
