package io.chorus.server.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.EventEncoder;
import io.chorus.protocol.event.OutputFormat;
import io.chorus.server.http.HttpResponses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON bodies of the HTTP API, written with Jackson's streaming generator: errors as
 * {@code {"error":CODE,"message":TEXT}}, and chat events in exactly the TCP JSON format.
 */
final class ApiJson {

    static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();
    private static final EventEncoder EVENTS = EventEncoder.of(OutputFormat.JSON);

    private ApiJson() {
    }

    /** Writes one JSON value with {@code body} and returns it as text. */
    static String write(JsonBody body) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            body.writeTo(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** What writes one JSON value. */
    @FunctionalInterface
    interface JsonBody {
        void writeTo(JsonGenerator json) throws IOException;
    }

    /** One event as the TCP JSON format writes it, without the line feed. */
    static String event(Event event, ByteBufAllocator alloc) {
        ByteBuf line = EVENTS.encode(event, alloc);
        try {
            int length = line.readableBytes();
            if (length > 0 && line.getByte(line.writerIndex() - 1) == '\n') {
                length--;
            }
            return line.toString(line.readerIndex(), length, StandardCharsets.UTF_8);
        } finally {
            line.release();
        }
    }

    /** Answers with a JSON body. */
    static void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String json) {
        HttpResponses.send(ctx, request, response(ctx, status, json));
    }

    static FullHttpResponse response(ChannelHandlerContext ctx, HttpResponseStatus status, String json) {
        FullHttpResponse response = HttpResponses.of(ctx, status, HttpResponses.JSON, json + "\n");
        response.headers().set("cache-control", "no-store");
        return response;
    }

    /** An error response, {@code {"error":CODE,"message":TEXT}}; the caller adds headers and sends it. */
    static FullHttpResponse error(ChannelHandlerContext ctx, HttpResponseStatus status, String code, String message) {
        return response(ctx, status, write(json -> {
            json.writeStartObject();
            json.writeStringField("error", code);
            json.writeStringField("message", message);
            json.writeEndObject();
        }));
    }

    static void sendError(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String code,
            String message) {
        HttpResponses.send(ctx, request, error(ctx, status, code, message));
    }
}
