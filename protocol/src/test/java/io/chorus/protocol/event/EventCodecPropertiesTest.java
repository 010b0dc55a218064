package io.chorus.protocol.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.command.TextSanitizer;
import io.chorus.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

class EventCodecPropertiesTest {

    /** jqwik containers are not JUnit Jupiter classes, so LeakGuard is asked directly. */
    @AfterContainer
    static void noLeaks() throws InterruptedException {
        assertThat(LeakGuard.collect()).isEmpty();
    }

    @Property(tries = 2000)
    void jsonRoundTrips(@ForAll("events") Event event) {
        ByteBuf buf = JsonEventEncoder.INSTANCE.encode(event, PooledByteBufAllocator.DEFAULT);
        try {
            String line = buf.toString(StandardCharsets.UTF_8);
            assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
            assertThat(JsonEventDecoder.decode(line)).isEqualTo(event);
        } finally {
            buf.release();
        }
    }

    @Property(tries = 2000)
    void textIsExactlySizedUtf8EndingInOneNewlinePerLine(@ForAll("cleanEvents") Event event) {
        ByteBuf buf = TextEventEncoder.INSTANCE.encode(event, PooledByteBufAllocator.DEFAULT);
        try {
            assertThat(buf.capacity()).isEqualTo(buf.readableBytes());
            String text = buf.toString(StandardCharsets.UTF_8);
            long lines = text.chars().filter(c -> c == '\n').count();
            long expected = event instanceof Event.Help help ? help.lines().size() : 1;
            assertThat(lines).isEqualTo(expected);
            assertThat(text).isEqualTo(TextEventEncoder.INSTANCE.encodeToString(event));
            if (expected > 0) {
                assertThat(text).endsWith("\n");
            }
        } finally {
            buf.release();
        }
    }

    @Provide
    Arbitrary<Event> events() {
        return events(Arbitraries.strings().withCharRange('\u0000', '\uffff').ofMaxLength(40));
    }

    /** Events as a server builds them: texts cleaned, so no newline can split a line. */
    @Provide
    Arbitrary<Event> cleanEvents() {
        return events(Arbitraries.strings().withCharRange('\u0000', '\uffff').ofMaxLength(40).map(TextSanitizer::clean));
    }

    private static Arbitrary<Event> events(Arbitrary<String> s) {
        Arbitrary<Long> id = Arbitraries.longs().greaterOrEqual(0);
        Arbitrary<Boolean> flag = Arbitraries.of(true, false);
        Arbitrary<Instant> ts = Arbitraries.longs()
                .between(Instant.parse("-5000-01-01T00:00:00Z").toEpochMilli(),
                        Instant.parse("+50000-01-01T00:00:00Z").toEpochMilli())
                .map(Instant::ofEpochMilli);
        Arbitrary<Event> typed = Arbitraries.oneOf(
                Combinators.combine(s, s, s).as(Event.Welcome::new),
                Combinators.combine(s, s, s, s.injectNull(0.5)).as(Event.Welcome::new),
                Combinators.combine(s, s, s, id, ts, flag).as(Event.Message::new),
                Combinators.combine(s, s, s, id, ts, flag).as(Event.Action::new),
                Combinators.combine(s, s, s, ts).as(Event.Private::new),
                Combinators.combine(s, s).as(Event.Join::new),
                Combinators.combine(s, s, s, flag).as(Event.Leave::new),
                Combinators.combine(s.injectNull(0.3), s, s).as(Event.NickChange::new),
                Combinators.combine(s, s.list().ofMaxSize(20)).as(Event.Who::new),
                Combinators.combine(s, Arbitraries.integers().greaterOrEqual(0), Arbitraries.integers().between(0, 5))
                        .as(Event.RoomInfo::new)
                        .list().ofMaxSize(10).map(Event.Rooms::new),
                Combinators.combine(s, flag, Arbitraries.integers().greaterOrEqual(0), id, id).as(Event.HistoryEnd::new),
                s.map(Event.Pong::new),
                Combinators.combine(s, s).as(Event.Error::new),
                Combinators.combine(s, s, s.injectNull(0.5), s.injectNull(0.5)).as(Event.Error::new),
                s.map(Event.Notice::new),
                Combinators.combine(s, s.injectNull(0.3), s.injectNull(0.5), s.injectNull(0.5)).as(Event.Notice::new),
                s.list().ofMaxSize(20).map(Event.Help::new));
        Arbitrary<Event> unknown = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(10)
                .filter(type -> !isKnown(type))
                .map(type -> new Event.Unknown(type, "{\"type\":\"" + type + "\",\"v\":[1,{}]}"));
        return Arbitraries.frequencyOf(
                Tuple.of(20, typed),
                Tuple.of(1, unknown));
    }

    private static boolean isKnown(String type) {
        try {
            return !(JsonEventDecoder.decode("{\"type\":\"" + type + "\"}") instanceof Event.Unknown);
        } catch (MalformedEventException e) {
            return true;
        }
    }
}
