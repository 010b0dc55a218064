package io.chorus.server.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RawEchoServerHandlerTest {

    private static String text(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    @Test
    void eachChunkComesBackAfterThePrefixWithNoNewlineNeeded() {
        EmbeddedChannel ch = new EmbeddedChannel(new RawEchoServerHandler("Echo: "));
        ByteBuf chunk = Unpooled.copiedBuffer("Hello, server!", StandardCharsets.UTF_8);
        ch.writeInbound(chunk);
        ByteBuf prefix = ch.readOutbound();
        ByteBuf data = ch.readOutbound();
        // The received buffer itself goes back: no copy of the payload.
        assertThat(data).isSameAs(chunk);
        assertThat(text(prefix) + text(data)).isEqualTo("Echo: Hello, server!");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void everyChunkGetsItsOwnPrefixAndBytesAreNotInterpreted() {
        EmbeddedChannel ch = new EmbeddedChannel(new RawEchoServerHandler(">"));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'a', '\n', 'b'}));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xFF, 0, '\r'}));
        StringBuilder back = new StringBuilder();
        for (ByteBuf out; (out = ch.readOutbound()) != null; ) {
            back.append(out.toString(StandardCharsets.ISO_8859_1));
            out.release();
        }
        assertThat(back.toString()).isEqualTo(">a\nb>\u00ff\u0000\r");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void withoutAPrefixTheChunkIsTheWholeReply() {
        EmbeddedChannel ch = new EmbeddedChannel(new RawEchoServerHandler(""));
        ByteBuf chunk = Unpooled.copiedBuffer("abc", StandardCharsets.UTF_8);
        ch.writeInbound(chunk);
        ByteBuf out = ch.readOutbound();
        assertThat(out).isSameAs(chunk);
        assertThat(text(out)).isEqualTo("abc");
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void oneHandlerServesManyChannelsWithoutMixingThePrefixUp() {
        RawEchoServerHandler shared = new RawEchoServerHandler("Echo: ");
        EmbeddedChannel a = new EmbeddedChannel(shared);
        EmbeddedChannel b = new EmbeddedChannel(shared);
        a.writeInbound(Unpooled.copiedBuffer("1", StandardCharsets.UTF_8));
        b.writeInbound(Unpooled.copiedBuffer("2", StandardCharsets.UTF_8));
        a.writeInbound(Unpooled.copiedBuffer("3", StandardCharsets.UTF_8));
        assertThat(text(a.readOutbound()) + text(a.readOutbound()) + text(a.readOutbound()) + text(a.readOutbound()))
                .isEqualTo("Echo: 1Echo: 3");
        assertThat(text(b.readOutbound()) + text(b.readOutbound())).isEqualTo("Echo: 2");
        assertThat(a.finish()).isFalse();
        assertThat(b.finish()).isFalse();
    }

    @Test
    void halfCloseFlushesAndCloses() {
        EmbeddedChannel ch = new EmbeddedChannel(new RawEchoServerHandler(""));
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        ch.writeInbound(Unpooled.copiedBuffer("bye", StandardCharsets.UTF_8));
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(text(ch.readOutbound())).isEqualTo("bye");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void modesParseFromTheirNames() {
        assertThat(EchoMode.parse("raw")).isEqualTo(EchoMode.RAW);
        assertThat(EchoMode.parse(" LINE ")).isEqualTo(EchoMode.LINE);
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> EchoMode.parse("lines"))
                .withMessageContaining("raw or line");
    }
}
