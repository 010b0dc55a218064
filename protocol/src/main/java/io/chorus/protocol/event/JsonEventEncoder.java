package io.chorus.protocol.event;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * Encodes each event as one JSON object on one line, e.g.
 * {@code {"type":"message","room":"lobby","from":"alice","text":"hi","id":7,"ts":"2026-11-25T11:17:58.123Z"}}.
 *
 * <p>The field names are a wire contract; {@link JsonEventDecoder} reads them back. Room names carry
 * no {@code #}, {@code ts} is ISO-8601 UTC to the millisecond, and {@code replay} appears only when
 * true. Optional string fields ({@code room}, {@code nick} and {@code code} of errors and notices,
 * {@code run} of the welcome) appear only when set. Jackson writes UTF-8 straight into the buffer, which is sized by its first write. Stateless;
 * use {@link #INSTANCE}.
 */
public final class JsonEventEncoder implements EventEncoder {

    public static final JsonEventEncoder INSTANCE = new JsonEventEncoder();

    /** Shared by the encoder and the decoder; a JsonFactory is thread-safe once configured. */
    static final JsonFactory JSON = JsonFactory.builder()
            // Emoji as four UTF-8 bytes rather than two backslash-u escapes.
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();

    private JsonEventEncoder() {
    }

    @Override
    public OutputFormat format() {
        return OutputFormat.JSON;
    }

    @Override
    public ByteBuf encode(Event event, ByteBufAllocator alloc) {
        if (event instanceof Event.Unknown u) {
            ByteBufOut out = new ByteBufOut(alloc);
            try {
                out.writeRaw(u.json());
            } catch (Throwable t) {
                out.release();
                throw t;
            }
            return out.finishLine();
        }
        ByteBufOut out = new ByteBufOut(alloc);
        try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("type", event.type());
            writeFields(event, json);
            json.writeEndObject();
        } catch (IOException e) {
            out.release();
            throw new UncheckedIOException(e);
        } catch (Throwable t) {
            out.release();
            throw t;
        }
        return out.finishLine();
    }

    private static void writeFields(Event event, JsonGenerator json) throws IOException {
        if (event instanceof Event.Message m) {
            writeRoomMessage(json, m.room(), m.from(), m.text(), m.id(), m.ts(), m.replay());
        } else if (event instanceof Event.Action a) {
            writeRoomMessage(json, a.room(), a.from(), a.text(), a.id(), a.ts(), a.replay());
        } else if (event instanceof Event.Private p) {
            json.writeStringField("from", p.from());
            json.writeStringField("to", p.to());
            json.writeStringField("text", p.text());
            writeTs(json, p.ts());
        } else if (event instanceof Event.Join j) {
            json.writeStringField("room", j.room());
            json.writeStringField("nick", j.nick());
        } else if (event instanceof Event.Leave l) {
            json.writeStringField("room", l.room());
            json.writeStringField("nick", l.nick());
            json.writeStringField("reason", l.reason());
            json.writeBooleanField("quit", l.quit());
        } else if (event instanceof Event.NickChange n) {
            json.writeStringField("old", n.oldNick());
            json.writeStringField("new", n.newNick());
            if (n.room() != null) {
                json.writeStringField("room", n.room());
            }
        } else if (event instanceof Event.Who w) {
            json.writeStringField("room", w.room());
            writeStrings(json, "nicks", w.nicks());
        } else if (event instanceof Event.Rooms r) {
            json.writeArrayFieldStart("rooms");
            for (Event.RoomInfo room : r.rooms()) {
                json.writeStartObject();
                json.writeStringField("name", room.name());
                json.writeNumberField("members", room.members());
                if (room.watchers() > 0) {
                    json.writeNumberField("watchers", room.watchers());
                }
                json.writeEndObject();
            }
            json.writeEndArray();
        } else if (event instanceof Event.HistoryEnd h) {
            json.writeStringField("room", h.room());
            json.writeBooleanField("complete", h.complete());
            json.writeNumberField("messages", h.count());
            json.writeNumberField("first", h.firstId());
            json.writeNumberField("last", h.lastId());
        } else if (event instanceof Event.Pong p) {
            json.writeStringField("token", p.token());
        } else if (event instanceof Event.Error e) {
            json.writeStringField("code", e.code());
            json.writeStringField("message", e.message());
            writeOptional(json, "room", e.room());
            writeOptional(json, "nick", e.nick());
        } else if (event instanceof Event.Notice n) {
            json.writeStringField("text", n.text());
            writeOptional(json, "code", n.code());
            writeOptional(json, "room", n.room());
            writeOptional(json, "nick", n.nick());
        } else if (event instanceof Event.Welcome w) {
            json.writeStringField("nick", w.nick());
            json.writeStringField("room", w.room());
            json.writeStringField("server", w.server());
            writeOptional(json, "run", w.run());
        } else if (event instanceof Event.Help h) {
            writeStrings(json, "lines", h.lines());
        } else {
            throw new IllegalArgumentException("unsupported event: " + event);
        }
    }

    private static void writeRoomMessage(JsonGenerator json, String room, String from, String text, long id,
            Instant ts, boolean replay) throws IOException {
        json.writeStringField("room", room);
        json.writeStringField("from", from);
        json.writeStringField("text", text);
        json.writeNumberField("id", id);
        writeTs(json, ts);
        if (replay) {
            json.writeBooleanField("replay", true);
        }
    }

    private static void writeTs(JsonGenerator json, Instant ts) throws IOException {
        json.writeFieldName("ts");
        char[] iso = new char[Timestamps.ISO_LENGTH];
        int length = Timestamps.iso(ts, iso);
        if (length > 0) {
            json.writeString(iso, 0, length);
        } else {
            json.writeString(Timestamps.iso(ts));
        }
    }

    /** Optional fields are left out rather than written as null, so older readers see nothing new. */
    private static void writeOptional(JsonGenerator json, String field, String value) throws IOException {
        if (value != null) {
            json.writeStringField(field, value);
        }
    }

    private static void writeStrings(JsonGenerator json, String field, List<String> values) throws IOException {
        json.writeArrayFieldStart(field);
        for (String value : values) {
            json.writeString(value);
        }
        json.writeEndArray();
    }

    /**
     * Collects the generator's output. Jackson buffers internally and usually flushes once, on close,
     * so allocating on the first write gives a buffer of the right size, plus one byte for the LF.
     */
    private static final class ByteBufOut extends OutputStream {
        private final ByteBufAllocator alloc;
        private ByteBuf buf;

        ByteBufOut(ByteBufAllocator alloc) {
            this.alloc = alloc;
        }

        @Override
        public void write(int b) {
            ensure(1).writeByte(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            ensure(length).writeBytes(bytes, offset, length);
        }

        void writeRaw(String text) {
            int length = ByteBufUtil.utf8Bytes(text);
            ByteBufUtil.reserveAndWriteUtf8(ensure(length), text, length);
        }

        private ByteBuf ensure(int length) {
            if (buf == null) {
                buf = alloc.buffer(length + 1);
            }
            return buf;
        }

        /** Appends the LF and hands the buffer to the caller. */
        ByteBuf finishLine() {
            ByteBuf line = ensure(0);
            buf = null;
            return line.writeByte('\n');
        }

        void release() {
            if (buf != null) {
                buf.release();
                buf = null;
            }
        }
    }
}
