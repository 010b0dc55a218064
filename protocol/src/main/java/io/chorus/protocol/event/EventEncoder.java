package io.chorus.protocol.event;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Writes an {@link Event} as complete UTF-8 lines in one of the {@link OutputFormat}s.
 *
 * <p>Implementations are stateless and thread-safe. A broadcast encodes an event once per format and
 * writes a {@code retainedDuplicate()} of the buffer to each member.
 */
public interface EventEncoder {

    /** The format this encoder writes. */
    OutputFormat format();

    /**
     * Returns a new buffer holding the event as one or more lines, each terminated by {@code \n}.
     * The caller owns the buffer and must release it; nothing is left allocated if this throws.
     */
    ByteBuf encode(Event event, ByteBufAllocator alloc);

    /** The lines {@link #encode} would write, as a String with the {@code \n}s; for tests and clients. */
    default String encodeToString(Event event) {
        ByteBuf buf = encode(event, UnpooledByteBufAllocator.DEFAULT);
        try {
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    /** The shared encoder for {@code format}. */
    static EventEncoder of(OutputFormat format) {
        switch (format) {
            case TEXT:
                return TextEventEncoder.INSTANCE;
            case JSON:
                return JsonEventEncoder.INSTANCE;
            default:
                throw new IllegalArgumentException("unknown format: " + format);
        }
    }
}
