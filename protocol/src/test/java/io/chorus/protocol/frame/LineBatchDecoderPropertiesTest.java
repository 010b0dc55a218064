package io.chorus.protocol.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * {@link LineBatchDecoder}, fed arbitrary bytes cut at arbitrary points, yields the same lines and
 * {@link LineTooLong} markers in the same order as the reference splitter (and so as
 * {@link LineFrameDecoder}), never holds more than {@code max + 1} bytes, describes each batch's
 * content truthfully, and releases every buffer.
 */
class LineBatchDecoderPropertiesTest {

    private final LineFrameDecoderPropertiesTest shared = new LineFrameDecoderPropertiesTest();

    @AfterContainer
    static void noLeaks() throws InterruptedException {
        assertThat(LeakGuard.collect()).isEmpty();
    }

    @Property(tries = 3000)
    void decodesLikeTheReferenceSplitter(@ForAll("streams") byte[] input, @ForAll("cuts") List<Integer> cuts,
            @ForAll @IntRange(min = 1, max = 24) int max) {
        assertThat(decode(input, cuts, max)).isEqualTo(LineFrameDecoderPropertiesTest.reference(input, max));
    }

    @Property(tries = 300)
    void decodesLikeTheReferenceSplitterAtTheDefaultLimit(@ForAll("longStreams") byte[] input,
            @ForAll("cuts") List<Integer> cuts) {
        int max = LineFrameDecoder.DEFAULT_MAX_LINE_BYTES;
        assertThat(decode(input, cuts, max)).isEqualTo(LineFrameDecoderPropertiesTest.reference(input, max));
    }

    @Property(tries = 1000)
    void anyBytesAnySplitsNeverThrowNorLeak(@ForAll byte[] input, @ForAll("cuts") List<Integer> cuts,
            @ForAll @IntRange(min = 1, max = 64) int max) {
        assertThat(decode(input, cuts, max)).isNotNull();
    }

    @Provide
    Arbitrary<byte[]> streams() {
        return shared.streams();
    }

    @Provide
    Arbitrary<byte[]> longStreams() {
        return shared.longStreams();
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, 1000).list().ofMaxSize(30);
    }

    /** Runs the input through a fresh decoder in pieces, then ends it; returns the lines (as text) and markers. */
    private static List<Object> decode(byte[] input, List<Integer> cuts, int max) {
        LineBatchDecoder framer = new LineBatchDecoder(max);
        EmbeddedChannel channel = new EmbeddedChannel(framer);
        List<Object> out = new ArrayList<>();
        try {
            int from = 0;
            for (int to : positions(input.length, cuts)) {
                ByteBuf piece = PooledByteBufAllocator.DEFAULT.buffer(Math.max(1, to - from));
                piece.writeBytes(input, from, to - from);
                channel.writeInbound(piece);
                channel.checkException();
                assertThat(framer.bufferedBytes()).as("bytes held after %d of %d", to, input.length)
                        .isLessThanOrEqualTo(max + 1);
                take(channel, out);
                from = to;
            }
            channel.finish();
            take(channel, out);
            channel.checkException();
            return out;
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static void take(EmbeddedChannel channel, List<Object> out) {
        Object message;
        while ((message = channel.readInbound()) != null) {
            if (message instanceof LineBatch batch) {
                try {
                    out.addAll(lines(batch));
                } finally {
                    batch.release();
                }
            } else if (message instanceof LineTooLong) {
                out.add(message);
            } else {
                ReferenceCountUtil.release(message);
                throw new AssertionError("unexpected message " + message.getClass().getName());
            }
        }
    }

    /** The batch's lines as text, after checking that its content and counts are what it claims. */
    private static List<String> lines(LineBatch batch) {
        ByteBuf content = batch.content();
        int readerIndex = content.readerIndex();
        List<String> lines = new ArrayList<>();
        StringBuilder lfJoined = new StringBuilder();
        int[] bytes = {0};
        batch.forEachLine((buf, index, length) -> {
            assertThat(buf).isSameAs(content);
            lines.add(buf.toString(index, length, StandardCharsets.UTF_8));
            lfJoined.append(buf.toString(index, length, StandardCharsets.ISO_8859_1)).append('\n');
            bytes[0] += length;
        });
        assertThat(content.readerIndex()).as("visiting leaves the indices alone").isEqualTo(readerIndex);
        assertThat(lines).hasSize(batch.size()).isNotEmpty();
        assertThat(batch.lineBytes()).isEqualTo(bytes[0]);
        String whole = content.toString(StandardCharsets.ISO_8859_1);
        assertThat(whole.equals(lfJoined.toString())).as("content %s is every line + LF", batch)
                .isEqualTo(batch.isLfTerminated());
        return lines;
    }

    private static TreeSet<Integer> positions(int length, List<Integer> cuts) {
        TreeSet<Integer> positions = new TreeSet<>();
        for (int cut : cuts) {
            int at = (int) ((long) length * cut / 1000);
            if (at > 0 && at < length) {
                positions.add(at);
            }
        }
        positions.add(length);
        return positions;
    }
}
