package io.chorus.protocol.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineEncoderTest {

    @Test
    void encodesUtf8WithLf() {
        EmbeddedChannel ch = new EmbeddedChannel(LineEncoder.INSTANCE);
        ch.writeOutbound("h\u00e9llo \ud83d\ude00");
        ByteBuf out = ch.readOutbound();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("h\u00e9llo \ud83d\ude00\n");
        out.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void passesByteBufsThrough() {
        EmbeddedChannel ch = new EmbeddedChannel(LineEncoder.INSTANCE);
        ByteBuf pre = Unpooled.copiedBuffer("ready\n", StandardCharsets.UTF_8);
        ch.writeOutbound(pre);
        ByteBuf out = ch.readOutbound();
        assertThat(out).isSameAs(pre);
        out.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void roundTripsThroughTheDecoder() {
        EmbeddedChannel out = new EmbeddedChannel(LineEncoder.INSTANCE);
        EmbeddedChannel in = new EmbeddedChannel(new LineFrameDecoder(), Utf8LineDecoder.INSTANCE);
        for (String line : new String[] {"", "plain", "tab\there", "\u4f60\u597d"}) {
            out.writeOutbound(line);
            ByteBuf encoded = out.readOutbound();
            in.writeInbound(encoded);
            assertThat((String) in.readInbound()).isEqualTo(line);
        }
        assertThat(out.finish()).isFalse();
        assertThat(in.finish()).isFalse();
    }
}
