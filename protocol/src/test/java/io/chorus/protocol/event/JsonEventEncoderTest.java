package io.chorus.protocol.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class JsonEventEncoderTest {

    private static final EventEncoder JSON = JsonEventEncoder.INSTANCE;

    private static Map<String, Object> encode(Event event) {
        return JsonTree.parseLine(JSON.encodeToString(event));
    }

    @Test
    void welcome() {
        assertThat(encode(new Event.Welcome("guest-1", "lobby", "chorus"))).containsExactly(
                entry("type", "welcome"), entry("nick", "guest-1"), entry("room", "lobby"), entry("server", "chorus"));
    }

    @Test
    void liveMessageHasNoReplayField() {
        assertThat(encode(new Event.Message("lobby", "alice", "hello", 7, SampleEvents.TS, false))).containsExactly(
                entry("type", "message"), entry("room", "lobby"), entry("from", "alice"), entry("text", "hello"),
                entry("id", 7L), entry("ts", "2026-11-25T11:17:58.123Z"));
    }

    @Test
    void replayedMessageSaysSo() {
        assertThat(encode(new Event.Message("lobby", "alice", "hello", 7, SampleEvents.TS, true)))
                .containsEntry("replay", true);
    }

    @Test
    void action() {
        assertThat(encode(new Event.Action("dev", "bob", "waves", Long.MAX_VALUE, SampleEvents.TS, true)))
                .containsExactly(entry("type", "action"), entry("room", "dev"), entry("from", "bob"),
                        entry("text", "waves"), entry("id", Long.MAX_VALUE), entry("ts", "2026-11-25T11:17:58.123Z"),
                        entry("replay", true));
    }

    @Test
    void timestampAlwaysHasThreeFractionDigits() {
        Instant wholeSecond = Instant.parse("2026-01-02T03:04:05Z");
        assertThat(encode(new Event.Private("a", "b", "t", wholeSecond))).containsEntry("ts", "2026-01-02T03:04:05.000Z");
    }

    @Test
    void privateMessage() {
        assertThat(encode(new Event.Private("alice", "bob", "psst", SampleEvents.TS))).containsExactly(
                entry("type", "private"), entry("from", "alice"), entry("to", "bob"), entry("text", "psst"),
                entry("ts", "2026-11-25T11:17:58.123Z"));
    }

    @Test
    void joinAndLeave() {
        assertThat(encode(new Event.Join("lobby", "bob")))
                .containsExactly(entry("type", "join"), entry("room", "lobby"), entry("nick", "bob"));
        assertThat(encode(new Event.Leave("lobby", "bob", "bye", true))).containsExactly(entry("type", "leave"),
                entry("room", "lobby"), entry("nick", "bob"), entry("reason", "bye"), entry("quit", true));
        assertThat(encode(new Event.Leave("lobby", "bob", null, false)))
                .containsEntry("reason", "").containsEntry("quit", false);
    }

    @Test
    void nickChangeOmitsAMissingRoom() {
        assertThat(encode(new Event.NickChange("lobby", "alice", "bob"))).containsExactly(
                entry("type", "nick"), entry("old", "alice"), entry("new", "bob"), entry("room", "lobby"));
        assertThat(encode(new Event.NickChange(null, "alice", "bob")))
                .containsExactly(entry("type", "nick"), entry("old", "alice"), entry("new", "bob"));
    }

    @Test
    void whoRoomsAndHelpUseArrays() {
        assertThat(encode(new Event.Who("lobby", List.of("alice", "bob")))).containsExactly(
                entry("type", "who"), entry("room", "lobby"), entry("nicks", List.of("alice", "bob")));
        assertThat(encode(new Event.Rooms(List.of(new Event.RoomInfo("dev", 1), new Event.RoomInfo("lobby", 3)))))
                .containsExactly(entry("type", "rooms"), entry("rooms", List.of(
                        Map.of("name", "dev", "members", 1L), Map.of("name", "lobby", "members", 3L))));
        assertThat(encode(new Event.Rooms(List.of()))).containsEntry("rooms", List.of());
        // Read-only watchers are counted apart, and only where there are some.
        assertThat(encode(new Event.Rooms(List.of(new Event.RoomInfo("news", 2, 3))))).containsEntry("rooms",
                List.of(Map.of("name", "news", "members", 2L, "watchers", 3L)));
        assertThat(encode(new Event.Help(List.of("/a x", "/b y"))))
                .containsExactly(entry("type", "help"), entry("lines", List.of("/a x", "/b y")));
    }

    @Test
    void historyEnd() {
        assertThat(encode(new Event.HistoryEnd("lobby", false, 12, 3, 14))).containsExactly(
                entry("type", "history"), entry("room", "lobby"), entry("complete", false), entry("messages", 12L),
                entry("first", 3L), entry("last", 14L));
    }

    @Test
    void pongErrorNotice() {
        assertThat(encode(new Event.Pong(""))).containsExactly(entry("type", "pong"), entry("token", ""));
        assertThat(encode(new Event.Error("nick-taken", "bob is already in use"))).containsExactly(
                entry("type", "error"), entry("code", "nick-taken"), entry("message", "bob is already in use"));
        assertThat(encode(new Event.Notice("hi"))).containsExactly(entry("type", "notice"), entry("text", "hi"));
    }

    @Test
    void errorsAndNoticesClientsActOnCarryTheirRoomOrNick() {
        assertThat(encode(Event.Error.aboutRoom(ErrorCode.NOT_IN_ROOM, "you are not in #dev", "dev"))).containsExactly(
                entry("type", "error"), entry("code", "not-in-room"), entry("message", "you are not in #dev"),
                entry("room", "dev"));
        assertThat(encode(Event.Error.aboutNick(ErrorCode.NICK_TAKEN, "bob is already in use", "bob"))).containsExactly(
                entry("type", "error"), entry("code", "nick-taken"), entry("message", "bob is already in use"),
                entry("nick", "bob"));
        assertThat(encode(Event.Notice.of(NoticeKind.CURRENT_ROOM, "#dev is now your current room", "dev", null)))
                .containsExactly(entry("type", "notice"), entry("text", "#dev is now your current room"),
                        entry("code", "current-room"), entry("room", "dev"));
        assertThat(encode(Event.Notice.of(NoticeKind.ECHO_ON, "echo is on"))).containsExactly(
                entry("type", "notice"), entry("text", "echo is on"), entry("code", "echo-on"));
    }

    @Test
    void welcomeNamesTheServerRunWhenItHasOne() {
        assertThat(encode(new Event.Welcome("guest-1", "lobby", "chorus", "r1"))).containsExactly(
                entry("type", "welcome"), entry("nick", "guest-1"), entry("room", "lobby"), entry("server", "chorus"),
                entry("run", "r1"));
    }

    @Test
    void unknownIsWrittenAsItCame() {
        String json = "{\"type\":\"future\",  \"x\":[1,2]}";
        assertThat(JSON.encodeToString(new Event.Unknown("future", json))).isEqualTo(json + "\n");
    }

    @Test
    void escapesQuotesBackslashesNewlinesAndControls() {
        String hostile = "say \"hi\" \\ back\nslash\r\t\u0000\u001b[2J";
        String line = JSON.encodeToString(new Event.Notice(hostile));
        assertThat(line).contains("say \\\"hi\\\" \\\\ back\\nslash\\r\\t\\u0000\\u001B[2J");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        assertThat(JsonTree.parseLine(line)).containsEntry("text", hostile);
    }

    @Test
    void writesUnicodeAsUtf8AndEmojiAsFourBytes() {
        String text = "caf\u00e9 \u4e2d\u6587 \ud83d\ude00 \u2028";
        Event event = new Event.Message("lobby", "\u00e9lise", text, 1, SampleEvents.TS, false);
        ByteBuf buf = JSON.encode(event, PooledByteBufAllocator.DEFAULT);
        try {
            String line = buf.toString(StandardCharsets.UTF_8);
            assertThat(line).contains("\"text\":\"" + text + "\"").doesNotContain("\\ud83d");
            assertThat(JsonTree.parseLine(line)).containsEntry("text", text).containsEntry("from", "\u00e9lise");
        } finally {
            buf.release();
        }
    }

    @Test
    void loneSurrogatesAreEscapedNotFatal() {
        assertThat(JsonTree.parseLine(JSON.encodeToString(new Event.Notice("x\ud800y"))))
                .containsEntry("text", "x\ud800y");
    }

    static Stream<SampleEvents.Sample> samples() {
        return SampleEvents.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void everyEventIsOneExactlySizedLineWithItsType(SampleEvents.Sample sample) {
        ByteBuf buf = JSON.encode(sample.event(), PooledByteBufAllocator.DEFAULT);
        try {
            String line = buf.toString(StandardCharsets.UTF_8);
            assertThat(JsonTree.parseLine(line)).containsEntry("type", sample.event().type());
            assertThat(buf.capacity()).isEqualTo(buf.readableBytes());
        } finally {
            buf.release();
        }
    }

    @Test
    void bigEventsGrowTheBuffer() {
        String text = "\u00e9".repeat(20_000);
        ByteBuf buf = JSON.encode(new Event.Notice(text), PooledByteBufAllocator.DEFAULT);
        try {
            assertThat(JsonTree.parseLine(buf.toString(StandardCharsets.UTF_8))).containsEntry("text", text);
        } finally {
            buf.release();
        }
    }

    @Test
    void releasesTheBufferWhenWritingFails() {
        FailingAllocator alloc = new FailingAllocator();
        assertThatThrownBy(() -> JSON.encode(new Event.Notice("long enough to overflow"), alloc))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(alloc.handedOut).isNotEmpty().allSatisfy(buf -> assertThat(buf.refCnt()).isZero());

        FailingAllocator rawAlloc = new FailingAllocator();
        assertThatThrownBy(() -> JSON.encode(new Event.Unknown("x", "{\"type\":\"x\"}"), rawAlloc))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(rawAlloc.handedOut).isNotEmpty().allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
    }
}
