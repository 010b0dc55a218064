package io.chorus.protocol.frame;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Splits a byte stream into lines by the same rules as {@link LineFrameDecoder}, but hands over the
 * complete lines of each read as one {@link LineBatch}, for handlers that treat them together.
 *
 * <p>Per read this costs one retained slice, one small message and one trip down the pipeline instead
 * of a slice and a trip per line, which is most of the cost of a short line; nothing is allocated per
 * line. Overlong lines, CR handling, the {@code maxLineBytes + 1}
 * bound and the unterminated last line at the end of input are exactly as in {@link LineFrameDecoder}:
 * a line over the limit ends the batch before it, becomes one {@link LineTooLong}, and a new batch
 * starts after it, so the order of lines and markers is kept.
 *
 * <p>Ownership: each emitted {@link LineBatch} retains a slice of the bytes read; the next handler
 * owns it and must release it.
 *
 * <p>Not {@code @Sharable}: it holds per-channel state.
 */
public final class LineBatchDecoder extends LineSplittingDecoder {

    /** The buffer the pending batch lies in; only set between its first line and its emission. */
    private ByteBuf source;
    private int start;
    private int end;
    private int size;
    private int lineBytes;
    private boolean lfTerminated;

    public LineBatchDecoder() {
        this(LineFrameDecoder.DEFAULT_MAX_LINE_BYTES);
    }

    public LineBatchDecoder(int maxLineBytes) {
        super(maxLineBytes);
    }

    @Override
    void line(ByteBuf in, int index, int length, int next, boolean lfOnly, List<Object> out) {
        if (source == null) {
            source = in;
            start = index;
            size = 0;
            lineBytes = 0;
            lfTerminated = true;
        }
        size++;
        lineBytes += length;
        end = next;
        lfTerminated &= lfOnly;
    }

    @Override
    void tooLong(List<Object> out) {
        emit(out);
        out.add(new LineTooLong(maxLineBytes()));
    }

    @Override
    void endOfLines(List<Object> out) {
        emit(out);
    }

    private void emit(List<Object> out) {
        if (source != null) {
            out.add(new LineBatch(source.retainedSlice(start, end - start), size, lineBytes, lfTerminated));
            source = null;
        }
    }
}
