package io.chorus.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * The one line-splitting rule of the protocol, shared by the framers that differ only in what they
 * emit: split on LF, drop a CR before the LF, bound a line's length, deliver an unterminated last
 * line at the end of input. {@link LineBatchDecoder} applies the same rule without this class, to pay
 * per read rather than per line; the property tests of both hold them to one reference splitter.
 *
 * <p>A line longer than {@code maxLineBytes} is never buffered: {@link #tooLong} is called once, as
 * soon as the limit is passed, and the bytes up to and including the next LF are discarded, holding at
 * most {@code maxLineBytes + 1} bytes at any time. The connection stays usable after that.
 *
 * <p>Subclasses see each line as a range of the cumulation, valid only during the call; they decide
 * what to retain. Not {@code @Sharable}: it holds per-channel state.
 */
abstract class LineSplittingDecoder extends ByteToMessageDecoder {

    private final int maxLineBytes;
    /** Bytes at the head of the cumulation already searched for LF, so a long line is scanned once. */
    private int scanned;
    /** True while skipping the rest of an overlong line. */
    private boolean discarding;

    LineSplittingDecoder(int maxLineBytes) {
        if (maxLineBytes <= 0) {
            throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        }
        this.maxLineBytes = maxLineBytes;
    }

    public final int maxLineBytes() {
        return maxLineBytes;
    }

    /** Bytes held between reads, waiting for the end of a line; never more than {@code maxLineBytes + 1}. */
    public final int bufferedBytes() {
        return internalBuffer().readableBytes();
    }

    /**
     * One complete line: {@code length} bytes at {@code index} of {@code in}, terminator excluded;
     * {@code next} is the index just past its terminator (past a dropped CR for the unterminated last
     * line), and {@code lfOnly} tells whether that terminator is a lone LF. The range is only valid
     * during the call; {@code in} stays the decoder's.
     */
    abstract void line(ByteBuf in, int index, int length, int next, boolean lfOnly, List<Object> out);

    /** A line passed the limit; its bytes are being discarded. */
    abstract void tooLong(List<Object> out);

    /** Called after each pass over the input, when no more lines can be taken from it for now. */
    void endOfLines(List<Object> out) {
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        split(in, out);
        endOfLines(out);
    }

    private void split(ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            int start = in.readerIndex();
            int end = in.writerIndex();
            if (discarding) {
                int lf = in.indexOf(start, end, (byte) '\n');
                if (lf < 0) {
                    in.skipBytes(end - start);
                    return;
                }
                in.readerIndex(lf + 1);
                discarding = false;
                continue;
            }
            int lf = in.indexOf(start + scanned, end, (byte) '\n');
            if (lf < 0) {
                int pending = end - start;
                // One byte of slack: a line of exactly maxLineBytes may still be waiting for its CR LF.
                if (pending > maxLineBytes + 1) {
                    in.skipBytes(pending);
                    scanned = 0;
                    discarding = true;
                    tooLong(out);
                } else {
                    scanned = pending;
                }
                return;
            }
            scanned = 0;
            int length = lf - start;
            boolean lfOnly = true;
            if (length > 0 && in.getByte(lf - 1) == '\r') {
                length--;
                lfOnly = false;
            }
            if (length > maxLineBytes) {
                tooLong(out);
            } else {
                line(in, start, length, lf + 1, lfOnly, out);
            }
            in.readerIndex(lf + 1);
        }
    }

    @Override
    protected final void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        split(in, out);
        if (in.isReadable() && !discarding) {
            int start = in.readerIndex();
            int end = in.writerIndex();
            int length = end - start;
            if (in.getByte(end - 1) == '\r') {
                length--;
            }
            // The slack byte kept for a CR is no longer needed: the last line obeys the limit too.
            if (length > maxLineBytes) {
                tooLong(out);
            } else {
                line(in, start, length, end, false, out);
            }
            in.skipBytes(end - start);
        }
        endOfLines(out);
        discarding = false;
        scanned = 0;
    }
}
