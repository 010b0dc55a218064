package io.chorus.server.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * {@code /metrics}: the Prometheus text exposition of the server's registry, written by Micrometer.
 * Immutable.
 */
public final class MetricsRoute implements HttpRoute {

    /** The Prometheus text format, version 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    public MetricsRoute(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        // A scrape reads a few hundred counters and gauges: cheap enough to run on the event loop.
        FullHttpResponse response = HttpResponses.of(ctx, HttpResponseStatus.OK, CONTENT_TYPE, registry.scrape());
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpResponses.send(ctx, request, response);
    }
}
