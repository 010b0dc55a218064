package io.chorus.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

/**
 * For WebSocket endpoints that speak text: a binary frame is released and the connection closed with
 * code 1003 (unsupported data). Every other frame passes on unchanged, with its ownership.
 * Stateless; use {@link #INSTANCE}. See {@link WebSocketText#textMessages} for the usual setup.
 */
@Sharable
public final class TextFramesOnly extends ChannelInboundHandlerAdapter {

    public static final TextFramesOnly INSTANCE = new TextFramesOnly();

    private TextFramesOnly() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof BinaryWebSocketFrame binary) {
            binary.release();
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_MESSAGE_TYPE,
                    "this endpoint takes text frames only")).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
