package io.chorus.protocol.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class TimestampsTest {

    private static final DateTimeFormatter REFERENCE = new DateTimeFormatterBuilder().appendInstant(3).toFormatter();
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    @Test
    void formatsWithExactlyThreeFractionDigits() {
        assertThat(Timestamps.iso(Instant.parse("2026-11-25T11:17:58.123Z"))).isEqualTo("2026-11-25T11:17:58.123Z");
        assertThat(Timestamps.iso(Instant.parse("2026-11-25T11:17:58Z"))).isEqualTo("2026-11-25T11:17:58.000Z");
        assertThat(Timestamps.iso(Instant.EPOCH)).isEqualTo("1970-01-01T00:00:00.000Z");
        assertThat(Timestamps.iso(Instant.parse("1969-12-31T23:59:59.999Z"))).isEqualTo("1969-12-31T23:59:59.999Z");
        assertThat(Timestamps.iso(Instant.parse("2024-02-29T12:00:00.5Z"))).isEqualTo("2024-02-29T12:00:00.500Z");
        assertThat(Timestamps.iso(Instant.parse("0000-01-01T00:00:00Z"))).isEqualTo("0000-01-01T00:00:00.000Z");
        assertThat(Timestamps.iso(Instant.parse("9999-12-31T23:59:59.999Z"))).isEqualTo("9999-12-31T23:59:59.999Z");
    }

    @Test
    void yearsBeyondFourDigitsFallBackToTheSignedForm() {
        Instant far = Instant.parse("+10000-01-01T00:00:00Z");
        assertThat(Timestamps.iso(far, new char[Timestamps.ISO_LENGTH])).isZero();
        assertThat(Timestamps.iso(far)).isEqualTo("+10000-01-01T00:00:00.000Z");
        assertThat(Timestamps.parse(Timestamps.iso(far))).isEqualTo(far);
        Instant bc = Instant.parse("-0001-06-01T00:00:00Z");
        assertThat(Timestamps.parse(Timestamps.iso(bc))).isEqualTo(bc);
    }

    @Test
    void clockIsUtcTimeOfDay() {
        assertThat(Timestamps.clock(Instant.parse("2026-11-25T01:02:03.999Z"))).isEqualTo("01:02:03");
        assertThat(Timestamps.clock(Instant.parse("1969-12-31T23:59:59Z"))).isEqualTo("23:59:59");
    }

    @Property(tries = 5000)
    void matchesJavaTime(@ForAll @LongRange(min = -62_167_219_200_000L, max = 253_402_300_799_999L) long epochMilli) {
        Instant ts = Instant.ofEpochMilli(epochMilli);
        assertThat(Timestamps.iso(ts)).isEqualTo(REFERENCE.format(ts));
        assertThat(Timestamps.parse(Timestamps.iso(ts))).isEqualTo(ts);
        assertThat(Timestamps.clock(ts)).isEqualTo(CLOCK.format(ts));
    }

    @Property(tries = 500)
    void anyInstantFormatsLikeJavaTime(@ForAll @LongRange(min = -31_557_014_167_219_200L, max = 31_556_889_864_403_199L)
            long epochSecond) {
        Instant ts = Instant.ofEpochSecond(epochSecond, 123_456_789).truncatedTo(ChronoUnit.MILLIS);
        assertThat(Timestamps.iso(ts)).isEqualTo(REFERENCE.format(ts));
    }
}
