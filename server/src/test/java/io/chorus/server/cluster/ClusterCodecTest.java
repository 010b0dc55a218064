package io.chorus.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.MalformedEventException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@link ClusterCodec}: every room event and private message survives the trip between nodes, a message
 * gets the id Redis put in front of it, and anything else is refused with an exception that
 * {@code RedisBackplane.received} catches (it logs and drops the line; see {@code RedisBackplaneTest}).
 */
class ClusterCodecTest {

    private static final Instant TS = Instant.parse("2026-12-01T08:00:00.123Z");

    static List<Event> unnumbered() {
        return List.of(
                new Event.Join("lobby", "alice"),
                new Event.Leave("lobby", "alice", "gone fishing", false),
                new Event.Leave("lobby", "bob", "", true),
                new Event.NickChange("lobby", "guest-1001", "Ünïcode_nick"),
                new Event.Private("alice", "bob", "tab\tquote\" backslash\\ newline\n emoji \uD83C\uDF89", TS));
    }

    @ParameterizedTest
    @MethodSource("unnumbered")
    void anUnnumberedEventComesBackAsItWasWithItsOrigin(Event event) {
        String envelope = ClusterCodec.envelope("node-a", event);
        assertThat(envelope).startsWith("0 node-a {").doesNotContain("\n");
        assertThat(ClusterCodec.parse(envelope)).isEqualTo(new ClusterCodec.Envelope(0, "node-a", event));
    }

    @Test
    void aMessageOrActionGetsTheIdRedisPutInFrontOfItAndIsLive() {
        long id = 1_796_114_601_615_001L;
        Event.Message said = new Event.Message("lobby", "alice", "hello  there ", 0, TS, false);
        // What ClusterScripts.APPEND publishes: the id, the origin, then the JSON with id 0.
        ClusterCodec.Envelope message = ClusterCodec.parse(id + " node-b " + ClusterCodec.json(said));
        assertThat(message).isEqualTo(new ClusterCodec.Envelope(id, "node-b",
                new Event.Message("lobby", "alice", "hello  there ", id, TS, false)));

        Event.Action waved = new Event.Action("lobby", "alice", "waves", 0, TS, true);
        assertThat(ClusterCodec.parse(id + " n " + ClusterCodec.json(waved)).event())
                .as("marked live even if the JSON said replay")
                .isEqualTo(new Event.Action("lobby", "alice", "waves", id, TS, false));
    }

    @Test
    void jsonIsTheClientsWireLineWithoutItsLf() {
        String json = ClusterCodec.json(new Event.Join("lobby", "alice"));
        assertThat(json).isEqualTo("{\"type\":\"join\",\"room\":\"lobby\",\"nick\":\"alice\"}");
    }

    @Test
    void numberedLeavesOtherEventsAlone() {
        Event join = new Event.Join("lobby", "alice");
        assertThat(ClusterCodec.numbered(join, 7, true)).isSameAs(join);
        assertThat(ClusterCodec.numbered(new Event.Message("r", "a", "t", 0, TS, false), 7, true))
                .isEqualTo(new Event.Message("r", "a", "t", 7, TS, true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "0", "0 node-a", "12node-a {}", "abc node-a {\"type\":\"join\"}",
            "-", " node-a {\"type\":\"join\",\"room\":\"r\",\"nick\":\"n\"}"})
    void whatIsNotAnEnvelopeIsRefused(String garbage) {
        assertThatThrownBy(() -> ClusterCodec.parse(garbage)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0 node-a {not json", "0 node-a []", "0 node-a {\"type\":\"join\",\"room\":\"r\"}",
            "5 node-a {\"type\":\"message\",\"room\":\"r\",\"from\":\"a\",\"text\":\"t\",\"id\":0}"})
    void anEnvelopeWhoseEventIsMalformedIsRefusedByTheDecoder(String bad) {
        assertThatThrownBy(() -> ClusterCodec.parse(bad)).isInstanceOf(MalformedEventException.class);
    }

    @Test
    void anEventOfAnUnknownTypeIsPassedOnAsUnknown() {
        // A newer node may send a type this one does not know; it decodes rather than throws.
        assertThat(ClusterCodec.parse("0 node-a {\"type\":\"later\",\"x\":1}").event()).isInstanceOf(Event.Unknown.class);
    }
}
