package io.chorus.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a byte stream into lines on LF, drops a CR before the LF, and bounds the length of a line.
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
 * <p>Not {@code @Sharable}: it holds per-channel state.
 */
public final class LineFrameDecoder extends ByteToMessageDecoder {

    /** Default longest line, in bytes of UTF-8 and without the terminator: {@value}. */
    public static final int DEFAULT_MAX_LINE_BYTES = 4096;

    private final int maxLineBytes;
    /** Bytes at the head of the cumulation already searched for LF, so a long line is scanned once. */
    private int scanned;
    /** True while skipping the rest of an overlong line. */
    private boolean discarding;

    public LineFrameDecoder() {
        this(DEFAULT_MAX_LINE_BYTES);
    }

    public LineFrameDecoder(int maxLineBytes) {
        if (maxLineBytes <= 0) {
            throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        }
        this.maxLineBytes = maxLineBytes;
    }

    public int maxLineBytes() {
        return maxLineBytes;
    }

    /** Bytes held between reads, waiting for the end of a line; never more than {@code maxLineBytes + 1}. */
    public int bufferedBytes() {
        return internalBuffer().readableBytes();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
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
                    startDiscarding(in, out);
                } else {
                    scanned = pending;
                }
                return;
            }
            scanned = 0;
            int length = lf - start;
            if (length > 0 && in.getByte(lf - 1) == '\r') {
                length--;
            }
            if (length > maxLineBytes) {
                out.add(new LineTooLong(maxLineBytes));
            } else {
                out.add(in.retainedSlice(start, length));
            }
            in.readerIndex(lf + 1);
        }
    }

    private void startDiscarding(ByteBuf in, List<Object> out) {
        in.skipBytes(in.readableBytes());
        scanned = 0;
        discarding = true;
        out.add(new LineTooLong(maxLineBytes));
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if (in.isReadable() && !discarding) {
            int length = in.readableBytes();
            if (in.getByte(in.writerIndex() - 1) == '\r') {
                length--;
            }
            // The slack byte kept for a CR is no longer needed: the last line obeys the limit too.
            if (length > maxLineBytes) {
                out.add(new LineTooLong(maxLineBytes));
            } else {
                out.add(in.retainedSlice(in.readerIndex(), length));
            }
            in.skipBytes(in.readableBytes());
        }
        discarding = false;
        scanned = 0;
    }
}
