package io.chorus.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;

/**
 * The pipeline steps of a WebSocket endpoint whose messages are text lines, as {@code /ws} chat:
 * binary frames are refused with 1003, and fragmented messages are joined into one
 * {@code TextWebSocketFrame}, refused with 1009 once longer than the frame limit.
 */
public final class WebSocketText {

    private WebSocketText() {
    }

    /**
     * Adds the steps; the next handler receives whole {@code TextWebSocketFrame}s, each owned by it.
     *
     * @param maxMessageBytes the longest message, usually the {@code maxFrameBytes} the route was given
     */
    public static void textMessages(ChannelPipeline p, int maxMessageBytes) {
        // Binary frames: close 1003.
        p.addLast("ws-text-only", TextFramesOnly.INSTANCE);
        // Fragments joined into one message; past the limit, close 1009.
        p.addLast("ws-aggregator", new BoundedAggregator(maxMessageBytes));
    }

    /** Joins fragments, and answers a message past the limit with close 1009 instead of an exception. */
    private static final class BoundedAggregator extends WebSocketFrameAggregator {

        BoundedAggregator(int maxMessageBytes) {
            super(maxMessageBytes);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, WebSocketFrame oversized) {
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG,
                    "message longer than the limit")).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
