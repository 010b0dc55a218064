package io.chorus.server.http;

import io.netty.channel.ChannelPipeline;

/**
 * One WebSocket endpoint. When a request upgrades to it, the {@link HttpRouter} puts Netty's WebSocket
 * protocol handler (handshake, frame limits, close and ping handling) and the keepalive at the end of
 * the pipeline, then calls {@link #addFrameHandlers} to add the handlers that receive this endpoint's
 * data frames ({@code TextWebSocketFrame}, {@code BinaryWebSocketFrame},
 * {@code ContinuationWebSocketFrame}); each frame is owned by the handler that receives it.
 *
 * <p>They are added before the handshake completes; a handler that wants to speak first waits for
 * {@code WebSocketServerProtocolHandler.HandshakeComplete} in {@code userEventTriggered}.
 */
@FunctionalInterface
public interface WebSocketRoute {

    /**
     * Adds this endpoint's handlers with {@code addLast}. Called on the connection's event loop.
     *
     * @param p             the connection's pipeline
     * @param maxFrameBytes the largest frame payload the connection accepts ({@code --max-line}); frames
     *                      above it were already refused with close code 1009
     */
    void addFrameHandlers(ChannelPipeline p, int maxFrameBytes);
}
