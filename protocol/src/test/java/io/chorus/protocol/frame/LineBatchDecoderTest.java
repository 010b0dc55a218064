package io.chorus.protocol.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LineBatchDecoderTest {

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    /** A batch as the lines it carries, its LF flag and its content; the batch is released. */
    private record Seen(List<String> lines, boolean lfTerminated, String content) {
    }

    private static List<Object> drain(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        Object msg;
        while ((msg = ch.readInbound()) != null) {
            if (msg instanceof LineBatch batch) {
                List<String> lines = new ArrayList<>();
                batch.forEachLine((content, index, length) ->
                        lines.add(content.toString(index, length, StandardCharsets.UTF_8)));
                assertThat(batch.size()).isEqualTo(lines.size());
                out.add(new Seen(lines, batch.isLfTerminated(), batch.content().toString(StandardCharsets.UTF_8)));
                // The content may share its count with the decoder's buffer, so only "released once" is checked.
                int before = batch.refCnt();
                batch.release();
                assertThat(batch.refCnt()).isEqualTo(before - 1);
            } else {
                out.add(msg);
            }
        }
        return out;
    }

    @Test
    void everyLineOfOneReadComesAsOneBatch() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder());
        ch.writeInbound(bytes("a\nbb\n\nccc\npart"));
        assertThat(drain(ch)).containsExactly(new Seen(List.of("a", "bb", "", "ccc"), true, "a\nbb\n\nccc\n"));
        ch.writeInbound(bytes("ial\n"));
        assertThat(drain(ch)).containsExactly(new Seen(List.of("partial"), true, "partial\n"));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aCrBeforeLfIsDroppedAndTheBatchSaysSo() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder());
        ch.writeInbound(bytes("one\r\ntwo\n"));
        assertThat(drain(ch)).containsExactly(new Seen(List.of("one", "two"), false, "one\r\ntwo\n"));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void anOverlongLineSplitsTheBatchAndKeepsTheOrder() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder(4));
        ch.writeInbound(bytes("ab\ntoolong\ncd\nnever-ending"));
        assertThat(drain(ch)).containsExactly(
                new Seen(List.of("ab"), true, "ab\n"),
                new LineTooLong(4),
                new Seen(List.of("cd"), true, "cd\n"),
                new LineTooLong(4));
        ch.writeInbound(bytes("-still\nok\n"));
        assertThat(drain(ch)).containsExactly(new Seen(List.of("ok"), true, "ok\n"));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void theUnterminatedLastLineEndsTheLastBatch() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder());
        ch.writeInbound(bytes("first\nlast\r"));
        assertThat(drain(ch)).containsExactly(new Seen(List.of("first"), true, "first\n"));
        assertThat(ch.finish()).isTrue();
        assertThat(drain(ch)).containsExactly(new Seen(List.of("last"), false, "last\r"));
    }

    @Test
    void manyLinesGrowTheRangeTable() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder());
        StringBuilder sent = new StringBuilder();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            lines.add("line " + i);
            sent.append("line ").append(i).append('\n');
        }
        ch.writeInbound(bytes(sent.toString()));
        assertThat(drain(ch)).containsExactly(new Seen(lines, true, sent.toString()));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aReadOfWholeLfLinesIsPassedOnAsTheBufferRead() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder(64));
        ByteBuf read = Unpooled.directBuffer().writeBytes("one\ntwo\n\nthree\n".getBytes(StandardCharsets.UTF_8));
        ch.writeInbound(read);
        LineBatch batch = ch.readInbound();
        try {
            // No slice, no copy: the batch carries the very buffer that was read, and with it its one reference.
            assertThat(batch.content()).isSameAs(read);
            assertThat(read.refCnt()).isEqualTo(1);
            assertThat(batch.isLfTerminated()).isTrue();
            // Counted on demand, since the fast path does not count.
            assertThat(batch.size()).isEqualTo(4);
            assertThat(batch.lineBytes()).isEqualTo(11);
        } finally {
            batch.release();
        }
        assertThat(read.refCnt()).isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void onTheCarefulPathTheLastBatchIsStillTheBufferRead() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder(4));
        ByteBuf read = Unpooled.directBuffer().writeBytes("ab\r\ntoolong\ncd\r\nef\n".getBytes(StandardCharsets.UTF_8));
        ch.writeInbound(read);
        LineBatch first = ch.readInbound();
        assertThat((Object) ch.readInbound()).isEqualTo(new LineTooLong(4));
        LineBatch last = ch.readInbound();
        try {
            assertThat(first.content()).as("a slice before the overlong line").isNotSameAs(read);
            assertThat(first.content().toString(StandardCharsets.UTF_8)).isEqualTo("ab\r\n");
            assertThat(first.isLfTerminated()).isFalse();
            assertThat(last.content()).as("the rest is the read buffer itself").isSameAs(read);
            assertThat(last.content().toString(StandardCharsets.UTF_8)).isEqualTo("cd\r\nef\n");
            assertThat(last.size()).isEqualTo(2);
            assertThat(last.lineBytes()).isEqualTo(4);
            assertThat(last.isLfTerminated()).isFalse();
        } finally {
            first.release();
            last.release();
        }
        assertThat(read.refCnt()).as("released once both batches are").isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void anUnfinishedLineIsCopiedSoTheReadBufferIsNotHeld() {
        LineBatchDecoder decoder = new LineBatchDecoder(64);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ByteBuf read = Unpooled.directBuffer().writeBytes("a\nb\npar".getBytes(StandardCharsets.UTF_8));
        ch.writeInbound(read);
        assertThat(decoder.bufferedBytes()).isEqualTo(3);
        assertThat(drain(ch)).containsExactly(new Seen(List.of("a", "b"), true, "a\nb\n"));
        assertThat(read.refCnt()).as("the read buffer, once its lines are released").isZero();
        ch.writeInbound(bytes("t"));
        ch.writeInbound(bytes("ial\nnext\n"));
        assertThat(drain(ch)).containsExactly(
                new Seen(List.of("partial"), true, "partial\n"),
                new Seen(List.of("next"), true, "next\n"));
        assertThat(decoder.bufferedBytes()).isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aCrInsideALineIsContentAndAnySplitOfCrLfIsAllowed() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder(16));
        ch.writeInbound(bytes("a\rb\n"));
        assertThat(drain(ch)).containsExactly(new Seen(List.of("a\rb"), true, "a\rb\n"));
        ch.writeInbound(bytes("abc\r"));
        ch.writeInbound(bytes("\nx\r\n"));
        assertThat(drain(ch)).containsExactly(
                new Seen(List.of("abc"), false, "abc\r\n"),
                new Seen(List.of("x"), false, "x\r\n"));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aLineOfExactlyTheLimitPassesWithItsCrLfSplitOff() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder(4));
        // Four bytes and a CR are five, one over the limit, held until the LF shows the CR was a terminator.
        ch.writeInbound(bytes("abcd\r"));
        assertThat(drain(ch)).isEmpty();
        ch.writeInbound(bytes("\nefgh\n"));
        assertThat(drain(ch)).containsExactly(
                new Seen(List.of("abcd"), false, "abcd\r\n"),
                new Seen(List.of("efgh"), true, "efgh\n"));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void anOverlongLineIsReportedOnceWhereverTheReadsCutIt() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder(4));
        // Lines first, then a tail already past the limit: the lines come before the marker.
        ch.writeInbound(bytes("ok\nxxxxxx"));
        assertThat(drain(ch)).containsExactly(new Seen(List.of("ok"), true, "ok\n"), new LineTooLong(4));
        ch.writeInbound(bytes("xxxx"));
        ch.writeInbound(bytes("xx\naft\n"));
        assertThat(drain(ch)).as("the rest of the long line is dropped, the next line is not")
                .containsExactly(new Seen(List.of("aft"), true, "aft\n"));
        // A held start that the next read takes past the limit, with and without its LF.
        ch.writeInbound(bytes("xxx"));
        ch.writeInbound(bytes("xx\nb\n"));
        assertThat(drain(ch)).containsExactly(new LineTooLong(4), new Seen(List.of("b"), true, "b\n"));
        ch.writeInbound(bytes("xxx"));
        ch.writeInbound(bytes("xxx"));
        ch.writeInbound(bytes("x\nc\n"));
        assertThat(drain(ch)).containsExactly(new LineTooLong(4), new Seen(List.of("c"), true, "c\n"));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aHeldLineOverTheLimitAtTheEndOfInputIsReportedNotEchoed() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder(4));
        ch.writeInbound(bytes("abcde"));
        assertThat(drain(ch)).isEmpty();
        assertThat(ch.finish()).isTrue();
        assertThat(drain(ch)).containsExactly(new LineTooLong(4));
    }

    @Test
    void halfCloseDeliversTheLastLineOnceAndLaterBytesAreDropped() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBatchDecoder(16));
        ch.writeInbound(bytes("one\ntw"));
        assertThat(drain(ch)).containsExactly(new Seen(List.of("one"), true, "one\n"));
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(drain(ch)).containsExactly(new Seen(List.of("tw"), false, "tw"));
        ch.writeInbound(bytes("late\n"));
        assertThat(drain(ch)).isEmpty();
        assertThat(ch.finish()).as("nothing again at close").isFalse();
    }

    @Test
    void withAutoReadOffAReadThatOnlyAddsToAHeldLineAsksForMore() {
        AtomicInteger reads = new AtomicInteger();
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads.incrementAndGet();
                ctx.read();
            }
        }, new LineBatchDecoder(16));
        ch.config().setAutoRead(false);
        int before = reads.get();
        ch.writeInbound(bytes("no end yet"));
        assertThat(reads.get()).as("read() after a read that produced nothing").isEqualTo(before + 1);
        ch.writeInbound(bytes("\n"));
        assertThat(reads.get()).as("no read() once a line went on: the next handler decides").isEqualTo(before + 1);
        assertThat(drain(ch)).containsExactly(new Seen(List.of("no end yet"), true, "no end yet\n"));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void rejectsNonPositiveLimit() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LineBatchDecoder(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
