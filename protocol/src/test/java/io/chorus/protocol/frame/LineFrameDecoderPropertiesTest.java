package io.chorus.protocol.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * {@link LineFrameDecoder} followed by {@link Utf8LineDecoder}, fed arbitrary bytes cut at arbitrary
 * points, behaves exactly like a few lines of reference splitting, never throws out of the pipeline,
 * never holds more than {@code max + 1} bytes, and releases every buffer.
 */
class LineFrameDecoderPropertiesTest {

    /** jqwik containers are not JUnit Jupiter classes, so LeakGuard is asked directly. */
    @AfterContainer
    static void noLeaks() throws InterruptedException {
        assertThat(LeakGuard.collect()).isEmpty();
    }

    @Property(tries = 3000)
    void decodesLikeTheReferenceSplitter(@ForAll("streams") byte[] input, @ForAll("cuts") List<Integer> cuts,
            @ForAll @IntRange(min = 1, max = 24) int max) {
        assertThat(decode(input, cuts, max)).isEqualTo(reference(input, max));
    }

    @Property(tries = 500)
    void decodesLikeTheReferenceSplitterAtTheDefaultLimit(@ForAll("longStreams") byte[] input,
            @ForAll("cuts") List<Integer> cuts) {
        int max = LineFrameDecoder.DEFAULT_MAX_LINE_BYTES;
        assertThat(decode(input, cuts, max)).isEqualTo(reference(input, max));
    }

    @Property(tries = 1000)
    void anyBytesAnySplitsNeverThrowNorLeak(@ForAll byte[] input, @ForAll("cuts") List<Integer> cuts,
            @ForAll @IntRange(min = 1, max = 64) int max) {
        // decode() fails on an exception escaping the pipeline, on buffering past max + 1, and on leftovers.
        assertThat(decode(input, cuts, max)).isNotNull();
    }

    /** An unterminated last line of exactly {@code max + 1} bytes is too long, like any other. */
    @Example
    void unterminatedLastLineOfMaxPlusOneBytesIsTooLong() {
        assertThat(decode("abcde".getBytes(StandardCharsets.US_ASCII), List.of(), 4))
                .containsExactly(new LineTooLong(4));
    }

    /**
     * Runs the input through a fresh pipeline, cut at {@code cuts} (fractions of the input, in
     * thousandths), then ends the input; returns every message that came out, in order.
     */
    private static List<Object> decode(byte[] input, List<Integer> cuts, int max) {
        LineFrameDecoder framer = new LineFrameDecoder(max);
        EmbeddedChannel channel = new EmbeddedChannel(framer, Utf8LineDecoder.INSTANCE);
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
            if (message instanceof String || message instanceof LineTooLong) {
                out.add(message);
            } else {
                ReferenceCountUtil.release(message);
                throw new AssertionError("unexpected message " + message.getClass().getName());
            }
        }
    }

    /** Cut positions, ascending and distinct, ending at the input's length. */
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

    /**
     * The specification in a few lines: split on LF; drop one CR before the LF; a line longer than
     * {@code max} becomes one {@link LineTooLong}. Bytes after the last LF are a last line (a trailing
     * CR dropped too); an empty remainder is nothing.
     */
    static List<Object> reference(byte[] input, int max) {
        List<Object> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (byte b : input) {
            if (b == '\n') {
                lines.add(finish(line.toByteArray(), max));
                line.reset();
            } else {
                line.write(b);
            }
        }
        if (line.size() > 0) {
            lines.add(finish(line.toByteArray(), max));
        }
        return lines;
    }

    private static Object finish(byte[] raw, int max) {
        int length = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
        return length > max ? new LineTooLong(max) : new String(raw, 0, length, StandardCharsets.UTF_8);
    }

    /** Bytes rich in LF, CR and multi-byte UTF-8, so short limits see every kind of line. */
    @Provide
    Arbitrary<byte[]> streams() {
        Arbitrary<byte[]> piece = Arbitraries.oneOf(
                Arbitraries.of(bytes("\n"), bytes("\r\n"), bytes("\r"), bytes("\r\r\n"), bytes("a"), bytes("bc"),
                        bytes("\u00e9"), bytes("\u4e2d"), bytes("\ud83d\ude00"), new byte[] {(byte) 0xC3},
                        new byte[] {(byte) 0xFF, (byte) 0x80}, new byte[] {0}),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(4),
                Arbitraries.integers().between(1, 40).map(n -> bytes("x".repeat(n))));
        return piece.list().ofMaxSize(40).map(LineFrameDecoderPropertiesTest::concat);
    }

    /** Lines around the default limit of 4096 bytes, in LF and CRLF. */
    @Provide
    Arbitrary<byte[]> longStreams() {
        int max = LineFrameDecoder.DEFAULT_MAX_LINE_BYTES;
        Arbitrary<byte[]> line = Arbitraries.integers().between(max - 3, max + 3)
                .flatMap(n -> Arbitraries.of(bytes("\n"), bytes("\r\n"), bytes(""))
                        .map(end -> concat(List.of(bytes("y".repeat(n)), end))));
        Arbitrary<byte[]> piece = Arbitraries.oneOf(line, streams());
        return piece.list().ofMaxSize(6).map(LineFrameDecoderPropertiesTest::concat);
    }

    /** Cut points in thousandths of the input. */
    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, 1000).list().ofMaxSize(30);
    }

    private static byte[] concat(List<byte[]> pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        pieces.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Example
    void referenceSplitterSanity() {
        assertThat(reference(bytes("a\r\nbb\n\ncccc\nx\r"), 3))
                .isEqualTo(List.of("a", "bb", "", new LineTooLong(3), "x"));
        assertThat(Arrays.asList(reference(new byte[0], 3).toArray())).isEmpty();
    }
}
