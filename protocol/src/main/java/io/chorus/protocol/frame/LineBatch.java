package io.chorus.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import java.util.Objects;

/**
 * The complete lines of one read, handed over as one message: the bytes they arrived in and where
 * each line lies in them.
 *
 * <p>{@link #content()} holds the lines back to back with their terminators as received (LF, CR LF,
 * or none for the last line at the end of input); {@link #index(int)} and {@link #length(int)} give
 * each line without its terminator. When {@link #isLfTerminated()} is true, the content is exactly
 * every line followed by one LF, so it can be passed on as it is.
 *
 * <p>Ownership: the batch owns its content, and whoever receives the batch must release it once
 * (releasing the batch releases the content). Retaining the content separately is how a reader keeps
 * it beyond the batch, for example to write it to a channel.
 */
public final class LineBatch implements ReferenceCounted {

    private final ByteBuf content;
    /** Pairs of (index, length) in content, one per line; only the first {@code 2 * size} are used. */
    private final int[] ranges;
    private final int size;
    private final boolean lfTerminated;

    LineBatch(ByteBuf content, int[] ranges, int size, boolean lfTerminated) {
        this.content = Objects.requireNonNull(content, "content");
        this.ranges = ranges;
        this.size = size;
        this.lfTerminated = lfTerminated;
    }

    /** The lines with their terminators, back to back, readable from index 0; owned by this batch. */
    public ByteBuf content() {
        return content;
    }

    /** Number of lines, at least one. */
    public int size() {
        return size;
    }

    /** Where line {@code i} starts in {@link #content()}. */
    public int index(int i) {
        Objects.checkIndex(i, size);
        return ranges[2 * i];
    }

    /** Bytes in line {@code i}, terminator excluded. */
    public int length(int i) {
        Objects.checkIndex(i, size);
        return ranges[2 * i + 1];
    }

    /** Total bytes of the lines, terminators excluded. */
    public int lineBytes() {
        int total = 0;
        for (int i = 0; i < size; i++) {
            total += ranges[2 * i + 1];
        }
        return total;
    }

    /** True when every line in {@link #content()} ends with a lone LF (no CR, none unterminated). */
    public boolean isLfTerminated() {
        return lfTerminated;
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
