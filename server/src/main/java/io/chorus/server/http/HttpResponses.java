package io.chorus.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Writing HTTP responses the same way on every route: a length, {@code nosniff}, keep-alive as the
 * client asked, no body for HEAD, and the connection closed after a response that says so.
 */
public final class HttpResponses {

    public static final String TEXT = "text/plain; charset=utf-8";
    public static final String JSON = "application/json; charset=utf-8";

    private HttpResponses() {
    }

    /** A response with a UTF-8 body; the caller hands it to {@link #send}, which takes ownership. */
    public static FullHttpResponse of(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType,
            CharSequence body) {
        ByteBuf content = ByteBufUtil.writeUtf8(ctx.alloc(), body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        return response;
    }

    /** Answers with a one-line plain-text body such as {@code 404 not found}. */
    public static ChannelFuture sendText(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
            String text) {
        return send(ctx, request, of(ctx, status, TEXT, text + "\n"));
    }

    /**
     * Sends {@code response} (its ownership passes to the channel) and closes the connection afterwards
     * if the request was not keep-alive or the response says {@code Connection: close}. A HEAD request
     * gets the headers, with the length the body would have had, and no body.
     *
     * @param request the request being answered, or null when it could not be read
     */
    public static ChannelFuture send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        response.headers().set("x-content-type-options", "nosniff");
        if (request != null && request.method().equals(HttpMethod.HEAD)) {
            response.content().clear();
        }
        boolean keepAlive = request != null && HttpUtil.isKeepAlive(request)
                && !response.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        if (keepAlive) {
            if (!request.protocolVersion().isKeepAliveDefault()) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            return ctx.writeAndFlush(response);
        }
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** A status with no body that closes the connection: for requests that could not be read. */
    public static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        send(ctx, null, response);
    }

    public static void notFound(ChannelHandlerContext ctx, FullHttpRequest request) {
        sendText(ctx, request, HttpResponseStatus.NOT_FOUND, "404 not found");
    }

    public static void methodNotAllowed(ChannelHandlerContext ctx, FullHttpRequest request, String allow) {
        FullHttpResponse response = of(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT,
                "405 method not allowed; use " + allow + "\n");
        response.headers().set(HttpHeaderNames.ALLOW, allow);
        send(ctx, request, response);
    }

    static boolean isGetOrHead(FullHttpRequest request) {
        return request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD);
    }
}
