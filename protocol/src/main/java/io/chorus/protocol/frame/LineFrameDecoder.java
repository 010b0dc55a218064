package io.chorus.protocol.frame;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Splits a byte stream into lines on LF, drops a CR before the LF, and bounds the length of a line,
 * emitting one message per line.
 *
 * <p>Each complete line is emitted as a retained {@link ByteBuf} slice without its terminator; the
 * next handler owns it and must release it. A line longer than {@code maxLineBytes} is never
 * buffered: the decoder emits one {@link LineTooLong} as soon as the limit is passed, then discards
 * bytes up to and including the next LF, holding at most {@code maxLineBytes + 1} bytes at any time.
 * The connection stays usable after that.
 *
 * <p>When the input ends (EOF or half-close) with an unterminated line, that remainder is emitted as
 * a last line, so data the peer sent is never silently dropped.
 *
 * <p>A handler that treats the lines of a read together (the line echo) is cheaper fed by
 * {@link LineBatchDecoder}, which applies the same rules but emits one message per read.
 *
 * <p>Not {@code @Sharable}: it holds per-channel state.
 */
public final class LineFrameDecoder extends LineSplittingDecoder {

    /** Default longest line, in bytes of UTF-8 and without the terminator: {@value}. */
    public static final int DEFAULT_MAX_LINE_BYTES = 4096;

    public LineFrameDecoder() {
        this(DEFAULT_MAX_LINE_BYTES);
    }

    public LineFrameDecoder(int maxLineBytes) {
        super(maxLineBytes);
    }

    @Override
    void line(ByteBuf in, int index, int length, int next, boolean lfOnly, List<Object> out) {
        out.add(in.retainedSlice(index, length));
    }

    @Override
    void tooLong(List<Object> out) {
        out.add(new LineTooLong(maxLineBytes()));
    }
}
