package io.chorus.server.http;

import io.chorus.server.support.ChannelErrors;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Sends each complete request of one HTTP connection to its route, answers requests that could not be
 * read (431, 414, 400), closes the connection when idle, and turns a WebSocket request into a
 * WebSocket connection: the {@code Origin} check first (403), then Netty's protocol handler with the
 * frame limit, the keepalive, and the endpoint's handlers, in place of this router.
 *
 * <p>Per channel. Requests are released when their route returns (see {@link HttpRoute}).
 */
final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LogManager.getLogger(HttpRouter.class);
    /** How long a WebSocket handshake may take: {@value} ms. */
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private final HttpRoutes routes;
    private final HttpSettings settings;
    private final boolean tls;

    HttpRouter(HttpRoutes routes, HttpSettings settings, boolean tls) {
        this.routes = routes;
        this.settings = settings;
        this.tls = tls;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            refuseUnreadable(ctx, result.cause());
            return;
        }
        String path = new QueryStringDecoder(request.uri()).rawPath();
        WebSocketRoute webSocket = routes.webSocket(path);
        if (webSocket == null) {
            routes.route(path).handle(ctx, request);
        } else if (!request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            HttpResponses.sendText(ctx, request, HttpResponseStatus.UPGRADE_REQUIRED,
                    "426 this is a WebSocket endpoint; connect with a WebSocket client");
        } else if (!settings.origins().allows(request.headers().get(HttpHeaderNames.ORIGIN),
                request.headers().get(HttpHeaderNames.HOST), tls)) {
            if (log.isDebugEnabled()) {
                log.debug("[{}] WebSocket from origin {} refused", ctx.channel().id(),
                        request.headers().get(HttpHeaderNames.ORIGIN));
            }
            HttpResponses.sendText(ctx, request, HttpResponseStatus.FORBIDDEN,
                    "403 this origin may not open a WebSocket here (see --allowed-origins)");
        } else {
            upgrade(ctx, request, path, webSocket);
        }
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, String path, WebSocketRoute route) {
        ChannelPipeline p = ctx.pipeline();
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(path)
                // The path was matched above; the query string may follow it.
                .checkStartsWith(true)
                .handshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS)
                // Frames above --max-line are refused with close code 1009 by the frame decoder.
                .maxFramePayloadLength(settings.maxFrameBytes())
                .allowExtensions(false)
                .dropPongFrames(true)
                .build();
        // Handshake, frame codec, close and ping answers.
        p.addLast("ws", new WebSocketServerProtocolHandler(config));
        long idleMillis = settings.idleTimeout().toMillis();
        if (idleMillis > 0) {
            // Pings at half the idle timeout; closes when not even a pong came back by the full timeout.
            p.replace("idle", "idle", new IdleStateHandler(Math.max(1, idleMillis / 2), 0, 0, TimeUnit.MILLISECONDS));
            p.addLast("ws-keepalive", new WebSocketKeepAlive());
        }
        route.addFrameHandlers(p, settings.maxFrameBytes());
        p.remove(this);
        // The handshake handler answers the upgrade; the request goes to it with a reference of its own.
        ctx.fireChannelRead(request.retain());
    }

    private static void refuseUnreadable(ChannelHandlerContext ctx, Throwable cause) {
        HttpResponseStatus status;
        if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        } else if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
        }
        if (log.isDebugEnabled()) {
            log.debug("[{}] unreadable request: {}", ctx.channel().id(), cause.toString());
        }
        HttpResponses.refuse(ctx, status);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            if (log.isDebugEnabled()) {
                log.debug("[{}] idle HTTP connection closed", ctx.channel().id());
            }
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ChannelErrors.closeOnError(log, ctx, cause);
    }
}
