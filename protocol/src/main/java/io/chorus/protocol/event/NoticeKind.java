package io.chorus.protocol.event;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The notices a client acts on, with the string they carry in the JSON {@code "code"} field. The
 * notice text stays a sentence for people; programs read the kind and the {@code room}/{@code nick}
 * fields instead.
 *
 * <p>Wire strings are a contract: a kind may be added, never renamed. A notice without a kind is
 * information only.
 */
public enum NoticeKind {
    /** {@code /echo on} took effect. */
    ECHO_ON("echo-on"),
    /** {@code /echo off} took effect. */
    ECHO_OFF("echo-off"),
    /** {@code /nick} asked for the nick the connection already has; JSON carries {@code nick}. */
    NICK_UNCHANGED("nick-unchanged"),
    /** {@code /join} of a room the connection is already in made it current; JSON carries {@code room}. */
    CURRENT_ROOM("current-room"),
    /** The answer to {@code /quit}; the server closes after it. */
    BYE("bye"),
    /**
     * In a cluster, another node turned out to hold this connection's nick (claimed there while the
     * nodes could not reach each other); the connection was renamed to a guest. JSON carries the lost
     * {@code nick}; a nick-change event with the new name comes first.
     */
    NICK_LOST("nick-lost");

    private static final Map<String, NoticeKind> BY_WIRE = new HashMap<>();

    static {
        for (NoticeKind kind : values()) {
            BY_WIRE.put(kind.wire, kind);
        }
    }

    private final String wire;

    NoticeKind(String wire) {
        this.wire = wire;
    }

    /** The kind as the server sends it, e.g. {@code current-room}. */
    public String wire() {
        return wire;
    }

    /** The kind with this wire string, or empty for none or one this version does not know. */
    public static Optional<NoticeKind> fromWire(String wire) {
        return Optional.ofNullable(wire == null ? null : BY_WIRE.get(wire));
    }

    @Override
    public String toString() {
        return wire;
    }
}
