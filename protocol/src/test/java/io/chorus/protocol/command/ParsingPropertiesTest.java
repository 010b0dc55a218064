package io.chorus.protocol.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ParsingPropertiesTest {

    @Property(tries = 2000)
    void cleanedTextHasNoControlsEscapesOrLoneSurrogates(@ForAll("hostileText") String text) {
        String clean = TextSanitizer.clean(text);
        assertClean(clean);
    }

    @Property(tries = 1000)
    void cleaningTwiceChangesNothing(@ForAll("hostileText") String text) {
        String clean = TextSanitizer.clean(text);
        assertThat(TextSanitizer.clean(clean)).isSameAs(clean);
    }

    @Property(tries = 1000)
    void anyUtf16StringCleansWithoutThrowing(@ForAll("anyUtf16") String text) {
        assertClean(TextSanitizer.clean(text));
    }

    @Property(tries = 3000)
    void parseNeverThrowsAndItsTextsAreClean(@ForAll("hostileLines") String line) {
        Command command = CommandParser.parse(line);
        assertThat(command).isNotNull();
        if (command instanceof Command.Say say) {
            assertClean(say.text());
            assertThat(say.text()).isNotBlank();
        } else if (command instanceof Command.Me me) {
            assertClean(me.text());
            assertThat(me.text()).isNotBlank();
        } else if (command instanceof Command.Msg msg) {
            assertClean(msg.text());
            assertThat(Names.isValidNick(msg.nick())).isTrue();
        } else if (command instanceof Command.Nick nick) {
            assertThat(Names.isValidNick(nick.nick())).isTrue();
        } else if (command instanceof Command.Join join) {
            assertCanonicalRoom(join.room());
        } else if (command instanceof Command.HistorySince since) {
            assertCanonicalRoom(since.room());
        } else if (command instanceof Command.Quit quit) {
            assertClean(quit.reason());
        } else if (command instanceof Command.Ping ping) {
            assertClean(ping.token());
        } else if (command instanceof Command.Invalid invalid) {
            assertClean(invalid.message());
        }
    }

    @Property(tries = 500)
    void parseNeverThrowsOnAnyUtf16(@ForAll("anyUtf16") String line) {
        assertThat(CommandParser.parse(line)).isNotNull();
        assertThat(CommandParser.parse("/" + line)).isNotNull();
        assertThat(CommandParser.parse("/msg bob " + line)).isNotNull();
    }

    @Property(tries = 200)
    void sayKeepsPlainText(@ForAll("plainText") String text) {
        Command command = CommandParser.parse(text);
        String stripped = text.strip();
        if (stripped.isEmpty()) {
            assertThat(command).isEqualTo(new Command.Empty());
        } else if (!stripped.startsWith("/")) {
            assertThat(command).isEqualTo(new Command.Say(stripped));
        }
    }

    @Provide
    Arbitrary<String> anyUtf16() {
        return Arbitraries.strings().withCharRange('\u0000', '\uffff').ofMaxLength(5000);
    }

    @Provide
    Arbitrary<String> plainText() {
        return Arbitraries.strings().withCharRange(' ', '~').withChars("\t\u00e9\u4e2d").ofMaxLength(200);
    }

    @Provide
    Arbitrary<String> hostileText() {
        return fragments().list().ofMaxSize(60).map(parts -> String.join("", parts));
    }

    /** Lines built from command names, arguments and the pieces of escape sequences. */
    @Provide
    Arbitrary<String> hostileLines() {
        Arbitrary<String> start = Arbitraries.of("", "/", "//", " /", "/nick", "/NICK", "/join", "/leave", "/msg", "/me",
                "/who", "/rooms", "/history", "/ping", "/quit", "/format", "/echo", "/help", "/xyz", "/Msg ");
        Arbitrary<String> rest = Arbitraries.oneOf(fragments(), Arbitraries.of(" bob", " #Dev", " since", " 20",
                " 0", " -1", " 99999999999999999999", " json", " ON", " off", " \t "))
                .list().ofMaxSize(12).map(parts -> String.join("", parts));
        Arbitrary<String> line = Combinators.combine(start, rest).as((s, r) -> s + r);
        return Arbitraries.oneOf(line, hostileText(), Arbitraries.strings().ofMinLength(5000).ofMaxLength(20_000));
    }

    private static Arbitrary<String> fragments() {
        return Arbitraries.oneOf(
                Arbitraries.of("\u001b", "\u001b[", "\u001b]", "\u009b", "\u009d", "\u009c", "\u0007", "\\", "[", "]",
                        ";", "2J", "0;title", "\u001b\\", "\t", "\r", "\n", "\u0000", "\u007f", "\u0085", "\ud800",
                        "\udc00", "\ud83d\ude00", "\ufffd", " ", "#", "/", "a", "Z", "9", "_", "-", "\u00e9"),
                Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(8),
                Arbitraries.strings().withCharRange('\u0000', '\uffff').ofMaxLength(3));
    }

    private static void assertCanonicalRoom(String room) {
        assertThat(Names.isValidRoom(room)).isTrue();
        assertThat(room).doesNotStartWith("#").isEqualTo(room.toLowerCase(Locale.ROOT));
    }

    static void assertClean(String text) {
        assertThat(firstUnclean(text)).as("index of the first control or lone surrogate in %s", text).isEqualTo(-1);
    }

    /** Index of the first char the sanitizer must never let through, or -1; plain loop, as strings get long. */
    private static int firstUnclean(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\t' && (c < 0x20 || (c >= 0x7f && c <= 0x9f))) {
                return i;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
