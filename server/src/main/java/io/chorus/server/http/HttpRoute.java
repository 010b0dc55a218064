package io.chorus.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * One HTTP endpoint: answers a complete request with exactly one response, usually through
 * {@link HttpResponses#send}. Called on the connection's event loop.
 *
 * <p>The request (and its body) belongs to the {@link HttpRouter}, which releases it when this
 * method returns; a route that answers later must {@code retain()} it and release it itself.
 */
@FunctionalInterface
public interface HttpRoute {

    void handle(ChannelHandlerContext ctx, FullHttpRequest request);
}
