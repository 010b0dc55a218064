package io.chorus.server.http;

import io.chorus.server.support.ListenerFront;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of one HTTP connection, plain or TLS. A WebSocket upgrade later replaces the
 * HTTP steps below the router with frame handling (see {@link HttpRouter}).
 */
public final class HttpServerInitializer extends ChannelInitializer<Channel> {

    /** Longest request line (method, target, version): {@value}; longer ones get 414. */
    static final int MAX_REQUEST_LINE = 4096;
    /** The name of the HTTP codec; a WebSocket handshake replaces it with the frame codec. */
    static final String CODEC = "http";

    private final ListenerFront front;
    private final HttpRoutes routes;
    private final HttpSettings settings;

    public HttpServerInitializer(ListenerFront front, HttpRoutes routes, HttpSettings settings) {
        this.front = front;
        this.routes = routes;
        this.settings = settings;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        // Connection limits, tracking, byte counts, and TLS on the HTTPS port.
        front.addTo(p);
        // A client that hangs up is closed at once, not at the idle timeout (half-closure is allowed).
        p.addLast("hangup", CloseOnInputShutdown.INSTANCE);
        long idleMillis = settings.idleTimeout().toMillis();
        if (idleMillis > 0) {
            // Fires READER_IDLE after --idle-timeout without a byte from the client; the router closes.
            p.addLast("idle", new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
        // Bytes to requests; a request line or headers past the limits become a failed decoder result.
        p.addLast(CODEC, new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(settings.maxHeaderBytes())));
        // Whole requests only; a body over the limit is answered with 413 here.
        p.addLast("aggregator", new HttpObjectAggregator(settings.maxBodyBytes(), true));
        // Routes each request; upgrades a WebSocket request in place.
        p.addLast("router", new HttpRouter(routes, settings, front.isTls()));
    }
}
