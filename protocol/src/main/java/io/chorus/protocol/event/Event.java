package io.chorus.protocol.event;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * Something the server tells a user; {@link EventEncoder}s turn it into text or JSON lines.
 *
 * <p>Room names are canonical: lower case, without {@code #}. Timestamps are kept to the
 * millisecond, the precision of the wire format, so that decoding an encoded event gives it back
 * equal. Texts are expected to be cleaned already (see {@code TextSanitizer}); encoders do not
 * clean again.
 */
public sealed interface Event {

    /** The JSON {@code type} of this event, such as {@code "message"}. */
    String type();

    /**
     * Greets a user who just connected: their nickname, their room and the server's name.
     *
     * @param run the server run this connection belongs to, or {@code null} when the server does not
     *     say; it changes exactly when the server restarts, so a reconnecting client can tell a restart
     *     from a dropped connection
     */
    record Welcome(String nick, String room, String server, String run) implements Event {
        public static final String TYPE = "welcome";

        public Welcome {
            requireNonNull(nick, "nick");
            requireNonNull(room, "room");
            requireNonNull(server, "server");
        }

        /** A welcome that names no server run, as servers before the {@code run} field sent. */
        public Welcome(String nick, String room, String server) {
            this(nick, room, server, null);
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * A message said in a room.
     *
     * @param id the room's sequence number of the message, usable with {@code /history ROOM since ID}
     * @param replay true when it is sent again by {@code /history} rather than live
     */
    record Message(String room, String from, String text, long id, Instant ts, boolean replay) implements Event {
        public static final String TYPE = "message";

        public Message {
            requireNonNull(room, "room");
            requireNonNull(from, "from");
            requireNonNull(text, "text");
            ts = toMillis(ts);
        }

        /** This message as {@code /history} resends it. */
        public Message asReplay() {
            return replay ? this : new Message(room, from, text, id, ts, true);
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** An action ({@code /me}) in a room; the fields mean what they mean in {@link Message}. */
    record Action(String room, String from, String text, long id, Instant ts, boolean replay) implements Event {
        public static final String TYPE = "action";

        public Action {
            requireNonNull(room, "room");
            requireNonNull(from, "from");
            requireNonNull(text, "text");
            ts = toMillis(ts);
        }

        /** This action as {@code /history} resends it. */
        public Action asReplay() {
            return replay ? this : new Action(room, from, text, id, ts, true);
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** A private message from one user to another. */
    record Private(String from, String to, String text, Instant ts) implements Event {
        public static final String TYPE = "private";

        public Private {
            requireNonNull(from, "from");
            requireNonNull(to, "to");
            requireNonNull(text, "text");
            ts = toMillis(ts);
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** Someone joined a room. */
    record Join(String room, String nick) implements Event {
        public static final String TYPE = "join";

        public Join {
            requireNonNull(room, "room");
            requireNonNull(nick, "nick");
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * Someone left a room, or disconnected when {@code quit} is true.
     *
     * @param reason why, or empty; {@code null} is taken as empty
     */
    record Leave(String room, String nick, String reason, boolean quit) implements Event {
        public static final String TYPE = "leave";

        public Leave {
            requireNonNull(room, "room");
            requireNonNull(nick, "nick");
            reason = reason == null ? "" : reason;
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * Someone changed nickname.
     *
     * @param room the room this notice is sent for, or {@code null} when it is not about one room
     */
    record NickChange(String room, String oldNick, String newNick) implements Event {
        public static final String TYPE = "nick";

        public NickChange {
            requireNonNull(oldNick, "oldNick");
            requireNonNull(newNick, "newNick");
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** The members of a room, in the order the server chose. */
    record Who(String room, List<String> nicks) implements Event {
        public static final String TYPE = "who";

        public Who {
            requireNonNull(room, "room");
            nicks = List.copyOf(nicks);
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** The rooms that exist, with their member counts. */
    record Rooms(List<RoomInfo> rooms) implements Event {
        public static final String TYPE = "rooms";

        public Rooms {
            rooms = List.copyOf(rooms);
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** One entry of {@link Rooms}; not an event by itself. */
    record RoomInfo(String name, int members, int watchers) {
        public RoomInfo {
            requireNonNull(name, "name");
        }

        /** A room with members and no read-only watchers (HTTP event-stream feeds). */
        public RoomInfo(String name, int members) {
            this(name, members, 0);
        }
    }

    /**
     * Ends a history replay, which is a run of {@link Message}s and {@link Action}s with
     * {@code replay} set.
     *
     * @param complete false when older messages were asked for but are no longer kept
     * @param count how many messages were replayed
     * @param firstId id of the first replayed message, 0 when none was
     * @param lastId id of the last replayed message, 0 when none was
     */
    record HistoryEnd(String room, boolean complete, int count, long firstId, long lastId) implements Event {
        public static final String TYPE = "history";

        public HistoryEnd {
            requireNonNull(room, "room");
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** The answer to {@code /ping}, carrying its token, which may be empty. */
    record Pong(String token) implements Event {
        public static final String TYPE = "pong";

        public Pong {
            requireNonNull(token, "token");
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * Something the user asked for did not happen.
     *
     * @param code a stable machine-readable code, the {@link ErrorCode#wire()} of one of the
     *     {@link ErrorCode}s, or a newer code this version does not know
     * @param message a sentence for the user; programs must not parse it
     * @param room the room the error is about, or {@code null}
     * @param nick the nick the error is about, or {@code null}
     */
    record Error(String code, String message, String room, String nick) implements Event {
        public static final String TYPE = "error";

        public Error {
            requireNonNull(code, "code");
            requireNonNull(message, "message");
        }

        /** An error about no particular room or nick. */
        public Error(String code, String message) {
            this(code, message, null, null);
        }

        /** An error with a known code, about no particular room or nick. */
        public static Error of(ErrorCode code, String message) {
            return new Error(code.wire(), message, null, null);
        }

        /** An error with a known code about {@code room} and/or {@code nick}; either may be {@code null}. */
        public static Error of(ErrorCode code, String message, String room, String nick) {
            return new Error(code.wire(), message, room, nick);
        }

        /** An error about {@code room}. */
        public static Error aboutRoom(ErrorCode code, String message, String room) {
            return new Error(code.wire(), message, room, null);
        }

        /** An error about {@code nick}. */
        public static Error aboutNick(ErrorCode code, String message, String nick) {
            return new Error(code.wire(), message, null, nick);
        }

        /** The code as an {@link ErrorCode}, empty when this version does not know it. */
        public Optional<ErrorCode> errorCode() {
            return ErrorCode.fromWire(code);
        }

        /** Whether this error has the given code. */
        public boolean is(ErrorCode expected) {
            return code.equals(expected.wire());
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * Information from the server that fits no other event.
     *
     * @param text a sentence for the user; programs must not parse it
     * @param code the {@link NoticeKind#wire()} of a notice clients act on, or {@code null} for
     *     information only
     * @param room the room the notice is about, or {@code null}
     * @param nick the nick the notice is about, or {@code null}
     */
    record Notice(String text, String code, String room, String nick) implements Event {
        public static final String TYPE = "notice";

        public Notice {
            requireNonNull(text, "text");
        }

        /** A notice for people only, which clients need not act on. */
        public Notice(String text) {
            this(text, null, null, null);
        }

        /** A notice of a kind clients act on, about {@code room} and/or {@code nick}; either may be {@code null}. */
        public static Notice of(NoticeKind kind, String text, String room, String nick) {
            return new Notice(text, kind.wire(), room, nick);
        }

        /** A notice of a kind clients act on, about no particular room or nick. */
        public static Notice of(NoticeKind kind, String text) {
            return new Notice(text, kind.wire(), null, null);
        }

        /** The kind, empty for an information-only notice or a kind this version does not know. */
        public Optional<NoticeKind> kind() {
            return NoticeKind.fromWire(code);
        }

        /** Whether this notice is of the given kind. */
        public boolean is(NoticeKind expected) {
            return expected.wire().equals(code);
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** The command reference, one entry per line. */
    record Help(List<String> lines) implements Event {
        public static final String TYPE = "help";

        public Help {
            lines = List.copyOf(lines);
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * A JSON event of a type this version does not know, kept so a client can show or skip it.
     *
     * @param type its {@code type} field
     * @param json the JSON object as one line, written back out unchanged
     */
    record Unknown(String type, String json) implements Event {
        public Unknown {
            requireNonNull(type, "type");
            requireNonNull(json, "json");
        }
    }

    private static Instant toMillis(Instant ts) {
        // No copy when already whole milliseconds, which is what a server clock in millis gives.
        return requireNonNull(ts, "ts").truncatedTo(ChronoUnit.MILLIS);
    }
}
