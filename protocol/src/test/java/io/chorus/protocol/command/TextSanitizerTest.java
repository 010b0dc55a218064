package io.chorus.protocol.command;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TextSanitizerTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "hello", "tab\tkept", "caf\u00e9 \u4e2d\u6587", "emoji \ud83d\ude00", "bad \ufffd kept",
            "[31m no escape", "100% ~ {} | \\"})
    void returnsTheSameInstanceWhenNothingNeedsRemoving(String text) {
        assertThat(TextSanitizer.clean(text)).isSameAs(text);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        // name                          | input (escapes decoded below)            | expected
        "C0 controls                     | a\\u0000b\\u0001c\\u0007d\\u0008e\\u001ff  | abcdef",
        "CR LF VT FF                     | a\\rb\\nc\\u000bd\\u000ce                | abcde",
        "DEL                             | a\\u007fb                                | ab",
        "C1 controls                     | a\\u0080b\\u0085c\\u009fd                | abcd",
        "clear screen                    | \\u001b[2J\\u001b[Hhi                    | hi",
        "colours                         | \\u001b[1;31mred\\u001b[0m               | red",
        "private CSI params              | a\\u001b[?1049hb                         | ab",
        "CSI with intermediate           | a\\u001b[1 qb                            | ab",
        "C1 CSI                          | a\\u009b2Jb                              | ab",
        "OSC title BEL                   | \\u001b]0;pwned\\u0007hi                 | hi",
        "OSC title ESC backslash         | \\u001b]2;pwned\\u001b\\\\hi             | hi",
        "OSC hyperlink                   | \\u001b]8;;http://x\\u001b\\\\link\\u001b]8;;\\u001b\\\\ | link",
        "OSC unterminated                | hi\\u001b]0;rest of line                 | hi",
        "C1 OSC with C1 ST               | a\\u009d0;t\\u009cb                      | ab",
        "two-char ESC                    | a\\u001bcb\\u001b7c\\u001b8d             | abcd",
        "charset designation             | a\\u001b(0b                              | ab",
        "lone ESC at end                 | hi\\u001b                                | hi",
        "ESC ESC                         | a\\u001b\\u001b[2Jb                      | ab",
        "unfinished CSI keeps the rest   | a\\u001b[12\\u00e9b                      | a\\u00e9b",
        "lone high surrogate             | a\\ud800b                                | a\\ufffdb",
        "lone low surrogate              | a\\udc00                                 | a\\ufffd",
        "pair kept after a removal       | \\u0007\\ud83d\\ude00                    | \\ud83d\\ude00",
    })
    void removes(String name, String input, String expected) {
        assertThat(TextSanitizer.clean(unescape(input))).isEqualTo(unescape(expected));
    }

    @Test
    void keepsTabsButNotOtherWhitespaceControls() {
        assertThat(TextSanitizer.clean("a\tb\rc")).isEqualTo("a\tbc");
    }

    @Test
    void isControlMatchesWhatCleanRemoves() {
        for (char c = 0; c < 0x100; c++) {
            boolean expected = (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f);
            assertThat(TextSanitizer.isControl(c)).as("U+%04X", (int) c).isEqualTo(expected);
        }
    }

    /** Decodes {@code \\uXXXX}, {@code \\r}, {@code \\n} and {@code \\\\} so the table above stays readable. */
    static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                out.append(c);
                continue;
            }
            char next = s.charAt(++i);
            switch (next) {
                case 'u' -> {
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                case 'r' -> out.append('\r');
                case 'n' -> out.append('\n');
                default -> out.append(next);
            }
        }
        return out.toString();
    }
}
