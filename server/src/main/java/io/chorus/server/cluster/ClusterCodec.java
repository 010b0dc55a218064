package io.chorus.server.cluster;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.JsonEventDecoder;
import io.chorus.protocol.event.JsonEventEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * How events travel between nodes: the wire JSON of the event, the same one clients get, with id 0 for
 * messages (Redis numbers them), inside an envelope {@code ID ORIGIN JSON}: the id Redis gave (0 for
 * unnumbered events) and the node that sent it, so a node skips its own.
 */
final class ClusterCodec {

    private ClusterCodec() {
    }

    /** The event as one JSON line without its LF. */
    static String json(Event event) {
        ByteBuf encoded = JsonEventEncoder.INSTANCE.encode(event, UnpooledByteBufAllocator.DEFAULT);
        try {
            int length = encoded.readableBytes();
            if (length > 0 && encoded.getByte(encoded.writerIndex() - 1) == '\n') {
                length--;
            }
            return encoded.toString(encoded.readerIndex(), length, StandardCharsets.UTF_8);
        } finally {
            encoded.release();
        }
    }

    /** An unnumbered event's envelope. */
    static String envelope(String origin, Event event) {
        return "0 " + origin + " " + json(event);
    }

    /** One envelope read from a channel. */
    record Envelope(long id, String origin, Event event) {
    }

    /**
     * Parses an envelope; a message or action gets its id and is marked live. Throws
     * {@link IllegalArgumentException} for anything else, which the caller logs and drops.
     */
    static Envelope parse(String text) {
        int first = text.indexOf(' ');
        int second = first < 0 ? -1 : text.indexOf(' ', first + 1);
        if (second < 0) {
            throw new IllegalArgumentException("not a Chorus cluster envelope");
        }
        long id = Long.parseLong(text, 0, first, 10);
        String origin = text.substring(first + 1, second);
        Event event = numbered(JsonEventDecoder.decode(text.substring(second + 1)), id, false);
        return new Envelope(id, origin, event);
    }

    /** A message or action from the history or a channel with its id; other events as they are. */
    static Event numbered(Event event, long id, boolean replay) {
        if (event instanceof Event.Message m) {
            return new Event.Message(m.room(), m.from(), m.text(), id, m.ts(), replay);
        }
        if (event instanceof Event.Action a) {
            return new Event.Action(a.room(), a.from(), a.text(), id, a.ts(), replay);
        }
        return event;
    }
}
