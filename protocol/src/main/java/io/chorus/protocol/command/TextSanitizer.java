package io.chorus.protocol.command;

/**
 * Strips terminal control characters and escape sequences from user text, so that nobody can clear,
 * recolour or move the cursor of another user's terminal.
 *
 * <p>Removed: every C0 control (U+0000 to U+001F) except TAB, DEL (U+007F), every C1 control
 * (U+0080 to U+009F), and whole escape sequences:
 * <ul>
 *   <li>CSI, {@code ESC [} or U+009B, then parameter bytes (0x30 to 0x3F), intermediate bytes
 *       (0x20 to 0x2F) and one final byte (0x40 to 0x7E);
 *   <li>OSC, {@code ESC ]} or U+009D, up to and including BEL, {@code ESC \} or U+009C (ST), or to
 *       the end of the text when it is not terminated;
 *   <li>any other {@code ESC} sequence: intermediate bytes (0x20 to 0x2F) and one final byte
 *       (0x30 to 0x7E), which covers the two-character {@code ESC X} forms.
 * </ul>
 * An unpaired UTF-16 surrogate, which has no UTF-8 encoding, becomes U+FFFD. U+FFFD itself is kept.
 */
public final class TextSanitizer {

    private static final char BEL = 0x07;
    private static final char ESC = 0x1B;
    private static final char DEL = 0x7F;
    private static final char C1_LAST = 0x9F;
    private static final char C1_CSI = 0x9B;
    private static final char C1_ST = 0x9C;
    private static final char C1_OSC = 0x9D;
    private static final char REPLACEMENT = '\uFFFD';

    private TextSanitizer() {
    }

    /**
     * Returns {@code text} without control characters and escape sequences; the very same instance
     * when there was nothing to remove, which is the common case.
     */
    public static String clean(String text) {
        int length = text.length();
        int clean = cleanPrefix(text, length);
        if (clean == length) {
            return text;
        }
        StringBuilder out = new StringBuilder(length);
        out.append(text, 0, clean);
        int i = clean;
        while (i < length) {
            char c = text.charAt(i);
            if (c == ESC) {
                i = skipEscape(text, i + 1);
            } else if (c == C1_CSI) {
                i = skipCsi(text, i + 1);
            } else if (c == C1_OSC) {
                i = skipOsc(text, i + 1);
            } else if (isControl(c)) {
                i++;
            } else if (Character.isSurrogate(c)) {
                if (isPairAt(text, i, length)) {
                    out.append(c).append(text.charAt(i + 1));
                    i += 2;
                } else {
                    out.append(REPLACEMENT);
                    i++;
                }
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** True for the characters {@link #clean} never lets through. */
    public static boolean isControl(char c) {
        return (c < 0x20 && c != '\t') || (c >= DEL && c <= C1_LAST);
    }

    /** Length of the prefix that needs no change: one cheap scan before anything is allocated. */
    private static int cleanPrefix(String text, int length) {
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x20) {
                if (c != '\t') {
                    return i;
                }
            } else if (c >= DEL) {
                if (c <= C1_LAST) {
                    return i;
                }
                if (Character.isSurrogate(c)) {
                    if (!isPairAt(text, i, length)) {
                        return i;
                    }
                    i++;
                }
            }
        }
        return length;
    }

    private static boolean isPairAt(String text, int i, int length) {
        return Character.isHighSurrogate(text.charAt(i))
                && i + 1 < length
                && Character.isLowSurrogate(text.charAt(i + 1));
    }

    /** Skips the rest of a sequence whose ESC sat just before {@code i}; returns the next index. */
    private static int skipEscape(String text, int i) {
        int length = text.length();
        if (i >= length) {
            return i;
        }
        char c = text.charAt(i);
        if (c == '[') {
            return skipCsi(text, i + 1);
        }
        if (c == ']') {
            return skipOsc(text, i + 1);
        }
        while (i < length && inRange(text.charAt(i), 0x20, 0x2F)) {
            i++;
        }
        if (i < length && inRange(text.charAt(i), 0x30, 0x7E)) {
            i++;
        }
        return i;
    }

    /** Skips CSI parameters, intermediates and the final byte, whichever are present. */
    private static int skipCsi(String text, int i) {
        int length = text.length();
        while (i < length && inRange(text.charAt(i), 0x30, 0x3F)) {
            i++;
        }
        while (i < length && inRange(text.charAt(i), 0x20, 0x2F)) {
            i++;
        }
        if (i < length && inRange(text.charAt(i), 0x40, 0x7E)) {
            i++;
        }
        return i;
    }

    /** Skips an OSC payload and its terminator; an unterminated OSC swallows the rest of the text. */
    private static int skipOsc(String text, int i) {
        int length = text.length();
        while (i < length) {
            char c = text.charAt(i);
            if (c == BEL || c == C1_ST) {
                return i + 1;
            }
            if (c == ESC && i + 1 < length && text.charAt(i + 1) == '\\') {
                return i + 2;
            }
            i++;
        }
        return length;
    }

    private static boolean inRange(char c, int first, int last) {
        return c >= first && c <= last;
    }
}
