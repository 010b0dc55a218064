package io.chorus.server.http;

import io.chorus.server.support.ChannelErrors;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code /ws/echo}: every text, binary and continuation frame goes back as it came, fragment for
 * fragment. Writes are flushed once per read batch; a peer that does not read pauses reading until
 * its queue drains. Per channel.
 *
 * <p>Each received frame is written back as is, so its ownership passes to the channel's write.
 */
public final class WebSocketEcho extends ChannelInboundHandlerAdapter {

    /** The route, for {@link HttpRoutes.Builder#webSocket}. */
    public static final WebSocketRoute ROUTE = (p, maxFrameBytes) -> p.addLast("ws-echo", new WebSocketEcho());

    private static final Logger log = LogManager.getLogger(WebSocketEcho.class);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame
                || msg instanceof ContinuationWebSocketFrame) {
            ctx.write(msg);
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        } else {
            // A flush may let the queue drain; writability comes back when it has.
            ctx.flush();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ChannelErrors.closeOnError(log, ctx, cause);
    }
}
