package io.chorus.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.function.IntSupplier;

/**
 * {@code /health}: {@code {"status":"up","reason":"","connections":12,"uptime_seconds":3600}}, with
 * 200 while up or degraded and 503 while draining, so a load balancer or Docker's HEALTHCHECK stops
 * sending users to a server that is shutting down. Never cached. Immutable.
 */
public final class HealthRoute implements HttpRoute {

    private static final JsonFactory JSON = new JsonFactory();

    private final HealthStatus status;
    private final IntSupplier connections;

    public HealthRoute(HealthStatus status, IntSupplier connections) {
        this.status = status;
        this.connections = connections;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        HealthStatus.Snapshot now = status.snapshot();
        HttpResponseStatus code = now.state() == HealthStatus.State.DRAINING
                ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK;
        FullHttpResponse response = HttpResponses.of(ctx, code, HttpResponses.JSON, body(now));
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpResponses.send(ctx, request, response);
    }

    private String body(HealthStatus.Snapshot now) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("status", now.state().word());
            json.writeStringField("reason", now.reason());
            json.writeNumberField("connections", connections.getAsInt());
            json.writeNumberField("uptime_seconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.append('\n').toString();
    }
}
