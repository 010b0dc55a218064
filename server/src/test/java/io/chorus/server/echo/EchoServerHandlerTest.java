package io.chorus.server.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EchoServerHandlerTest {

    private static String readText(EmbeddedChannel ch) {
        ByteBuf out = ch.readOutbound();
        try {
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
    }

    @Test
    void echoesWithPrefixAndLf() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(16), new EchoServerHandler("Echo: "));
        ch.writeInbound(Unpooled.copiedBuffer("hello\r\nworld\n", StandardCharsets.UTF_8));
        assertThat(readText(ch)).isEqualTo("Echo: hello\n");
        assertThat(readText(ch)).isEqualTo("Echo: world\n");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void answersAnOverlongLineWithAnError() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(4), new EchoServerHandler(""));
        ch.writeInbound(Unpooled.copiedBuffer("toolong\nok\n", StandardCharsets.UTF_8));
        assertThat(readText(ch)).isEqualTo("!!! line-too-long: line longer than 4 bytes was discarded\n");
        assertThat(readText(ch)).isEqualTo("ok\n");
        assertThat(ch.finish()).isFalse();
    }
}
