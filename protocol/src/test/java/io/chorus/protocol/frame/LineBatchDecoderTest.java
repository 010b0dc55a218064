package io.chorus.protocol.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
    void rejectsNonPositiveLimit() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LineBatchDecoder(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
