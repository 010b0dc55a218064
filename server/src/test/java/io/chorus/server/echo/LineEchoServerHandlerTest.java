package io.chorus.server.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.frame.LineBatchDecoder;
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
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder(maxLine), new LineEchoServerHandler(prefix));
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
        // CR LF lines are copied (the CR goes), so the replies are gathered and the cap applies.
        EmbeddedChannel ch = channel(4096, "");
        String line = "y".repeat(999) + "\n";
        int lines = 3 * LineEchoServerHandler.MAX_BATCH_BYTES / line.length();
        String crlfLine = "y".repeat(999) + "\r\n";
        for (int i = 0; i < lines; i += 16) {
            // Reads of 16 lines, as a socket would deliver them, all before one read-complete.
            ch.pipeline().fireChannelRead(Unpooled.copiedBuffer(crlfLine.repeat(Math.min(16, lines - i)),
                    StandardCharsets.UTF_8));
        }
        ch.pipeline().fireChannelReadComplete();
        StringBuilder back = new StringBuilder();
        int writes = 0;
        for (ByteBuf out; (out = ch.readOutbound()) != null; writes++) {
            assertThat(out.readableBytes()).isLessThan(LineEchoServerHandler.MAX_BATCH_BYTES + 16 * line.length());
            back.append(out.toString(StandardCharsets.UTF_8));
            out.release();
        }
        assertThat(back.toString()).isEqualTo(line.repeat(lines));
        assertThat(writes).isBetween(3, 4);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void lfLinesWithoutPrefixGoBackAsTheBytesRead() {
        EmbeddedChannel ch = channel(64, "");
        ByteBuf read = Unpooled.directBuffer().writeBytes("one\ntwo\n\nthree\n".getBytes(StandardCharsets.UTF_8));
        ch.writeInbound(read);
        ByteBuf out = ch.readOutbound();
        try {
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("one\ntwo\n\nthree\n");
            // Not a copy: the reply shares the memory of the buffer that was read.
            read.setByte(0, 'O');
            assertThat(out.getByte(0)).isEqualTo((byte) 'O');
        } finally {
            out.release();
        }
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void mixedTerminatorsAndAPrefixAreOneWriteInOrder() {
        EmbeddedChannel ch = channel(8, "> ");
        ch.pipeline().fireChannelRead(Unpooled.copiedBuffer("a\nb\r\n", StandardCharsets.UTF_8));
        ch.pipeline().fireChannelRead(Unpooled.copiedBuffer("much too long\nc\n", StandardCharsets.UTF_8));
        ch.pipeline().fireChannelReadComplete();
        assertThat(readText(ch)).isEqualTo(
                "> a\n> b\n!!! line-too-long: line longer than 8 bytes was discarded\n> c\n");
        assertThat((Object) ch.readOutbound()).as("a second write").isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void linesCutAcrossReadsComeBackWholeWithPrefixAndWithoutCr() {
        EmbeddedChannel ch = channel(64, "> ");
        for (String piece : new String[] {"he", "llo\r", "\nwor", "ld\n", "\r\n"}) {
            ch.writeInbound(Unpooled.copiedBuffer(piece, StandardCharsets.UTF_8));
        }
        StringBuilder back = new StringBuilder();
        for (ByteBuf out; (out = ch.readOutbound()) != null; ) {
            back.append(out.toString(StandardCharsets.UTF_8));
            out.release();
        }
        assertThat(back.toString()).isEqualTo("> hello\n> world\n> \n");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aReadThatEndsAHeldLineAndCarriesMoreKeepsTheOrder() {
        EmbeddedChannel ch = channel(64, "");
        ch.writeInbound(Unpooled.copiedBuffer("first\npar", StandardCharsets.UTF_8));
        assertThat(readText(ch)).isEqualTo("first\n");
        ch.pipeline().fireChannelRead(Unpooled.copiedBuffer("tial\nnext\nlast\n", StandardCharsets.UTF_8));
        ch.pipeline().fireChannelReadComplete();
        StringBuilder back = new StringBuilder();
        for (ByteBuf out; (out = ch.readOutbound()) != null; ) {
            back.append(out.toString(StandardCharsets.UTF_8));
            out.release();
        }
        assertThat(back.toString()).isEqualTo("partial\nnext\nlast\n");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void theNoCopyReplyFollowsAnErrorLineInOneWrite() {
        // The error line is gathered first, so the LF lines after it are appended, not written ahead of it.
        EmbeddedChannel ch = channel(4, "");
        ch.pipeline().fireChannelRead(Unpooled.copiedBuffer("toolong\n", StandardCharsets.UTF_8));
        ByteBuf lfLines = Unpooled.directBuffer().writeBytes("ok\nyes\n".getBytes(StandardCharsets.UTF_8));
        ch.pipeline().fireChannelRead(lfLines);
        ch.pipeline().fireChannelReadComplete();
        assertThat(readText(ch)).isEqualTo("!!! line-too-long: line longer than 4 bytes was discarded\nok\nyes\n");
        assertThat((Object) ch.readOutbound()).as("a second write").isNull();
        assertThat(lfLines.refCnt()).as("the copied read buffer was released").isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void singleLineFramesAreEchoedToo() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(16), new LineEchoServerHandler(""));
        ch.writeInbound(Unpooled.copiedBuffer("hello\r\nworld\n", StandardCharsets.UTF_8));
        assertThat(readText(ch)).isEqualTo("hello\nworld\n");
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
        // A prefix makes the handler gather the reply rather than pass the read on.
        EmbeddedChannel ch = channel(64, "> ");
        // Without a read-complete the batch stays with the handler; closing must free it (LeakGuard checks).
        ch.pipeline().fireChannelRead(Unpooled.copiedBuffer("pending\n", StandardCharsets.UTF_8));
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }
}
