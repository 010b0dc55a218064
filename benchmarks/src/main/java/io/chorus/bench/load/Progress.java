package io.chorus.bench.load;

import java.io.PrintWriter;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Formats and prints the live progress line a load run writes to stderr about once a second.
 */
final class Progress {

    private final PrintWriter err;
    private final String mode;

    Progress(PrintWriter err, String mode) {
        this.err = err;
        this.mode = mode;
    }

    /** Prints {@code [  3s] measure fanout <body>  p50 .. p99 ..  errors N}. */
    void print(double elapsedSeconds, boolean measuring, String body, Histogram interval, long errors) {
        String latency = interval == null || interval.getTotalCount() == 0
                ? "p50 -  p99 -"
                : String.format(Locale.ROOT, "p50 %s us  p99 %s us", Report.micros(interval.getValueAtPercentile(50)),
                        Report.micros(interval.getValueAtPercentile(99)));
        err.printf(Locale.ROOT, "[%4.0fs] %-7s %s %s  %s  errors %,d%n", elapsedSeconds, measuring ? "measure" : "warmup",
                mode, body, latency, errors);
        err.flush();
    }

    /** Prints a free-form status line, such as "connecting". */
    void note(String text) {
        err.println("[" + mode + "] " + text);
        err.flush();
    }

    static String rate(double perSecond, String unit) {
        return String.format(Locale.ROOT, "%,10.0f %s", perSecond, unit);
    }
}
