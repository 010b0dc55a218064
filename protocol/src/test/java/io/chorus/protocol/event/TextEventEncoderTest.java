package io.chorus.protocol.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chorus.protocol.command.Commands;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TextEventEncoderTest {

    private static final EventEncoder TEXT = TextEventEncoder.INSTANCE;

    static Stream<SampleEvents.Sample> samples() {
        return SampleEvents.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void encodesTheExactLines(SampleEvents.Sample sample) {
        assertThat(TEXT.encodeToString(sample.event())).isEqualTo(sample.text());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void writesIntoAnExactlySizedPooledBuffer(SampleEvents.Sample sample) {
        for (ByteBufAllocator alloc : List.of(PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT)) {
            ByteBuf buf = TEXT.encode(sample.event(), alloc);
            try {
                assertThat(buf.toString(StandardCharsets.UTF_8)).isEqualTo(sample.text());
                assertThat(buf.capacity()).isEqualTo(buf.readableBytes());
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void writesUnicodeAsUtf8() {
        Event event = new Event.Message("lobby", "\u00e9lise", "caf\u00e9 \u4e2d\u6587 \ud83d\ude00", 1,
                SampleEvents.TS, false);
        ByteBuf buf = TEXT.encode(event, PooledByteBufAllocator.DEFAULT);
        try {
            byte[] expected = "#lobby <\u00e9lise> caf\u00e9 \u4e2d\u6587 \ud83d\ude00\n".getBytes(StandardCharsets.UTF_8);
            byte[] actual = new byte[buf.readableBytes()];
            buf.getBytes(buf.readerIndex(), actual);
            assertThat(actual).isEqualTo(expected);
            assertThat(buf.capacity()).isEqualTo(expected.length);
        } finally {
            buf.release();
        }
    }

    @Test
    void welcomeOutsideAnyRoomSaysSo() {
        assertThat(TEXT.encodeToString(new Event.Welcome("alice", "", "Chorus")))
                .isEqualTo("*** Welcome to Chorus, alice! You are not in any room; /join one. Type /help for commands.\n");
    }

    @Test
    void loneSurrogateBecomesAQuestionMarkAndTheSizeStillFits() {
        Event event = new Event.Notice("x\ud800y");
        assertThat(TEXT.encodeToString(event)).isEqualTo("*** x?y\n");
    }

    @Test
    void replayTimeIsUtc() {
        Event event = new Event.Message("lobby", "alice", "late", 1, java.time.Instant.parse("2026-11-25T23:59:59.999Z"),
                true);
        assertThat(TEXT.encodeToString(event)).isEqualTo("[23:59:59] #lobby <alice> late\n");
    }

    @Test
    void helpFromTheCommandListIsOneLinePerEntry() {
        String text = TEXT.encodeToString(new Event.Help(Commands.HELP));
        assertThat(text.split("\n", -1)).hasSize(Commands.HELP.size() + 1);
        assertThat(text.lines()).allSatisfy(line -> assertThat(line).startsWith("*** "));
        assertThat(text).endsWith("\n");
    }

    @Test
    void longListsGrowThePieces() {
        List<String> nicks = Stream.iterate(0, i -> i + 1).limit(500).map(i -> "user" + i).toList();
        String text = TEXT.encodeToString(new Event.Who("big", nicks));
        assertThat(text).startsWith("*** #big: user0, user1, ").endsWith(", user499 (500 members)\n");
    }

    @Test
    void releasesTheBufferWhenWritingFails() {
        FailingAllocator alloc = new FailingAllocator();
        assertThatThrownBy(() -> TEXT.encode(new Event.Notice("long enough to overflow"), alloc))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(alloc.handedOut).isNotEmpty().allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
    }

    @Test
    void ofPicksTheSharedInstances() {
        assertThat(EventEncoder.of(OutputFormat.TEXT)).isSameAs(TextEventEncoder.INSTANCE);
        assertThat(EventEncoder.of(OutputFormat.JSON)).isSameAs(JsonEventEncoder.INSTANCE);
        assertThat(TextEventEncoder.INSTANCE.format()).isEqualTo(OutputFormat.TEXT);
        assertThat(JsonEventEncoder.INSTANCE.format()).isEqualTo(OutputFormat.JSON);
    }
}
