package io.chorus.protocol.event;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;

/** Formats and parses the wire timestamps without going through {@link DateTimeFormatter} per event. */
final class Timestamps {

    /** Length of {@code 2026-11-25T11:17:58.123Z}: {@value}. */
    static final int ISO_LENGTH = 24;
    /** Length of {@code 11:17:58}: {@value}. */
    static final int CLOCK_LENGTH = 8;

    private static final long SECONDS_PER_DAY = 86_400;
    /** The fallback for years outside 0000 to 9999, which ISO-8601 writes with a sign. */
    private static final DateTimeFormatter ISO_MILLIS = new DateTimeFormatterBuilder().appendInstant(3).toFormatter();

    private Timestamps() {
    }

    /** ISO-8601 in UTC with exactly three fraction digits, e.g. {@code 2026-11-25T11:17:58.123Z}. */
    static String iso(Instant ts) {
        char[] out = new char[ISO_LENGTH];
        int length = iso(ts, out);
        return length == ISO_LENGTH ? new String(out) : ISO_MILLIS.format(ts);
    }

    /**
     * Writes {@link #iso(Instant)} into {@code out}, which holds {@value #ISO_LENGTH} chars, and returns
     * {@value #ISO_LENGTH}; returns 0 and writes nothing for years that need more room.
     */
    static int iso(Instant ts, char[] out) {
        long seconds = ts.getEpochSecond();
        long days = Math.floorDiv(seconds, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        // Civil date from days since 1970-01-01, after Howard Hinnant's days_from_civil inverse.
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long dayOfEra = z - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long mp = (5 * dayOfYear + 2) / 153;
        int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        if (year < 0 || year > 9999) {
            return 0;
        }
        digits(out, 0, (int) year, 4);
        out[4] = '-';
        digits(out, 5, month, 2);
        out[7] = '-';
        digits(out, 8, day, 2);
        out[10] = 'T';
        clock(out, 11, secondOfDay);
        out[19] = '.';
        digits(out, 20, ts.getNano() / 1_000_000, 3);
        out[23] = 'Z';
        return ISO_LENGTH;
    }

    /** The UTC time of day as {@code HH:mm:ss}, shown in front of replayed messages. */
    static String clock(Instant ts) {
        char[] out = new char[CLOCK_LENGTH];
        clock(out, 0, (int) Math.floorMod(ts.getEpochSecond(), SECONDS_PER_DAY));
        return new String(out);
    }

    /**
     * Parses an ISO-8601 instant such as {@link #iso(Instant)} writes.
     *
     * @throws DateTimeParseException if {@code text} is not one
     */
    static Instant parse(String text) {
        return Instant.parse(text);
    }

    private static void clock(char[] out, int at, int secondOfDay) {
        digits(out, at, secondOfDay / 3600, 2);
        out[at + 2] = ':';
        digits(out, at + 3, secondOfDay / 60 % 60, 2);
        out[at + 5] = ':';
        digits(out, at + 6, secondOfDay % 60, 2);
    }

    private static void digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
