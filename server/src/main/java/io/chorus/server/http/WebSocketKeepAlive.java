package io.chorus.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps a WebSocket open while its peer is alive, and closes it when it is not. After half the idle
 * timeout without a frame it sends a ping; a browser answers with a pong, which counts as traffic. If
 * the next half passes with nothing either, the connection is closed with code 1001.
 *
 * <p>Per channel; it reads the {@code READER_IDLE} events of the idle handler at half the timeout.
 */
final class WebSocketKeepAlive extends ChannelInboundHandlerAdapter {

    private static final Logger log = LogManager.getLogger(WebSocketKeepAlive.class);
    private static final byte[] PING = "keepalive".getBytes(StandardCharsets.US_ASCII);

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof IdleStateEvent idle)) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        if (idle.isFirst()) {
            // The ping's payload is a fresh unpooled copy; the encoder releases it once written.
            ctx.writeAndFlush(new PingWebSocketFrame(Unpooled.wrappedBuffer(PING)));
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug("[{}] WebSocket idle: no pong to the keepalive ping", ctx.channel().id());
        }
        ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "idle timeout"))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
