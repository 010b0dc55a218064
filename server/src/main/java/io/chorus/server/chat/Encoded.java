package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.EventEncoder;
import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * One event encoded for each (format, framing) that its audience uses, so a broadcast encodes once per
 * combination in use and each member gets a {@code retainedDuplicate()}.
 *
 * <p>Framing at the edge: protocol's {@link EventEncoder} writes each event as LF-terminated lines, which
 * is exactly the {@link Framing#STREAM} payload, so the LF is written once per encoded buffer and never
 * per member. The {@link Framing#MESSAGE} payload is a slice of that same buffer without its final LF:
 * no copy and no second encode. The {@link Framing#WEBSOCKET} payload is that slice copied once behind a
 * WebSocket frame header, shared by every WebSocket member; the {@link Framing#SSE} payload likewise
 * behind its {@code id:} and {@code data:} fields.
 *
 * <p>Ownership: an instance holds one reference to each non-null buffer and gives them up in
 * {@link #release()}.
 */
final class Encoded {

    /** The enums' values, copied once: {@code values()} clones its array on every call, and a fan-out asks per member. */
    private static final OutputFormat[] FORMATS = OutputFormat.values();
    private static final Framing[] FRAMINGS = Framing.values();
    private static final int SLOTS = FORMATS.length * FRAMINGS.length;

    private final ByteBuf[] slots = new ByteBuf[SLOTS];

    static int slot(OutputFormat format, Framing framing) {
        return format.ordinal() * FRAMINGS.length + framing.ordinal();
    }

    static int slotOf(Member member) {
        return slot(member.format(), member.framing());
    }

    static OutputFormat formatOf(int slot) {
        return FORMATS[slot / FRAMINGS.length];
    }

    static Framing framingOf(int slot) {
        return FRAMINGS[slot % FRAMINGS.length];
    }

    static int slotCount() {
        return SLOTS;
    }

    /** A new buffer holding {@code event} for one format and framing; the caller owns it. */
    static ByteBuf encode(Event event, OutputFormat format, Framing framing, ByteBufAllocator alloc) {
        ByteBuf lines = EventEncoder.of(format).encode(event, alloc);
        return framing == Framing.STREAM ? lines : frame(event, withoutFinalLf(lines), framing, alloc);
    }

    /** Frames an unframed payload for {@code framing}, taking over its reference; STREAM and MESSAGE are as is. */
    static ByteBuf frame(Event event, ByteBuf message, Framing framing, ByteBufAllocator alloc) {
        return switch (framing) {
            case STREAM, MESSAGE -> message;
            case WEBSOCKET -> webSocketTextFrame(message, alloc);
            case SSE -> serverSentEvent(event, message, alloc);
        };
    }

    private static final byte[] SSE_ID = "id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SSE_DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    /**
     * One server-sent event holding {@code payload} (one line: JSON escapes line breaks), with {@code id:}
     * set to the message id for messages and actions, so {@code EventSource} resumes with
     * {@code Last-Event-ID}. A new buffer the caller owns; {@code payload} is released.
     */
    static ByteBuf serverSentEvent(Event event, ByteBuf payload, ByteBufAllocator alloc) {
        try {
            long id = event instanceof Event.Message m ? m.id() : event instanceof Event.Action a ? a.id() : 0;
            String idText = id > 0 ? Long.toString(id) : "";
            int length = payload.readableBytes();
            ByteBuf out = alloc.directBuffer((id > 0 ? SSE_ID.length + idText.length() + 1 : 0) + SSE_DATA.length + length + 2);
            if (id > 0) {
                out.writeBytes(SSE_ID).writeCharSequence(idText, StandardCharsets.US_ASCII);
                out.writeByte('\n');
            }
            out.writeBytes(SSE_DATA).writeBytes(payload, payload.readerIndex(), length);
            return out.writeByte('\n').writeByte('\n');
        } finally {
            payload.release();
        }
    }

    /**
     * One unmasked, final WebSocket text frame (RFC 6455 section 5.2) holding {@code payload}, in a new
     * buffer the caller owns; {@code payload} is released. Built once per broadcast, so members share it.
     */
    static ByteBuf webSocketTextFrame(ByteBuf payload, ByteBufAllocator alloc) {
        try {
            int length = payload.readableBytes();
            int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
            ByteBuf frame = alloc.directBuffer(header + length, header + length);
            frame.writeByte(0x81); // FIN, opcode 1 (text)
            if (length < 126) {
                frame.writeByte(length);
            } else if (length <= 0xFFFF) {
                frame.writeByte(126).writeShort(length);
            } else {
                frame.writeByte(127).writeLong(length);
            }
            return frame.writeBytes(payload, payload.readerIndex(), length);
        } finally {
            payload.release();
        }
    }

    /**
     * The message payload of an LF-terminated buffer: a slice without the final LF that shares and takes
     * over {@code lines}' reference.
     */
    static ByteBuf withoutFinalLf(ByteBuf lines) {
        int length = lines.readableBytes();
        if (length > 0 && lines.getByte(lines.writerIndex() - 1) == '\n') {
            length--;
        }
        return lines.slice(lines.readerIndex(), length);
    }

    /** Stream-framed text and JSON payloads (either may be null), taking over their references; for tests. */
    static Encoded lines(ByteBuf text, ByteBuf json) {
        Encoded encoded = new Encoded();
        encoded.put(slot(OutputFormat.TEXT, Framing.STREAM), text);
        encoded.put(slot(OutputFormat.JSON, Framing.STREAM), json);
        return encoded;
    }

    /** Stores a buffer, taking over its reference. */
    void put(int slot, ByteBuf buf) {
        slots[slot] = buf;
    }

    ByteBuf get(int slot) {
        return slots[slot];
    }

    /** The payload for {@code member}'s current format and framing, or null if none was encoded. */
    ByteBuf forMember(Member member) {
        return slots[slotOf(member)];
    }

    /** True when {@code other} has buffers in exactly the same slots. */
    boolean sameSlots(Encoded other) {
        for (int i = 0; i < SLOTS; i++) {
            if ((slots[i] == null) != (other.slots[i] == null)) {
                return false;
            }
        }
        return true;
    }

    void release() {
        for (int i = 0; i < SLOTS; i++) {
            if (slots[i] != null) {
                ByteBuf buf = slots[i];
                slots[i] = null;
                buf.release();
            }
        }
    }
}
