package io.chorus.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.support.TransportKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Feeds the raw-stream subscriber the bytes real servers send, cut into reads at every possible size,
 * and checks that every payload is found once, whatever the framing around it and wherever a read
 * boundary falls.
 */
class FanoutSubscriberHandlerTest {

    private static final int SIZE = 64;
    private static final int MESSAGES = 40;

    private static FanoutLoadConfig config(String readyLine) {
        LoadSettings settings = new LoadSettings("127.0.0.1", 7000, List.of(), TransportKind.NIO, 1, 1,
                Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), List.of());
        return new FanoutLoadConfig(settings, 1, 1, SIZE, 100, "bench", "", "", "{payload}", readyLine, Duration.ZERO);
    }

    /** MESSAGES payloads from publisher 0, each wrapped the way {@code framing} says. */
    private static byte[] stream(String framing) {
        ByteBuf out = Unpooled.buffer();
        try {
            out.writeCharSequence("* welcome to the benchmark, Chorus is here\r\n", StandardCharsets.US_ASCII);
            for (int seq = 0; seq < MESSAGES; seq++) {
                ByteBuf payload = Unpooled.buffer(SIZE);
                Payload.write(payload, System.nanoTime(), 0, seq, SIZE);
                String body = payload.toString(StandardCharsets.US_ASCII);
                payload.release();
                String line = switch (framing) {
                    case "chorus" -> "#bench <guest-7> " + body + "\n";
                    case "json" -> "{\"type\":\"message\",\"room\":\"bench\",\"text\":\"" + body + "\",\"id\":" + seq + "}\n";
                    case "redis" -> "*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$" + SIZE + "\r\n" + body + "\r\n";
                    default -> body;
                };
                out.writeCharSequence(line, StandardCharsets.US_ASCII);
            }
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            return bytes;
        } finally {
            out.release();
        }
    }

    /** Feeds {@code bytes} in reads of {@code chunk} bytes and returns the run's stats. */
    private static FanoutStats feed(byte[] bytes, int chunk, String readyLine) {
        FanoutStats stats = new FanoutStats(1, 1);
        EmbeddedChannel channel = new EmbeddedChannel(new FanoutSubscriberHandler(0, config(readyLine), stats));
        for (int at = 0; at < bytes.length; at += chunk) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, at, Math.min(chunk, bytes.length - at)));
        }
        assertThat(channel.finish()).isFalse();
        return stats;
    }

    @Test
    void findsEveryPayloadWhereverAReadEnds() {
        for (String framing : List.of("chorus", "json", "redis", "bare")) {
            byte[] bytes = stream(framing);
            for (int chunk = 1; chunk <= SIZE + 40; chunk++) {
                FanoutStats stats = feed(bytes, chunk, "");
                assertThat(stats.deliveries()).as("%s in reads of %d bytes", framing, chunk).isEqualTo(MESSAGES);
                assertThat(stats.corrupt.sum() + stats.duplicates.sum()).as("%s, %d", framing, chunk).isZero();
                assertThat(stats.perSubscriber.get(0)).isEqualTo(MESSAGES);
            }
        }
    }

    @Test
    void damagedPayloadIsCorruptAndTheRestStillCount() {
        byte[] bytes = stream("chorus");
        String text = new String(bytes, StandardCharsets.US_ASCII);
        // Break the filler of the third payload: a letter that is out of sequence.
        int third = text.indexOf("CHB1", text.indexOf("CHB1", text.indexOf("CHB1") + 1) + 1);
        int filler = third + Payload.HEADER_BYTES + 3;
        bytes[filler] = (byte) (bytes[filler] == 'z' ? 'a' : bytes[filler] + 1);

        FanoutStats stats = feed(bytes, 7, "");

        assertThat(stats.corrupt.sum()).isEqualTo(1);
        assertThat(stats.deliveries()).isEqualTo(MESSAGES - 1);
    }

    @Test
    void repeatedPayloadCountsAsDuplicate() {
        byte[] once = stream("bare");
        byte[] twice = new byte[once.length + SIZE];
        System.arraycopy(once, 0, twice, 0, once.length);
        // The last payload again, at the end of the stream.
        System.arraycopy(once, once.length - SIZE, twice, once.length, SIZE);

        FanoutStats stats = feed(twice, 13, "");

        assertThat(stats.duplicates.sum()).isEqualTo(1);
        assertThat(stats.deliveries()).isEqualTo(MESSAGES);
    }

    @Test
    void becomesReadyOnTextSplitOverReads() {
        byte[] bytes = stream("chorus");
        for (int chunk = 1; chunk <= 8; chunk++) {
            assertThat(feed(bytes, chunk, "Chorus is here").ready.get()).as("reads of %d", chunk).isEqualTo(1);
            assertThat(feed(bytes, chunk, "never sent").ready.get()).isZero();
        }
    }
}
