package io.chorus.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * Splits a byte stream into lines by the same rules as {@link LineFrameDecoder}, but hands over the
 * complete lines of each read as one {@link LineBatch}, for handlers that treat them together.
 *
 * <p>The rules: split on LF, drop a CR before the LF, a line over {@code maxLineBytes} (terminator
 * excluded) becomes one {@link LineTooLong} in its place, as soon as the limit is passed, and its bytes
 * up to and including the next LF are discarded; an unterminated last line is delivered when the input
 * ends. A line over the limit ends the batch before it and a new batch starts after it, so the order of
 * lines and markers is kept. {@code LineBatchDecoderPropertiesTest} holds this class to the same
 * reference splitter as {@link LineFrameDecoder}, over arbitrary bytes cut at arbitrary points.
 *
 * <p>Why it is not a {@code ByteToMessageDecoder}: the line echo's cost is per read, and most reads
 * end on a line end. Such a read is checked with two bulk scans (the last LF, then any CR), and when no
 * line in it can be over the limit, the buffer that was read becomes the batch's content as it is: no
 * cumulation, no slice, no per-line work, no reference count touched. Only the bytes of an unfinished
 * last line are kept, copied into a small buffer of their own (never more than {@code maxLineBytes + 1}
 * bytes), and completed by the next read; the read buffer itself is never held between reads.
 *
 * <p>Ownership: every buffer read is released here or passed on inside a {@link LineBatch}; each
 * emitted batch owns its content (the read buffer itself, a retained slice of it, or the buffer an
 * unfinished line was completed in), and the next handler must release it. The unfinished line's buffer
 * belongs to this decoder and is released when the handler is removed.
 *
 * <p>Not {@code @Sharable}: it holds per-channel state, confined to the channel's event loop.
 */
public final class LineBatchDecoder extends ChannelInboundHandlerAdapter {

    private static final byte LF = '\n';
    private static final byte CR = '\r';

    private final int maxLineBytes;
    /** The start of an unfinished line, without an LF, at most {@code maxLineBytes + 1} bytes; null when none. */
    private ByteBuf pending;
    /** True while skipping the rest of an overlong line, up to and including its LF. */
    private boolean discarding;
    /** True once the input ended and the last line was delivered: later reads are dropped. */
    private boolean inputClosed;
    /** Whether this read batch passed anything on, so a paused channel is not left waiting for input it never asked for. */
    private boolean firedChannelRead;

    public LineBatchDecoder() {
        this(LineFrameDecoder.DEFAULT_MAX_LINE_BYTES);
    }

    public LineBatchDecoder(int maxLineBytes) {
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
        return pending == null ? 0 : pending.readableBytes();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (inputClosed) {
            in.release();
            return;
        }
        boolean owned = true;
        try {
            owned = decode(ctx, in);
        } finally {
            if (owned) {
                in.release();
            }
        }
    }

    /**
     * Passes on the lines of one read. Returns true if {@code in} is still the caller's to release, false
     * if it went on as a batch's content.
     */
    private boolean decode(ChannelHandlerContext ctx, ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        if (discarding) {
            int lf = in.indexOf(start, end, LF);
            if (lf < 0) {
                return true;
            }
            discarding = false;
            start = lf + 1;
        }
        if (pending != null && start < end) {
            start = completePending(ctx, in, start, end);
        }
        if (start == end) {
            return true;
        }
        // Searching backwards: a read usually ends on a line end, so this finds it at once.
        int lastLf = in.indexOf(end, start, LF);
        if (lastLf < 0) {
            hold(ctx, in, start, end);
            return true;
        }
        int linesEnd = lastLf + 1;
        // The tail is copied before the read buffer is passed on, but a tail already too long is
        // reported after the lines before it.
        boolean tailTooLong = end - linesEnd > maxLineBytes + 1;
        if (linesEnd < end && !tailTooLong) {
            hold(ctx, in, linesEnd, end);
        }
        boolean ownedStill;
        // No line can be over the limit if all of them together are not; without a CR, each ends in a lone LF.
        if (lastLf - start <= maxLineBytes && in.indexOf(start, lastLf, CR) < 0) {
            // The read buffer becomes the batch's content: its bytes up to the last LF are the lines.
            in.setIndex(start, linesEnd);
            fire(ctx, new LineBatch(in, -1, -1, true));
            ownedStill = false;
        } else {
            ownedStill = splitLines(ctx, in, start, linesEnd);
        }
        if (tailTooLong) {
            discarding = true;
            fire(ctx, new LineTooLong(maxLineBytes));
        }
        return ownedStill;
    }

    /**
     * Ends the pending line with the bytes of {@code in} from {@code start}, if they hold its LF, and
     * passes it on; otherwise adds them to it, or gives it up as too long. Returns where the rest of
     * {@code in} starts.
     */
    private int completePending(ChannelHandlerContext ctx, ByteBuf in, int start, int end) {
        int lf = in.indexOf(start, end, LF);
        int held = pending.readableBytes();
        if (lf < 0) {
            if (held + end - start > maxLineBytes + 1) {
                // One byte of slack was for a CR; past it, the line is over the limit whatever comes next.
                dropPending();
                discarding = true;
                fire(ctx, new LineTooLong(maxLineBytes));
            } else {
                pending.writeBytes(in, start, end - start);
            }
            return end;
        }
        boolean cr = lf > start ? in.getByte(lf - 1) == CR : pending.getByte(pending.writerIndex() - 1) == CR;
        int length = held + lf - start - (cr ? 1 : 0);
        if (length > maxLineBytes) {
            dropPending();
            fire(ctx, new LineTooLong(maxLineBytes));
        } else {
            ByteBuf line = pending.writeBytes(in, start, lf + 1 - start);
            pending = null;
            fire(ctx, new LineBatch(line, 1, length, !cr));
        }
        return lf + 1;
    }

    /**
     * The careful path for complete lines {@code [start, linesEnd)} that may hold a CR or an overlong
     * line: line by line, one batch per run of lines between overlong ones. The last batch is the read
     * buffer itself, earlier ones are retained slices of it. Returns true if {@code in} is still the
     * caller's to release.
     */
    private boolean splitLines(ChannelHandlerContext ctx, ByteBuf in, int start, int linesEnd) {
        int batchStart = start;
        int size = 0;
        int lineBytes = 0;
        boolean lfOnly = true;
        int from = start;
        while (from < linesEnd) {
            int lf = in.indexOf(from, linesEnd, LF);
            int length = lf - from;
            boolean cr = length > 0 && in.getByte(lf - 1) == CR;
            if (cr) {
                length--;
            }
            if (length > maxLineBytes) {
                if (size > 0) {
                    fire(ctx, new LineBatch(in.retainedSlice(batchStart, from - batchStart), size, lineBytes, lfOnly));
                }
                fire(ctx, new LineTooLong(maxLineBytes));
                batchStart = lf + 1;
                size = 0;
                lineBytes = 0;
                lfOnly = true;
            } else {
                size++;
                lineBytes += length;
                lfOnly &= !cr;
            }
            from = lf + 1;
        }
        if (size == 0) {
            return true;
        }
        in.setIndex(batchStart, linesEnd);
        fire(ctx, new LineBatch(in, size, lineBytes, lfOnly));
        return false;
    }

    /** Keeps {@code [from, end)}, a line without its LF yet, or gives it up at once if it is already too long. */
    private void hold(ChannelHandlerContext ctx, ByteBuf in, int from, int end) {
        int length = end - from;
        if (length > maxLineBytes + 1) {
            discarding = true;
            fire(ctx, new LineTooLong(maxLineBytes));
            return;
        }
        // A copy, so the read buffer (and its pooled memory) is not held for a few bytes.
        pending = ctx.alloc().buffer(Math.min(maxLineBytes + 2, Math.max(length, 256)));
        pending.writeBytes(in, from, length);
    }

    private void dropPending() {
        pending.release();
        pending = null;
    }

    private void fire(ChannelHandlerContext ctx, Object message) {
        firedChannelRead = true;
        ctx.fireChannelRead(message);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // A read that only added to the pending line passed nothing on; with auto-read off nobody else
        // would ask for the rest of that line.
        if (!firedChannelRead && !ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
        firedChannelRead = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded(ctx);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inputEnded(ctx);
        ctx.fireChannelInactive();
    }

    /** Delivers the unterminated last line, if any, as the input's last batch; only once. */
    private void inputEnded(ChannelHandlerContext ctx) {
        if (inputClosed) {
            return;
        }
        inputClosed = true;
        discarding = false;
        if (pending == null) {
            return;
        }
        ByteBuf line = pending;
        pending = null;
        int length = line.readableBytes();
        if (line.getByte(line.writerIndex() - 1) == CR) {
            length--;
        }
        // The slack byte kept for a CR is no longer needed: the last line obeys the limit too.
        if (length > maxLineBytes) {
            line.release();
            fire(ctx, new LineTooLong(maxLineBytes));
        } else {
            fire(ctx, new LineBatch(line, 1, length, false));
        }
        firedChannelRead = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pending != null) {
            dropPending();
        }
    }
}
