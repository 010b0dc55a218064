package io.chorus.server.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.chorus.protocol.frame.LineTooLong;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineEchoServerHandlerTest {

    private static EmbeddedChannel channel(int maxLine, String prefix) {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(maxLine), new LineEchoServerHandler(prefix));
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        return ch;
    }

    private static String readText(EmbeddedChannel ch) {
        ByteBuf out = ch.readOutbound();
        try {
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
    }

    @Test
    void echoesEveryLineWithPrefixAndLf() {
        EmbeddedChannel ch = channel(16, "Echo: ");
        ch.writeInbound(Unpooled.copiedBuffer("hello\r\nworld\n", StandardCharsets.UTF_8));
        assertThat(readText(ch)).isEqualTo("Echo: hello\nEcho: world\n");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void oneReadOfManyLinesIsOneWrite() {
        EmbeddedChannel ch = channel(64, "");
        StringBuilder sent = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            sent.append("line ").append(i).append('\n');
        }
        ch.writeInbound(Unpooled.copiedBuffer(sent, StandardCharsets.UTF_8));
        assertThat(readText(ch)).isEqualTo(sent.toString());
        assertThat((Object) ch.readOutbound()).as("a second write").isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aBatchLargerThanTheCapIsWrittenInPiecesThatKeepEveryLine() {
        EmbeddedChannel ch = channel(4096, "");
        String line = "y".repeat(999) + "\n";
        int lines = 3 * LineEchoServerHandler.MAX_BATCH_BYTES / line.length();
        ch.writeInbound(Unpooled.copiedBuffer(line.repeat(lines), StandardCharsets.UTF_8));
        StringBuilder back = new StringBuilder();
        int writes = 0;
        for (ByteBuf out; (out = ch.readOutbound()) != null; writes++) {
            assertThat(out.readableBytes()).isLessThan(LineEchoServerHandler.MAX_BATCH_BYTES + line.length());
            back.append(out.toString(StandardCharsets.UTF_8));
            out.release();
        }
        assertThat(back.toString()).isEqualTo(line.repeat(lines));
        assertThat(writes).isBetween(3, 4);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void answersAnOverlongLineWithAnErrorAndGoesOn() {
        EmbeddedChannel ch = channel(4, "");
        ch.writeInbound(Unpooled.copiedBuffer("toolong\nok\n", StandardCharsets.UTF_8));
        assertThat(readText(ch)).isEqualTo("!!! line-too-long: line longer than 4 bytes was discarded\nok\n");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void theErrorLineComesFromOneHelper() {
        ByteBuf reply = LineEchoServerHandler.lineTooLongReply(new LineTooLong(4096), UnpooledByteBufAllocator.DEFAULT);
        try {
            assertThat(reply.toString(StandardCharsets.UTF_8))
                    .isEqualTo("!!! line-too-long: line longer than 4096 bytes was discarded\n");
        } finally {
            reply.release();
        }
    }

    @Test
    void halfCloseEchoesTheUnterminatedLastLineAndCloses() {
        EmbeddedChannel ch = channel(64, "> ");
        ch.writeInbound(Unpooled.copiedBuffer("one\ntwo", StandardCharsets.UTF_8));
        assertThat(readText(ch)).isEqualTo("> one\n");
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(readText(ch)).isEqualTo("> two\n");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void repliesNotYetWrittenAreReleasedWhenTheChannelGoes() {
        EmbeddedChannel ch = channel(64, "");
        // Without a read-complete the batch stays with the handler; closing must free it (LeakGuard checks).
        ch.pipeline().fireChannelRead(Unpooled.copiedBuffer("pending\n", StandardCharsets.UTF_8));
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }
}
