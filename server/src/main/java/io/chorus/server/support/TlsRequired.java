package io.chorus.server.support;

import io.chorus.protocol.event.ErrorCode;
import io.chorus.protocol.event.ErrorLine;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import java.util.List;

/**
 * First handler on a TLS port: looks at the first byte, and either puts the SSL handler in its
 * place, or, for a client speaking plain text, answers with one readable {@code tls-required} error
 * line and closes, instead of a TLS alert the user cannot read.
 *
 * <p>Per channel; it removes itself after the first decision.
 */
public final class TlsRequired extends ByteToMessageDecoder {

    /** Error code a plain-text client sees on a TLS port. */
    public static final ErrorCode ERROR = ErrorCode.TLS_REQUIRED;
    /** {@link #ERROR} as it is on the wire, kept for callers that compare strings. */
    public static final String CODE = ERROR.wire();
    /** Every TLS 1.2+ client opens with a handshake record, whose first byte is this content type. */
    private static final int HANDSHAKE = 0x16;

    private final SslContext context;
    private final String hint;

    public TlsRequired(SslContext context, String hint) {
        this.context = context;
        this.hint = hint;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        // One byte decides, so a short plain line such as "hi" is answered at once.
        if (in.getUnsignedByte(in.readerIndex()) == HANDSHAKE) {
            ctx.pipeline().replace(this, "tls", context.newHandler(ctx.alloc()));
            return;
        }
        in.skipBytes(in.readableBytes());
        // Ours until written; the write releases it.
        ByteBuf line = ErrorLine.encode(ERROR, "this port speaks TLS; " + hint, ctx.alloc());
        ctx.writeAndFlush(line).addListener(ChannelFutureListener.CLOSE);
    }
}
