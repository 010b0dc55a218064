package io.chorus.bench.jmh;

/**
 * Builds the line contents the benchmarks feed through the codecs: plain ASCII, or chat-like text with
 * two- and three-byte UTF-8 characters mixed in.
 */
final class Lines {

    private static final String ASCII = "the quick brown fox jumps over the lazy dog 0123456789 ";
    private static final String MIXED = "héllo wörld — ünïcode 日本語 chat ";

    private Lines() {
    }

    /** Text of exactly {@code chars} characters from the named alphabet ({@code ascii} or {@code mixed}). */
    static String text(String alphabet, int chars) {
        String source = switch (alphabet) {
            case "ascii" -> ASCII;
            case "mixed" -> MIXED;
            default -> throw new IllegalArgumentException("alphabet must be ascii or mixed: " + alphabet);
        };
        StringBuilder out = new StringBuilder(chars);
        while (out.length() < chars) {
            out.append(source, 0, Math.min(source.length(), chars - out.length()));
        }
        return out.toString();
    }
}
