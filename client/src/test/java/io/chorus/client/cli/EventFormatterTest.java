package io.chorus.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.JsonEventDecoder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventFormatterTest {

    private static final Instant TS = Instant.parse("2026-11-25T11:17:58.123Z");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);

    private final EventFormatter plain = new EventFormatter(false, false, CLOCK);
    private final EventFormatter colour = new EventFormatter(true, false, CLOCK);

    @Test
    void plainLinesShowTimeRoomAndSender() {
        assertThat(plain.format(new Event.Message("dev", "alice", "hi", 3, TS, false), "bob"))
                .containsExactly("11:17:58 #dev <alice> hi");
        assertThat(plain.format(new Event.Action("dev", "alice", "waves", 4, TS, true), "bob"))
                .containsExactly("11:17:58 #dev * alice waves");
        assertThat(plain.format(new Event.Private("alice", "bob", "psst", TS), "bob"))
                .containsExactly("11:17:58 [private] <alice> psst");
        assertThat(plain.format(new Event.Private("bob", "alice", "psst", TS), "bob"))
                .containsExactly("11:17:58 [private to alice] <bob> psst");
        assertThat(plain.format(new Event.Join("dev", "carol"), "bob")).containsExactly("12:00:00 #dev --> carol joined");
        assertThat(plain.format(new Event.Leave("dev", "carol", "bye", true), "bob"))
                .containsExactly("12:00:00 #dev <-- carol quit (bye)");
        assertThat(plain.format(new Event.Error("nick-taken", "bob is already in use"), "x"))
                .containsExactly("12:00:00 !!! nick-taken: bob is already in use");
        assertThat(plain.format(new Event.Who("dev", List.of("a", "b")), "x"))
                .containsExactly("12:00:00 *** #dev: a, b (2 members)");
        assertThat(plain.format(new Event.HistoryEnd("dev", false, 1, 5, 5), "x"))
                .containsExactly("12:00:00 *** end of history for #dev: 1 message, older messages are gone");
    }

    @Test
    void colourOnlyWhenAskedFor() {
        Event message = new Event.Message("dev", "alice", "hi", 3, TS, false);
        assertThat(String.join("", plain.format(message, "bob"))).doesNotContain("\u001b");
        assertThat(plain.note("x")).doesNotContain("\u001b");
        assertThat(String.join("", colour.format(message, "bob"))).contains("\u001b[").contains("alice").contains("hi");
    }

    @Test
    void jsonIsTheEventsOwnLine() {
        EventFormatter json = new EventFormatter(true, true, CLOCK);
        Event message = new Event.Message("dev", "alice", "hi", 3, TS, false);
        List<String> lines = json.format(message, "bob");
        assertThat(lines).hasSize(1);
        assertThat(JsonEventDecoder.decode(lines.get(0))).isEqualTo(message);
        assertThat(JsonEventDecoder.decode(json.note("reconnected"))).isEqualTo(new Event.Notice("reconnected"));
    }
}
