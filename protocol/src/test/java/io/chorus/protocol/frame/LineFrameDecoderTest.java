package io.chorus.protocol.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineFrameDecoderTest {

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static ByteBuf bytes(byte[] b) {
        return Unpooled.wrappedBuffer(b);
    }

    /** Reads every inbound message; lines become Strings (frames released), other events are kept as is. */
    private static List<Object> drain(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        Object msg;
        while ((msg = ch.readInbound()) != null) {
            if (msg instanceof ByteBuf buf) {
                out.add(buf.toString(StandardCharsets.UTF_8));
                buf.release();
            } else {
                out.add(msg);
            }
        }
        return out;
    }

    @Test
    void lineSplitAcrossManyReads() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder());
        for (char c : "hello world".toCharArray()) {
            ch.writeInbound(bytes(String.valueOf(c)));
        }
        assertThat(drain(ch)).isEmpty();
        ch.writeInbound(bytes("\n"));
        assertThat(drain(ch)).containsExactly("hello world");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void manyLinesInOneRead() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder());
        ch.writeInbound(bytes("a\nbb\nccc\ndddd\n"));
        assertThat(drain(ch)).containsExactly("a", "bb", "ccc", "dddd");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void crlfAndLfMixedAndEmptyLines() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder());
        ch.writeInbound(bytes("one\r\ntwo\n\n\r\nthree\r"));
        ch.writeInbound(bytes("\nfour\n"));
        assertThat(drain(ch)).containsExactly("one", "two", "", "", "three", "four");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void lonelyCrInsideALineIsKept() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder());
        ch.writeInbound(bytes("a\rb\n"));
        assertThat(drain(ch)).containsExactly("a\rb");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void multibyteCharacterSplitAcrossReads() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(), Utf8LineDecoder.INSTANCE);
        byte[] line = "caf\u00e9 \ud83d\ude00!\n".getBytes(StandardCharsets.UTF_8);
        for (byte b : line) {
            ch.writeInbound(bytes(new byte[] {b}));
        }
        assertThat((String) ch.readInbound()).isEqualTo("caf\u00e9 \ud83d\ude00!");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void invalidUtf8BecomesReplacementCharacter() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(), Utf8LineDecoder.INSTANCE);
        ch.writeInbound(bytes(new byte[] {'a', (byte) 0xC3, '(', 'b', (byte) 0xFF, (byte) 0xED, (byte) 0xA0, (byte) 0x80, '\n'}));
        String line = ch.readInbound();
        assertThat(line).startsWith("a\uFFFD(b\uFFFD").doesNotContain("\u00c3").endsWith("\uFFFD");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void lineAtExactlyTheLimitIsAcceptedWithLfOrCrlf() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(8));
        ch.writeInbound(bytes("12345678\n"));
        ch.writeInbound(bytes("abcdefgh\r"));
        ch.writeInbound(bytes("\n"));
        assertThat(drain(ch)).containsExactly("12345678", "abcdefgh");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void overlongCompleteLineBecomesOneEventAndTheNextLineStillWorks() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(8));
        ch.writeInbound(bytes("123456789\nok\n"));
        assertThat(drain(ch)).containsExactly(new LineTooLong(8), "ok");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void overlongLineIsReportedOnceBeforeItEndsAndTheRestIsDiscarded() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(8));
        ch.writeInbound(bytes("before\n0123456789"));
        assertThat(drain(ch)).containsExactly("before", new LineTooLong(8));
        ch.writeInbound(bytes("still the same long line"));
        ch.writeInbound(bytes("and more\r\nafter\n"));
        assertThat(drain(ch)).containsExactly("after");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void tenMegabyteLineWithoutNewlineKeepsMemoryBounded() {
        LineFrameDecoder decoder = new LineFrameDecoder(4096);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'x');
        int events = 0;
        for (int sent = 0; sent < 10 * 1024 * 1024; sent += chunk.length) {
            ch.writeInbound(bytes(chunk));
            // The decoder's cumulation is what it retains between reads.
            assertThat(decoder.bufferedBytes()).isLessThanOrEqualTo(4097);
            events += drain(ch).size();
        }
        assertThat(events).isEqualTo(1);
        ch.writeInbound(bytes("\nnext\n"));
        assertThat(drain(ch)).containsExactly("next");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void unterminatedLastLineIsDeliveredWhenInputEnds() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder());
        ch.writeInbound(bytes("one\ntwo"));
        assertThat(drain(ch)).containsExactly("one");
        ch.finish();
        assertThat(drain(ch)).containsExactly("two");
    }

    @Test
    void unterminatedOverlongLineIsNotDeliveredWhenInputEnds() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(4));
        ch.writeInbound(bytes("0123456789"));
        assertThat(drain(ch)).containsExactly(new LineTooLong(4));
        ch.finish();
        assertThat(drain(ch)).isEmpty();
    }

    @Test
    void rejectsNonPositiveLimit() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LineFrameDecoder(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
