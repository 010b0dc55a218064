package io.chorus.server.echo;

import io.chorus.protocol.event.ErrorCode;
import io.chorus.protocol.event.ErrorLine;
import io.chorus.protocol.frame.LineBatch;
import io.chorus.protocol.frame.LineTooLong;
import io.chorus.server.support.ChannelErrors;
import io.chorus.server.support.ReadPause;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Line echo: writes every line back to its sender after the optional prefix, terminated by LF, and
 * answers an overlong line with one {@code line-too-long} error line.
 *
 * <p>Lines arrive as {@link LineBatch}es from {@code LineBatchDecoder}, all complete lines of one read
 * in one message (single {@link ByteBuf} frames from {@code LineFrameDecoder} are accepted too), and
 * are echoed byte for byte, so the echo port never re-encodes text. Without a prefix, a batch whose
 * lines all end in a lone LF already is its own reply, and its bytes are written back as they are,
 * like the raw echo (or appended to replies already gathered in the same read batch, to keep order
 * and one write). Otherwise the replies of one read batch are gathered into one buffer, which is
 * written once when the read batch ends (or earlier, once it holds {@value #MAX_BATCH_BYTES} bytes),
 * so a read carrying many short lines costs one write and one outbound entry, not one per line.
 *
 * <p>Ownership: each line batch or frame is released here after it is copied into the batch, or its
 * content (often the very buffer the transport read into) is handed to the transport as it is, taking
 * the batch's one reference with it, and the transport releases it once written; the gathered
 * batch belongs to this handler until it is written, then to the transport, and is released here if
 * the channel goes away first. A peer that does not read its echoes stops being read from (see
 * {@link ReadPause}).
 *
 * <p>Not {@code @Sharable}: the batch is per channel, confined to its event loop.
 */
public final class LineEchoServerHandler extends ChannelInboundHandlerAdapter {

    /** Replies gathered before they are written even though the read batch goes on: {@value} bytes. */
    static final int MAX_BATCH_BYTES = 64 * 1024;
    /** Smallest batch buffer allocated, so a read of a few short lines needs no resizing: {@value} bytes. */
    private static final int MIN_BATCH_CAPACITY = 1024;

    private static final Logger log = LogManager.getLogger(LineEchoServerHandler.class);

    private final EchoPrefix prefix;
    /** Replies not yet written; null when there are none. */
    private ByteBuf batch;
    /** Appends prefix + line + LF to the batch, which the caller has made room in. */
    private final LineBatch.LineVisitor copyLine;

    public LineEchoServerHandler(String prefix) {
        this(new EchoPrefix(prefix));
    }

    LineEchoServerHandler(EchoPrefix prefix) {
        this.prefix = prefix;
        byte[] head = prefix.bytes();
        this.copyLine = (content, index, length) -> {
            if (head.length > 0) {
                batch.writeBytes(head);
            }
            batch.writeBytes(content, index, length).writeByte('\n');
        };
    }

    /**
     * The line an overlong line is answered with, LF included, from the protocol's one error-line
     * encoder; the caller owns the buffer.
     */
    static ByteBuf lineTooLongReply(LineTooLong tooLong, ByteBufAllocator alloc) {
        return ErrorLine.encode(ErrorCode.LINE_TOO_LONG, tooLong.describe(), alloc);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof LineBatch lines) {
            if (batch == null && prefix.isEmpty() && lines.isLfTerminated()) {
                // The bytes read are the reply: the batch's one reference goes to the transport with its
                // content, which is released once written. Nothing is copied, counted or retained.
                ctx.write(lines.content(), ctx.voidPromise());
                ReadPause.pauseIfUnwritable(ctx);
                return;
            }
            try {
                echo(ctx, lines);
            } finally {
                lines.release();
            }
        } else if (msg instanceof ByteBuf line) {
            try {
                batch(ctx, prefix.length() + line.readableBytes() + 1)
                        .writeBytes(prefix.bytes()).writeBytes(line).writeByte('\n');
            } finally {
                line.release();
            }
        } else if (msg instanceof LineTooLong tooLong) {
            ByteBuf reply = lineTooLongReply(tooLong, ctx.alloc());
            try {
                batch(ctx, reply.readableBytes()).writeBytes(reply);
            } finally {
                reply.release();
            }
        } else {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (batch != null && batch.readableBytes() >= MAX_BATCH_BYTES) {
            writeBatch(ctx);
            ReadPause.pauseIfUnwritable(ctx);
        }
    }

    /** Echoes every line of one read by copying into the gathered replies; the caller releases the batch. */
    private void echo(ChannelHandlerContext ctx, LineBatch lines) {
        ByteBuf content = lines.content();
        if (prefix.isEmpty() && lines.isLfTerminated()) {
            // Replies are already gathered (an error line): append, to keep one write per read batch.
            batch(ctx, content.readableBytes()).writeBytes(content, content.readerIndex(), content.readableBytes());
            return;
        }
        batch(ctx, lines.lineBytes() + lines.size() * (prefix.length() + 1));
        lines.forEachLine(copyLine);
    }

    /** The batch, allocated on the first reply of a read batch, with room for {@code needed} more bytes. */
    private ByteBuf batch(ChannelHandlerContext ctx, int needed) {
        if (batch == null) {
            batch = ctx.alloc().ioBuffer(Math.max(needed, MIN_BATCH_CAPACITY));
        } else {
            batch.ensureWritable(needed);
        }
        return batch;
    }

    /** Hands the gathered replies to the transport, which releases them once written. */
    private void writeBatch(ChannelHandlerContext ctx) {
        if (batch != null) {
            ByteBuf out = batch;
            batch = null;
            ctx.write(out, ctx.voidPromise());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        writeBatch(ctx);
        ReadPause.pauseIfUnwritable(ctx);
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ReadPause.resumeIfWritable(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The decoder has already passed on the unterminated last line, if there was one.
            writeBatch(ctx);
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (batch != null) {
            batch.release();
            batch = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ChannelErrors.closeOnError(log, ctx, cause);
    }
}
