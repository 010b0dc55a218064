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
 * (releasing the batch releases the content). Retaining the content separately is how a reader keeps
 * it beyond the batch, for example to write it to a channel.
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
    private final int size;
    private final int lineBytes;
    private final boolean lfTerminated;

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
        return size;
    }

    /** Total bytes of the lines, terminators excluded. */
    public int lineBytes() {
        return lineBytes;
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
        return "LineBatch(" + size + " lines, " + content.readableBytes() + " bytes"
                + (lfTerminated ? ", LF-terminated)" : ")");
    }
}
