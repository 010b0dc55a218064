package io.chorus.protocol.event;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The one way to write a text error line, {@code !!! CODE: MESSAGE\n}, for handlers that answer
 * before any chat codec is in the pipeline (connection limits, TLS detection, echo).
 *
 * <p>It goes through {@link TextEventEncoder}, so these lines can never drift from the chat errors.
 */
public final class ErrorLine {

    private ErrorLine() {
    }

    /**
     * Returns a new buffer holding the error as one text line with its LF. The caller owns the buffer
     * and must release it (writing it to a channel does).
     */
    public static ByteBuf encode(ErrorCode code, String message, ByteBufAllocator alloc) {
        return TextEventEncoder.INSTANCE.encode(Event.Error.of(code, message), alloc);
    }
}
