package io.chorus.protocol.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonEventDecoderTest {

    static Stream<SampleEvents.Sample> samples() {
        return SampleEvents.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void decodesWhatTheEncoderWrote(SampleEvents.Sample sample) {
        String line = JsonEventEncoder.INSTANCE.encodeToString(sample.event());
        assertThat(JsonEventDecoder.decode(line)).isEqualTo(sample.event());
    }

    @Test
    void acceptsAnyFieldOrderAndIgnoresExtraFields() {
        String line = "{\"ts\":\"2026-11-25T11:17:58.123Z\",\"id\":7,\"text\":\"hi\",\"from\":\"alice\","
                + "\"extra\":{\"nested\":[1,2.5,null,true]},\"room\":\"lobby\",\"type\":\"message\"}";
        assertThat(JsonEventDecoder.decode(line))
                .isEqualTo(new Event.Message("lobby", "alice", "hi", 7, SampleEvents.TS, false));
    }

    @Test
    void replayAndNickRoomAreOptional() {
        assertThat(JsonEventDecoder.decode("{\"type\":\"action\",\"room\":\"r\",\"from\":\"a\",\"text\":\"t\",\"id\":1,"
                + "\"ts\":\"2026-11-25T11:17:58.123Z\",\"replay\":null}"))
                .isEqualTo(new Event.Action("r", "a", "t", 1, SampleEvents.TS, false));
        assertThat(JsonEventDecoder.decode("{\"type\":\"nick\",\"old\":\"a\",\"new\":\"b\",\"room\":null}"))
                .isEqualTo(new Event.NickChange(null, "a", "b"));
    }

    @Test
    void timestampsArePrecisionTolerant() {
        Event event = JsonEventDecoder.decode("{\"type\":\"private\",\"from\":\"a\",\"to\":\"b\",\"text\":\"t\","
                + "\"ts\":\"2026-11-25T11:17:58.123456789Z\"}");
        assertThat(((Event.Private) event).ts()).isEqualTo(SampleEvents.TS);
        Event whole = JsonEventDecoder.decode("{\"type\":\"private\",\"from\":\"a\",\"to\":\"b\",\"text\":\"t\","
                + "\"ts\":\"2026-11-25T11:17:58Z\"}");
        assertThat(((Event.Private) whole).ts()).isEqualTo(Instant.parse("2026-11-25T11:17:58Z"));
    }

    @Test
    void unknownTypesAreKeptWhole() {
        String json = "{\"type\":\"typing\",\"nick\":\"bob\",\"deep\":{\"a\":[{}]}}";
        assertThat(JsonEventDecoder.decode(json + "\r\n")).isEqualTo(new Event.Unknown("typing", json));
        assertThat(TextEventEncoder.INSTANCE.encodeToString(JsonEventDecoder.decode(json)))
                .isEqualTo("*** " + json + "\n");
    }

    @Test
    void unescapesStrings() {
        Event event = JsonEventDecoder.decode(
                "{\"type\":\"notice\",\"text\":\"a\\\"b\\\\c\\nd\\u00e9\\ud83d\\ude00\\/\"}");
        assertThat(event).isEqualTo(new Event.Notice("a\"b\\c\nd\u00e9\ud83d\ude00/"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "   ",
        "not json",
        "{",
        "{\"type\":\"notice\",\"text\":\"x\"",
        "{\"type\":\"notice\",\"text\":\"x\"} {}",
        "{\"type\":\"notice\",\"text\":\"x\"}}",
        "[1,2]",
        "\"notice\"",
        "42",
        "null",
        "{}",
        "{\"type\":7}",
        "{\"type\":null}",
        "{\"type\":\"notice\"}",
        "{\"type\":\"notice\",\"text\":5}",
        "{\"type\":\"notice\",\"text\":null}",
        "{\"type\":\"message\",\"room\":\"r\",\"from\":\"a\",\"text\":\"t\",\"id\":\"7\",\"ts\":\"2026-11-25T11:17:58Z\"}",
        "{\"type\":\"message\",\"room\":\"r\",\"from\":\"a\",\"text\":\"t\",\"id\":1.5,\"ts\":\"2026-11-25T11:17:58Z\"}",
        "{\"type\":\"message\",\"room\":\"r\",\"from\":\"a\",\"text\":\"t\",\"id\":99999999999999999999,"
                + "\"ts\":\"2026-11-25T11:17:58Z\"}",
        "{\"type\":\"message\",\"room\":\"r\",\"from\":\"a\",\"text\":\"t\",\"id\":7,\"ts\":\"yesterday\"}",
        "{\"type\":\"message\",\"room\":\"r\",\"from\":\"a\",\"text\":\"t\",\"id\":7,\"ts\":\"2026-11-25T11:17:58Z\","
                + "\"replay\":\"yes\"}",
        "{\"type\":\"leave\",\"room\":\"r\",\"nick\":\"n\",\"reason\":\"\",\"quit\":1}",
        "{\"type\":\"who\",\"room\":\"r\",\"nicks\":\"alice\"}",
        "{\"type\":\"who\",\"room\":\"r\",\"nicks\":[\"alice\",3]}",
        "{\"type\":\"rooms\",\"rooms\":[{\"name\":\"dev\"}]}",
        "{\"type\":\"rooms\",\"rooms\":[{\"name\":\"dev\",\"members\":-1}]}",
        "{\"type\":\"rooms\",\"rooms\":[\"dev\"]}",
        "{\"type\":\"history\",\"room\":\"r\",\"complete\":true,\"messages\":3000000000,\"first\":1,\"last\":2}",
        "{'type':'notice','text':'single quotes'}",
    })
    void malformedLinesThrowTheDocumentedException(String line) {
        assertThatThrownBy(() -> JsonEventDecoder.decode(line))
                .isInstanceOf(MalformedEventException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("\n");
    }

    @Test
    void errorsNameTheField() {
        assertThatThrownBy(() -> JsonEventDecoder.decode("{\"type\":\"who\",\"room\":\"r\"}"))
                .hasMessage("who field \"nicks\" must be an array of strings");
    }

    @Test
    void deeplyNestedJunkIsMalformedNotAStackOverflow() {
        String deep = "{\"type\":\"x\",\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertThatThrownBy(() -> JsonEventDecoder.decode(deep)).isInstanceOf(MalformedEventException.class);
    }

    @Test
    void listsAreImmutableCopies() {
        Event.Who who = (Event.Who) JsonEventDecoder.decode("{\"type\":\"who\",\"room\":\"r\",\"nicks\":[\"a\"]}");
        assertThat(who.nicks()).isEqualTo(List.of("a"));
        assertThatThrownBy(() -> who.nicks().add("b")).isInstanceOf(UnsupportedOperationException.class);
    }
}
