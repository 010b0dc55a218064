package io.chorus.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import java.util.Objects;

/**
 * The complete lines of one read, handed over as one message: the bytes they arrived in, without a
 * table of where each line lies, so a batch costs the same whatever the number of lines.
 *
 * <p>{@link #content()} holds the lines back to back with their terminators as received (LF, CR LF,
 * or none for the last line at the end of input); no line in it is over the limit, so splitting it
 * again on LF is all {@link #forEachLine} does. When {@link #isLfTerminated()} is true, the content is
 * exactly every line followed by one LF, so it can be passed on as it is.
 *
 * <p>Ownership: the batch owns its content, and whoever receives the batch must release it once
 * (releasing the batch releases the content). The batch holds no reference of its own: a reader may
 * instead pass the content on as it is (for example write it to a channel) and then must not release
 * the batch, or retain the content to keep it beyond the batch. The content may be the very buffer the
 * transport read into.
 *
 * <p>{@link #size()} and {@link #lineBytes()} are counted on first use when the decoder did not count
 * them. Not thread-safe: a batch is used on its channel's event loop.
 */
public final class LineBatch implements ReferenceCounted {

    /** Receives the lines of a batch one by one. */
    @FunctionalInterface
    public interface LineVisitor {
        /**
         * One line: {@code length} bytes at {@code index} of {@code content}, terminator excluded. The
         * visitor may read the range but not keep it, release it or move the buffer's indices.
         */
        void line(ByteBuf content, int index, int length);
    }

    private final ByteBuf content;
    /** Lines in the batch; -1 until counted (the decoder's fast path does not count them). */
    private int size;
    /** Bytes of the lines without terminators; -1 until counted. */
    private int lineBytes;
    private final boolean lfTerminated;

    /**
     * A batch over {@code content}; {@code size} and {@code lineBytes} may be -1 when the decoder did not
     * count them, and are then counted on first use, so a batch that is passed on as it is never pays for it.
     */
    LineBatch(ByteBuf content, int size, int lineBytes, boolean lfTerminated) {
        this.content = Objects.requireNonNull(content, "content");
        this.size = size;
        this.lineBytes = lineBytes;
        this.lfTerminated = lfTerminated;
    }

    /** The lines with their terminators, back to back, between its reader and writer index; owned by this batch. */
    public ByteBuf content() {
        return content;
    }

    /** Number of lines, at least one. */
    public int size() {
        if (size < 0) {
            count();
        }
        return size;
    }

    /** Total bytes of the lines, terminators excluded. */
    public int lineBytes() {
        if (lineBytes < 0) {
            count();
        }
        return lineBytes;
    }

    private void count() {
        int lines = 0;
        int bytes = 0;
        int end = content.writerIndex();
        int from = content.readerIndex();
        while (from < end) {
            int lf = content.indexOf(from, end, (byte) '\n');
            int stop = lf < 0 ? end : lf;
            int length = stop - from;
            if (length > 0 && content.getByte(stop - 1) == '\r') {
                length--;
            }
            lines++;
            bytes += length;
            from = stop + 1;
        }
        size = lines;
        lineBytes = bytes;
    }

    /** True when every line in {@link #content()} ends with a lone LF (no CR, none unterminated). */
    public boolean isLfTerminated() {
        return lfTerminated;
    }

    /** Hands each line to {@code visitor}, in order, without moving the content's indices. */
    public void forEachLine(LineVisitor visitor) {
        int end = content.writerIndex();
        int from = content.readerIndex();
        while (from < end) {
            int lf = content.indexOf(from, end, (byte) '\n');
            // No LF: the unterminated last line at the end of input, which the decoder also accepted.
            int stop = lf < 0 ? end : lf;
            int length = stop - from;
            if (length > 0 && content.getByte(stop - 1) == '\r') {
                length--;
            }
            visitor.line(content, from, length);
            from = stop + 1;
        }
    }

    @Override
    public int refCnt() {
        return content.refCnt();
    }

    @Override
    public LineBatch retain() {
        content.retain();
        return this;
    }

    @Override
    public LineBatch retain(int increment) {
        content.retain(increment);
        return this;
    }

    @Override
    public LineBatch touch() {
        content.touch();
        return this;
    }

    @Override
    public LineBatch touch(Object hint) {
        content.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return content.release();
    }

    @Override
    public boolean release(int decrement) {
        return content.release(decrement);
    }

    @Override
    public String toString() {
        return "LineBatch(" + (size < 0 ? "uncounted" : size + " lines") + ", " + content.readableBytes() + " bytes"
                + (lfTerminated ? ", LF-terminated)" : ")");
    }
}
