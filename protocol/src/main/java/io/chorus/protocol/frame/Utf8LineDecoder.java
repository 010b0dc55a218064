package io.chorus.protocol.frame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns the line frames of {@link LineFrameDecoder} into {@link String}s, decoding UTF-8 with every
 * invalid sequence replaced by U+FFFD. Other messages, such as {@link LineTooLong}, pass through.
 *
 * <p>Stateless, so one {@link #INSTANCE} serves every channel. It releases each frame it decodes.
 */
@Sharable
public final class Utf8LineDecoder extends MessageToMessageDecoder<ByteBuf> {

    public static final Utf8LineDecoder INSTANCE = new Utf8LineDecoder();

    private Utf8LineDecoder() {
        super(ByteBuf.class);
    }

    /** Decodes readable bytes as UTF-8; malformed input becomes U+FFFD and never throws. */
    public static String decode(ByteBuf line) {
        // ByteBuf.toString(UTF_8) goes through new String(..), whose UTF-8 decoder substitutes U+FFFD.
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        out.add(decode(msg));
    }
}
