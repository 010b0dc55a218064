package io.chorus.server.echo;

import java.util.Locale;

/**
 * How the TCP echo listeners (plain and TLS) answer: byte stream or lines.
 */
public enum EchoMode {
    /** RFC 862: every received chunk goes back as it arrived, after the prefix. */
    RAW,
    /** Lines split on LF or CRLF, each echoed after the prefix and ended with LF, bounded by the line cap. */
    LINE;

    /** Parses {@code raw} or {@code line}, in any case; anything else is an {@link IllegalArgumentException}. */
    public static EchoMode parse(String text) {
        String name = text.trim().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "raw" -> RAW;
            case "line" -> LINE;
            default -> throw new IllegalArgumentException("echo mode must be raw or line: '" + text + "'");
        };
    }

    /** The name as given on the command line. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
