package io.chorus.protocol.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.OutputFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandParserTest {

    private static Command parse(String line) {
        return CommandParser.parse(line);
    }

    private static Command.Invalid invalid(String code, String message) {
        return new Command.Invalid(code, message);
    }

    private static Command.Invalid usage(String message) {
        return invalid(Command.Invalid.USAGE, message);
    }

    @Nested
    class Say {
        @Test
        void plainLineIsSaid() {
            assertThat(parse("hello world")).isEqualTo(new Command.Say("hello world"));
        }

        @Test
        void surroundingWhitespaceIsStrippedInnerKept() {
            assertThat(parse("  hello \t world  ")).isEqualTo(new Command.Say("hello \t world"));
        }

        @Test
        void doubleSlashSaysASlashLine() {
            assertThat(parse("//x")).isEqualTo(new Command.Say("/x"));
            assertThat(parse("//nick bob")).isEqualTo(new Command.Say("/nick bob"));
            assertThat(parse("//")).isEqualTo(new Command.Say("/"));
        }

        @Test
        void controlCharactersAreStripped() {
            assertThat(parse("\u001b[2J\u001b[Hgotcha\u0007")).isEqualTo(new Command.Say("gotcha"));
            assertThat(parse("a\u0000b\u007fc\u0085d")).isEqualTo(new Command.Say("abcd"));
        }

        @Test
        void textWithNothingLeftIsAnEmptyMessage() {
            assertThat(parse("\u001b[2J")).isInstanceOf(Command.Invalid.class)
                    .extracting(c -> ((Command.Invalid) c).code()).isEqualTo(Command.Invalid.EMPTY_MESSAGE);
            assertThat(parse("\u0007 \u0007")).extracting(c -> ((Command.Invalid) c).code())
                    .isEqualTo(Command.Invalid.EMPTY_MESSAGE);
        }

        @Test
        void unicodeIsKept() {
            assertThat(parse("caf\u00e9 \ud83d\ude00 \ufffd")).isEqualTo(new Command.Say("caf\u00e9 \ud83d\ude00 \ufffd"));
        }

        @Test
        void lineIndentedBeforeSlashIsStillACommand() {
            assertThat(parse("  /nick bob")).isEqualTo(new Command.Nick("bob"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t", "  \t  ", "\r", "\u000b\u000c"})
    void blankLinesAreEmpty(String line) {
        assertThat(parse(line)).isEqualTo(new Command.Empty());
    }

    @Test
    void nullIsEmpty() {
        assertThat(parse(null)).isEqualTo(new Command.Empty());
    }

    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of("/nick bob", new Command.Nick("bob")),
                Arguments.of("/NICK Bob_2", new Command.Nick("Bob_2")),
                Arguments.of("/nick   bob  ", new Command.Nick("bob")),
                Arguments.of("/join lobby", new Command.Join("lobby")),
                Arguments.of("/join #Dev", new Command.Join("dev")),
                Arguments.of("/JoIn DEV", new Command.Join("dev")),
                Arguments.of("/leave", new Command.Leave(null)),
                Arguments.of("/leave #Dev", new Command.Leave("dev")),
                Arguments.of("/leave dev", new Command.Leave("dev")),
                Arguments.of("/msg bob hi there", new Command.Msg("bob", "hi there")),
                Arguments.of("/MSG bob   hi  there  ", new Command.Msg("bob", "hi  there")),
                Arguments.of("/msg\tbob\thi", new Command.Msg("bob", "hi")),
                Arguments.of("/msg bob \u001b[31mred\u001b[0m", new Command.Msg("bob", "red")),
                Arguments.of("/me waves", new Command.Me("waves")),
                Arguments.of("/Me waves \u0007back", new Command.Me("waves back")),
                Arguments.of("/who", new Command.Who(null)),
                Arguments.of("/who #Lobby", new Command.Who("lobby")),
                Arguments.of("/rooms", new Command.Rooms()),
                Arguments.of("/ROOMS  ", new Command.Rooms()),
                Arguments.of("/history", new Command.HistoryLast(20)),
                Arguments.of("/history 1", new Command.HistoryLast(1)),
                Arguments.of("/history 10000", new Command.HistoryLast(10_000)),
                Arguments.of("/history 007", new Command.HistoryLast(7)),
                Arguments.of("/history #Dev since 42", new Command.HistorySince("dev", 42)),
                Arguments.of("/HISTORY dev SINCE 0", new Command.HistorySince("dev", 0)),
                Arguments.of("/history 123 since 9223372036854775807",
                        new Command.HistorySince("123", Long.MAX_VALUE)),
                Arguments.of("/ping", new Command.Ping("")),
                Arguments.of("/ping abc-123", new Command.Ping("abc-123")),
                Arguments.of("/ping a\u0007b", new Command.Ping("ab")),
                Arguments.of("/quit", new Command.Quit("")),
                Arguments.of("/quit bye all", new Command.Quit("bye all")),
                Arguments.of("/quit \u001b]0;x\u0007gone", new Command.Quit("gone")),
                Arguments.of("/format json", new Command.Format(OutputFormat.JSON)),
                Arguments.of("/format TEXT", new Command.Format(OutputFormat.TEXT)),
                Arguments.of("/FORMAT Json", new Command.Format(OutputFormat.JSON)),
                Arguments.of("/echo on", new Command.Echo(true)),
                Arguments.of("/echo OFF", new Command.Echo(false)),
                Arguments.of("/help", new Command.Help()),
                Arguments.of("/Help", new Command.Help()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void valid(String line, Command expected) {
        assertThat(parse(line)).isEqualTo(expected);
    }

    static Stream<Arguments> invalid() {
        String history = "/history [N] with N from 1 to 10000, or /history ROOM since ID";
        return Stream.of(
                Arguments.of("/nick", usage("/nick NAME")),
                Arguments.of("/nick a b", usage("/nick NAME")),
                Arguments.of("/nick bad.name", invalid(Command.Invalid.INVALID_NICK, Names.NICK_RULE)),
                Arguments.of("/nick " + "x".repeat(25), invalid(Command.Invalid.INVALID_NICK, Names.NICK_RULE)),
                Arguments.of("/nick b\u0007ob", invalid(Command.Invalid.INVALID_NICK, Names.NICK_RULE)),
                Arguments.of("/join", usage("/join ROOM")),
                Arguments.of("/join a b", usage("/join ROOM")),
                Arguments.of("/join #", invalid(Command.Invalid.INVALID_ROOM, Names.ROOM_RULE)),
                Arguments.of("/join ##dev", invalid(Command.Invalid.INVALID_ROOM, Names.ROOM_RULE)),
                Arguments.of("/join caf\u00e9", invalid(Command.Invalid.INVALID_ROOM, Names.ROOM_RULE)),
                Arguments.of("/leave a b", usage("/leave [ROOM]")),
                Arguments.of("/leave bad!", invalid(Command.Invalid.INVALID_ROOM, Names.ROOM_RULE)),
                Arguments.of("/msg", usage("/msg NICK TEXT")),
                Arguments.of("/msg bob", usage("/msg NICK TEXT")),
                Arguments.of("/msg bob   ", usage("/msg NICK TEXT")),
                Arguments.of("/msg b@d hi", invalid(Command.Invalid.INVALID_NICK, Names.NICK_RULE)),
                Arguments.of("/msg bob \u001b[2J", emptyMessage()),
                Arguments.of("/me", usage("/me TEXT")),
                Arguments.of("/me \u0007", emptyMessage()),
                Arguments.of("/who a b", usage("/who [ROOM]")),
                Arguments.of("/who !", invalid(Command.Invalid.INVALID_ROOM, Names.ROOM_RULE)),
                Arguments.of("/rooms x", usage("/rooms")),
                Arguments.of("/history 0", usage(history)),
                Arguments.of("/history 10001", usage(history)),
                Arguments.of("/history -5", usage(history)),
                Arguments.of("/history +5", usage(history)),
                Arguments.of("/history 99999999999999999999", usage(history)),
                Arguments.of("/history dev", usage(history)),
                Arguments.of("/history dev since", usage(history)),
                Arguments.of("/history dev after 5", usage(history)),
                Arguments.of("/history dev since -1", usage(history)),
                Arguments.of("/history dev since x", usage(history)),
                Arguments.of("/history dev since 9223372036854775808", usage(history)),
                Arguments.of("/history dev since 5 more", usage(history)),
                Arguments.of("/history d!v since 5", invalid(Command.Invalid.INVALID_ROOM, Names.ROOM_RULE)),
                Arguments.of("/history 1 2", usage(history)),
                Arguments.of("/ping a b", usage("/ping [TOKEN]")),
                Arguments.of("/format", usage("/format json|text")),
                Arguments.of("/format xml", usage("/format json|text")),
                Arguments.of("/format json text", usage("/format json|text")),
                Arguments.of("/echo", usage("/echo on|off")),
                Arguments.of("/echo yes", usage("/echo on|off")),
                Arguments.of("/help me", usage("/help")),
                Arguments.of("/xyz", invalid(Command.Invalid.UNKNOWN_COMMAND, "unknown command /xyz; try /help")),
                Arguments.of("/Xyz arg", invalid(Command.Invalid.UNKNOWN_COMMAND, "unknown command /Xyz; try /help")),
                Arguments.of("/", invalid(Command.Invalid.UNKNOWN_COMMAND, "unknown command /; try /help")),
                Arguments.of("/ nick bob", invalid(Command.Invalid.UNKNOWN_COMMAND, "unknown command /; try /help")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void invalid(String line, Command.Invalid expected) {
        assertThat(parse(line)).isEqualTo(expected);
    }

    @Test
    void unknownCommandNamesAreCleanedAndShortenedBeforeTheyAreEchoed() {
        Command.Invalid hostile = (Command.Invalid) parse("/\u001b[2Jwipe\u0007");
        assertThat(hostile.message()).isEqualTo("unknown command /wipe; try /help");

        Command.Invalid longName = (Command.Invalid) parse("/" + "z".repeat(1000));
        assertThat(longName.message())
                .isEqualTo("unknown command /" + "z".repeat(CommandParser.MAX_ECHOED_NAME) + "...; try /help");
    }

    @Test
    void invalidArgumentsAreNeverEchoed() {
        Command.Invalid nick = (Command.Invalid) parse("/nick \u001b[2Jx");
        assertThat(nick.message()).doesNotContain("\u001b").doesNotContain("2J");
        Command.Invalid room = (Command.Invalid) parse("/join \u001b]0;t\u0007");
        assertThat(room.message()).isEqualTo(Names.ROOM_RULE);
    }

    @Test
    void helpListsEveryCommand() {
        assertThat(Commands.HELP).isNotEmpty();
        for (String command : new String[] {"/nick", "/join", "/leave", "/msg", "/me", "/who", "/rooms", "/history",
                "/ping", "/quit", "/format", "/echo", "/help"}) {
            assertThat(Commands.HELP).anySatisfy(line -> assertThat(line).startsWith(command + " "));
        }
    }

    private static Command.Invalid emptyMessage() {
        return invalid(Command.Invalid.EMPTY_MESSAGE, "nothing to send once control characters are removed");
    }
}
