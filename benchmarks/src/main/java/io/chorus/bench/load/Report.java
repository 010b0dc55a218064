package io.chorus.bench.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The result of one load run as ordered fields, printed either as an aligned table for people or as
 * one JSON object for scripts.
 */
public final class Report {

    private final String title;
    private final Map<String, Object> json = new LinkedHashMap<>();
    private final List<String[]> rows = new ArrayList<>();

    Report(String mode, String title) {
        this.title = title;
        json.put("mode", mode);
    }

    /** Adds a field shown in both forms; {@code label} null keeps it out of the table. */
    Report field(String key, String label, Object value) {
        json.put(key, value);
        if (label != null) {
            rows.add(new String[] {label, human(value)});
        }
        return this;
    }

    /** Adds a latency summary in microseconds: p50, p90, p99, p99.9, max, mean and the sample count. */
    Report latency(String key, String label, Histogram nanos) {
        json.put(key, latencySummary(nanos));
        return latencyRow(label, nanos);
    }

    /** Adds a latency summary to the table only. */
    Report latencyRow(String label, Histogram nanos) {
        Map<String, Object> summary = latencySummary(nanos);
        if (nanos.getTotalCount() == 0) {
            rows.add(new String[] {label, "no samples"});
        } else {
            rows.add(new String[] {label, String.format(Locale.ROOT, "p50 %s  p90 %s  p99 %s  p99.9 %s  max %s (us)",
                    summary.get("p50"), summary.get("p90"), summary.get("p99"), summary.get("p999"), summary.get("max"))});
        }
        return this;
    }

    /** Adds a table row that has no JSON field of its own. */
    Report row(String label, String value) {
        rows.add(new String[] {label, value});
        return this;
    }

    /** A latency summary in microseconds, as it appears in JSON. */
    static Map<String, Object> latencySummary(Histogram nanos) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("samples", nanos.getTotalCount());
        summary.put("p50", micros(nanos.getValueAtPercentile(50)));
        summary.put("p90", micros(nanos.getValueAtPercentile(90)));
        summary.put("p99", micros(nanos.getValueAtPercentile(99)));
        summary.put("p999", micros(nanos.getValueAtPercentile(99.9)));
        summary.put("max", micros(nanos.getMaxValue()));
        summary.put("mean", nanos.getTotalCount() == 0 ? 0.0 : round(nanos.getMean() / 1000.0));
        return summary;
    }

    /** A field's value as put, or null. */
    public Object get(String key) {
        return json.get(key);
    }

    public String toJson() {
        StringBuilder out = new StringBuilder();
        appendJson(out, json);
        return out.toString();
    }

    public String toTable() {
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder out = new StringBuilder(title).append('\n');
        for (String[] row : rows) {
            out.append("  ").append(row[0]).append(" ".repeat(width - row[0].length() + 2)).append(row[1]).append('\n');
        }
        return out.toString();
    }

    static double micros(long nanos) {
        return round(nanos / 1000.0);
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    private static String human(Object value) {
        if (value instanceof Double d) {
            // Small figures (CPU seconds, ratios) need the second decimal; rates do not.
            return String.format(Locale.ROOT, Math.abs(d) < 100 ? "%,.2f" : "%,.1f", d);
        }
        if (value instanceof Long || value instanceof Integer) {
            return String.format(Locale.ROOT, "%,d", ((Number) value).longValue());
        }
        return String.valueOf(value);
    }

    private static void appendJson(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                appendString(out, String.valueOf(e.getKey()));
                out.append(':');
                appendJson(out, e.getValue());
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                appendJson(out, list.get(i));
            }
            out.append(']');
        } else if (value instanceof Double d) {
            out.append(d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, Math.abs(d) < 100 ? "%.3f" : "%.1f", d));
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else {
            appendString(out, value.toString());
        }
    }

    private static void appendString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
