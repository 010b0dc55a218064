package io.chorus.protocol.command;

import io.chorus.protocol.event.OutputFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns one line a user typed into a {@link Command}; stateless, and never throws for any input.
 *
 * <p>The line is stripped of surrounding whitespace first. A line that does not start with
 * {@code /} is {@link Command.Say}, and {@code //x} says {@code /x}. Command names are
 * case-insensitive; arguments are separated by whitespace. Free texts (said, acted, private, quit
 * reason, ping token) go through {@link TextSanitizer}. Every user mistake becomes a
 * {@link Command.Invalid} whose message never echoes unsanitised input.
 */
public final class CommandParser {

    /** Longest command name repeated back in an unknown-command error: {@value}. */
    public static final int MAX_ECHOED_NAME = 32;

    private static final Command EMPTY = new Command.Empty();
    private static final Command ROOMS = new Command.Rooms();
    private static final Command HELP = new Command.Help();
    private static final Command LEAVE_CURRENT = new Command.Leave(null);
    private static final Command WHO_CURRENT = new Command.Who(null);

    private static final String USAGE_NICK = "/nick NAME";
    private static final String USAGE_JOIN = "/join ROOM";
    private static final String USAGE_LEAVE = "/leave [ROOM]";
    private static final String USAGE_MSG = "/msg NICK TEXT";
    private static final String USAGE_ME = "/me TEXT";
    private static final String USAGE_WHO = "/who [ROOM]";
    private static final String USAGE_ROOMS = "/rooms";
    private static final String USAGE_HISTORY = "/history [N] with N from 1 to "
            + Command.HistoryLast.MAX_COUNT + ", or /history ROOM since ID";
    private static final String USAGE_PING = "/ping [TOKEN]";
    private static final String USAGE_FORMAT = "/format json|text";
    private static final String USAGE_ECHO = "/echo on|off";
    private static final String USAGE_HELP = "/help";

    private CommandParser() {
    }

    /** Parses one line, without its line terminator; {@code null} counts as a blank line. */
    public static Command parse(String line) {
        if (line == null) {
            return EMPTY;
        }
        String s = line.strip();
        if (s.isEmpty()) {
            return EMPTY;
        }
        if (s.charAt(0) != '/') {
            return say(s);
        }
        if (s.length() > 1 && s.charAt(1) == '/') {
            return say(s.substring(1));
        }
        int nameEnd = wordEnd(s, 1);
        String name = s.substring(1, nameEnd);
        String rest = s.substring(nameEnd).strip();
        switch (name.toLowerCase(Locale.ROOT)) {
            case "nick":
                return nick(rest);
            case "join":
                return join(rest);
            case "leave":
                return leave(rest);
            case "msg":
                return msg(rest);
            case "me":
                return me(rest);
            case "who":
                return who(rest);
            case "rooms":
                return rest.isEmpty() ? ROOMS : usage(USAGE_ROOMS);
            case "history":
                return history(rest);
            case "ping":
                return ping(rest);
            case "quit":
                return new Command.Quit(TextSanitizer.clean(rest).strip());
            case "format":
                return format(rest);
            case "echo":
                return echo(rest);
            case "help":
                return rest.isEmpty() ? HELP : usage(USAGE_HELP);
            default:
                return unknown(name);
        }
    }

    private static Command say(String text) {
        String clean = cleanText(text);
        return clean == null ? emptyMessage() : new Command.Say(clean);
    }

    private static Command nick(String rest) {
        List<String> args = words(rest);
        if (args.size() != 1) {
            return usage(USAGE_NICK);
        }
        String nick = args.get(0);
        return Names.isValidNick(nick) ? new Command.Nick(nick) : invalidNick();
    }

    private static Command join(String rest) {
        List<String> args = words(rest);
        if (args.size() != 1) {
            return usage(USAGE_JOIN);
        }
        String room = args.get(0);
        return Names.isValidRoom(room) ? new Command.Join(Names.normalizeRoom(room)) : invalidRoom();
    }

    private static Command leave(String rest) {
        List<String> args = words(rest);
        if (args.isEmpty()) {
            return LEAVE_CURRENT;
        }
        if (args.size() != 1) {
            return usage(USAGE_LEAVE);
        }
        String room = args.get(0);
        return Names.isValidRoom(room) ? new Command.Leave(Names.normalizeRoom(room)) : invalidRoom();
    }

    private static Command who(String rest) {
        List<String> args = words(rest);
        if (args.isEmpty()) {
            return WHO_CURRENT;
        }
        if (args.size() != 1) {
            return usage(USAGE_WHO);
        }
        String room = args.get(0);
        return Names.isValidRoom(room) ? new Command.Who(Names.normalizeRoom(room)) : invalidRoom();
    }

    private static Command msg(String rest) {
        int nickEnd = wordEnd(rest, 0);
        String nick = rest.substring(0, nickEnd);
        String text = rest.substring(nickEnd).strip();
        if (nick.isEmpty() || text.isEmpty()) {
            return usage(USAGE_MSG);
        }
        if (!Names.isValidNick(nick)) {
            return invalidNick();
        }
        String clean = cleanText(text);
        return clean == null ? emptyMessage() : new Command.Msg(nick, clean);
    }

    private static Command me(String rest) {
        if (rest.isEmpty()) {
            return usage(USAGE_ME);
        }
        String clean = cleanText(rest);
        return clean == null ? emptyMessage() : new Command.Me(clean);
    }

    private static Command history(String rest) {
        List<String> args = words(rest);
        if (args.isEmpty()) {
            return new Command.HistoryLast(Command.HistoryLast.DEFAULT_COUNT);
        }
        if (args.size() == 1) {
            long count = parseDigits(args.get(0));
            return count >= 1 && count <= Command.HistoryLast.MAX_COUNT
                    ? new Command.HistoryLast((int) count)
                    : usage(USAGE_HISTORY);
        }
        if (args.size() != 3 || !args.get(1).equalsIgnoreCase("since")) {
            return usage(USAGE_HISTORY);
        }
        String room = args.get(0);
        if (!Names.isValidRoom(room)) {
            return invalidRoom();
        }
        long afterId = parseDigits(args.get(2));
        return afterId >= 0 ? new Command.HistorySince(Names.normalizeRoom(room), afterId) : usage(USAGE_HISTORY);
    }

    private static Command ping(String rest) {
        List<String> args = words(rest);
        if (args.isEmpty()) {
            return new Command.Ping("");
        }
        return args.size() == 1 ? new Command.Ping(TextSanitizer.clean(args.get(0))) : usage(USAGE_PING);
    }

    private static Command format(String rest) {
        switch (rest.toLowerCase(Locale.ROOT)) {
            case "json":
                return new Command.Format(OutputFormat.JSON);
            case "text":
                return new Command.Format(OutputFormat.TEXT);
            default:
                return usage(USAGE_FORMAT);
        }
    }

    private static Command echo(String rest) {
        switch (rest.toLowerCase(Locale.ROOT)) {
            case "on":
                return new Command.Echo(true);
            case "off":
                return new Command.Echo(false);
            default:
                return usage(USAGE_ECHO);
        }
    }

    private static Command unknown(String name) {
        String shown = name.length() > MAX_ECHOED_NAME ? name.substring(0, MAX_ECHOED_NAME) + "..." : name;
        return new Command.Invalid(Command.Invalid.UNKNOWN_COMMAND,
                "unknown command /" + TextSanitizer.clean(shown) + "; try /help");
    }

    /** The cleaned, stripped text, or {@code null} when nothing visible is left. */
    private static String cleanText(String text) {
        String clean = TextSanitizer.clean(text).strip();
        return clean.isEmpty() ? null : clean;
    }

    private static Command usage(String usage) {
        return new Command.Invalid(Command.Invalid.USAGE, usage);
    }

    private static Command invalidNick() {
        return new Command.Invalid(Command.Invalid.INVALID_NICK, Names.NICK_RULE);
    }

    private static Command invalidRoom() {
        return new Command.Invalid(Command.Invalid.INVALID_ROOM, Names.ROOM_RULE);
    }

    private static Command emptyMessage() {
        return new Command.Invalid(Command.Invalid.EMPTY_MESSAGE, "nothing to send once control characters are removed");
    }

    /** Index of the first whitespace at or after {@code from}, or the length. */
    private static int wordEnd(String s, int from) {
        int i = from;
        while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Splits already stripped arguments on runs of whitespace. */
    private static List<String> words(String rest) {
        List<String> words = new ArrayList<>(3);
        int i = 0;
        while (i < rest.length()) {
            int end = wordEnd(rest, i);
            words.add(rest.substring(i, end));
            i = end;
            while (i < rest.length() && Character.isWhitespace(rest.charAt(i))) {
                i++;
            }
        }
        return words;
    }

    /** The value of a string of ASCII digits, or -1 if it is anything else or exceeds a long. */
    private static long parseDigits(String s) {
        if (s.isEmpty() || s.length() > 19) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
            if (value < 0) {
                return -1;
            }
        }
        return value;
    }
}
