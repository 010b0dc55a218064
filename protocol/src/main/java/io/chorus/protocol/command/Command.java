package io.chorus.protocol.command;

import static java.util.Objects.requireNonNull;

import io.chorus.protocol.event.OutputFormat;

/**
 * One line a user typed, as understood by {@link CommandParser}.
 *
 * <p>Texts are already cleaned by {@link TextSanitizer}, nicknames are valid by {@link Names}, and
 * room names are valid and canonical (lower case, no {@code #}). A {@code null} room means the
 * user's current room.
 */
public sealed interface Command {

    /** Says {@code text} in the current room: any line that does not start with {@code /}. */
    record Say(String text) implements Command {
        public Say {
            requireNonNull(text, "text");
        }
    }

    /** {@code /nick NAME}: changes the nickname. */
    record Nick(String nick) implements Command {
        public Nick {
            requireNonNull(nick, "nick");
        }
    }

    /** {@code /join ROOM}: joins a room and makes it current. */
    record Join(String room) implements Command {
        public Join {
            requireNonNull(room, "room");
        }
    }

    /** {@code /leave [ROOM]}: leaves {@code room}, or the current room when it is {@code null}. */
    record Leave(String room) implements Command {
    }

    /** {@code /msg NICK TEXT}: a private message. */
    record Msg(String nick, String text) implements Command {
        public Msg {
            requireNonNull(nick, "nick");
            requireNonNull(text, "text");
        }
    }

    /** {@code /me TEXT}: an action in the current room. */
    record Me(String text) implements Command {
        public Me {
            requireNonNull(text, "text");
        }
    }

    /** {@code /who [ROOM]}: lists the members of {@code room}, or of the current room when {@code null}. */
    record Who(String room) implements Command {
    }

    /** {@code /rooms}: lists the rooms. */
    record Rooms() implements Command {
    }

    /** {@code /history [N]}: replays the last {@code count} messages of the current room. */
    record HistoryLast(int count) implements Command {
        /** Messages replayed when {@code /history} has no count: {@value}. */
        public static final int DEFAULT_COUNT = 20;
        /** Most messages one {@code /history N} may ask for: {@value}. */
        public static final int MAX_COUNT = 10_000;

        public HistoryLast {
            if (count < 1 || count > MAX_COUNT) {
                throw new IllegalArgumentException("count must be 1.." + MAX_COUNT + ": " + count);
            }
        }
    }

    /** {@code /history ROOM since ID}: replays the messages of {@code room} whose id is above {@code afterId}. */
    record HistorySince(String room, long afterId) implements Command {
        public HistorySince {
            requireNonNull(room, "room");
            if (afterId < 0) {
                throw new IllegalArgumentException("afterId must not be negative: " + afterId);
            }
        }
    }

    /** {@code /ping [TOKEN]}: asks for a pong carrying {@code token}, which may be empty. */
    record Ping(String token) implements Command {
        public Ping {
            requireNonNull(token, "token");
        }
    }

    /** {@code /quit [REASON]}: disconnects; {@code reason} may be empty. */
    record Quit(String reason) implements Command {
        public Quit {
            requireNonNull(reason, "reason");
        }
    }

    /** {@code /format json|text}: chooses how events are sent to this connection. */
    record Format(OutputFormat format) implements Command {
        public Format {
            requireNonNull(format, "format");
        }
    }

    /** {@code /echo on|off}: whether the user sees their own messages. */
    record Echo(boolean on) implements Command {
    }

    /** {@code /help}: lists the commands. */
    record Help() implements Command {
    }

    /** A blank line: nothing happens. */
    record Empty() implements Command {
    }

    /**
     * A line the server answers with an error event instead of acting on it.
     *
     * @param code a stable machine-readable code, one of the constants here
     * @param message a sentence for the user, which never repeats unsanitised input
     */
    record Invalid(String code, String message) implements Command {
        /** Wrong number or form of arguments. */
        public static final String USAGE = "usage";
        /** A {@code /name} the parser does not know. */
        public static final String UNKNOWN_COMMAND = "unknown-command";
        /** A nickname argument that breaks {@link Names#NICK_RULE}. */
        public static final String INVALID_NICK = "invalid-nick";
        /** A room argument that breaks {@link Names#ROOM_RULE}. */
        public static final String INVALID_ROOM = "invalid-room";
        /** A message with nothing left to say once control characters are removed. */
        public static final String EMPTY_MESSAGE = "empty-message";

        public Invalid {
            requireNonNull(code, "code");
            requireNonNull(message, "message");
        }
    }
}
