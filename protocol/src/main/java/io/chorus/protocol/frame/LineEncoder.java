package io.chorus.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Encodes a {@link CharSequence} as one UTF-8 line terminated by LF. {@link ByteBuf}s pass through
 * untouched, so a handler can also write pre-encoded lines.
 *
 * <p>Stateless, so one {@link #INSTANCE} serves every channel.
 */
@Sharable
public final class LineEncoder extends MessageToMessageEncoder<CharSequence> {

    public static final LineEncoder INSTANCE = new LineEncoder();

    private LineEncoder() {
        super(CharSequence.class);
    }

    /** Allocates a buffer holding {@code line} as UTF-8 plus LF; the caller owns it. */
    public static ByteBuf encode(ByteBufAllocator alloc, CharSequence line) {
        int bytes = ByteBufUtil.utf8Bytes(line);
        ByteBuf buf = alloc.buffer(bytes + 1);
        ByteBufUtil.reserveAndWriteUtf8(buf, line, bytes);
        buf.writeByte('\n');
        return buf;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, CharSequence msg, List<Object> out) {
        out.add(encode(ctx.alloc(), msg));
    }
}
