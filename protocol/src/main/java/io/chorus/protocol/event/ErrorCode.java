package io.chorus.protocol.event;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every error code the server sends, with the string it has on the wire ({@code !!! CODE: ...} in
 * text, {@code "code"} in JSON). Clients act on these codes, never on the message sentence.
 *
 * <p>The wire strings are a contract: a code may be added, never renamed. A client meeting a code it
 * does not know gets an empty {@link #fromWire} and should show the message.
 */
public enum ErrorCode {
    // Parser (Command.Invalid): the line was not a valid command.
    /** Wrong number or form of arguments. */
    USAGE("usage"),
    /** A {@code /name} the server does not know. */
    UNKNOWN_COMMAND("unknown-command"),
    /** A nickname that breaks the nick rule; JSON carries {@code nick} when one was given. */
    INVALID_NICK("invalid-nick"),
    /** A room name that breaks the room rule; JSON carries {@code room} when one was given. */
    INVALID_ROOM("invalid-room"),
    /** A message with nothing left once control characters are removed. */
    EMPTY_MESSAGE("empty-message"),

    // Chat: the command was valid but could not be done.
    /** The command needs membership of a room; JSON carries {@code room}, absent when no room was named. */
    NOT_IN_ROOM("not-in-room"),
    /** Another connection has the nick; JSON carries {@code nick}. */
    NICK_TAKEN("nick-taken"),
    /** The per-connection or server room limit is reached; JSON carries {@code room}. */
    TOO_MANY_ROOMS("too-many-rooms"),
    /** The room does not exist; JSON carries {@code room}. */
    NO_SUCH_ROOM("no-such-room"),
    /** No connection has the nick; JSON carries {@code nick}. */
    NO_SUCH_NICK("no-such-nick"),

    // Connection: usually followed by a close.
    /** A line over the length limit was discarded; the connection stays open. */
    LINE_TOO_LONG("line-too-long"),
    /** More lines per second than the rate limit; the line was dropped. */
    RATE_LIMITED("rate-limited"),
    /** Nothing received for the idle timeout; the server closes. */
    IDLE_TIMEOUT("idle-timeout"),
    /** The connection fell too far behind in reading; the server closes. */
    SLOW_CONSUMER("slow-consumer"),
    /** The server is stopping; it closes every connection after this. */
    SHUTTING_DOWN("shutting-down"),
    /** The server or this address has too many connections; the server closes. */
    TOO_MANY_CONNECTIONS("too-many-connections"),
    /** Plain text sent to a TLS port; the server closes. */
    TLS_REQUIRED("tls-required"),

    // Server: not the client's fault.
    /** The server failed while answering the command; the connection stays open, the command may be retried. */
    INTERNAL_ERROR("internal-error");

    private static final Map<String, ErrorCode> BY_WIRE = new HashMap<>();

    static {
        for (ErrorCode code : values()) {
            BY_WIRE.put(code.wire, code);
        }
    }

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    /** The code as the server sends it, e.g. {@code not-in-room}. */
    public String wire() {
        return wire;
    }

    /** The code with this wire string, or empty for a code this version does not know. */
    public static Optional<ErrorCode> fromWire(String wire) {
        return Optional.ofNullable(BY_WIRE.get(wire));
    }

    @Override
    public String toString() {
        return wire;
    }
}
