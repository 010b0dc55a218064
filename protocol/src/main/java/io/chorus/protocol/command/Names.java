package io.chorus.protocol.command;

import java.util.Locale;

/**
 * Validates and canonicalises nicknames and room names, which are both case-insensitive.
 *
 * <p>Canonical room names are lower case and carry no {@code #}; that is how they appear in events
 * and JSON. The text encoding adds the {@code #} back for display.
 */
public final class Names {

    /** Longest nickname, in characters: {@value}. */
    public static final int NICK_MAX = 24;
    /** Longest room name, in characters and without the optional leading {@code #}: {@value}. */
    public static final int ROOM_MAX = 32;

    /** The nickname rule in words, for error messages: {@value}. */
    public static final String NICK_RULE =
            "nicknames are 1 to " + NICK_MAX + " characters: letters, digits, _ and -";
    /** The room name rule in words, for error messages: {@value}. */
    public static final String ROOM_RULE =
            "room names are 1 to " + ROOM_MAX + " characters: letters, digits, _ and -, optionally after #";

    private Names() {
    }

    /** True if {@code nick} is 1 to {@value #NICK_MAX} characters of {@code [A-Za-z0-9_-]}. */
    public static boolean isValidNick(String nick) {
        return nick != null && isWord(nick, 0, NICK_MAX);
    }

    /**
     * True if {@code room}, after one optional leading {@code #}, is 1 to {@value #ROOM_MAX}
     * characters of {@code [A-Za-z0-9_-]}.
     */
    public static boolean isValidRoom(String room) {
        return room != null && isWord(room, hashPrefix(room), ROOM_MAX);
    }

    /**
     * Returns the canonical form of a valid room name: lower case, without {@code #}.
     *
     * @throws IllegalArgumentException if {@link #isValidRoom} is false for {@code room}
     */
    public static String normalizeRoom(String room) {
        if (!isValidRoom(room)) {
            throw new IllegalArgumentException(ROOM_RULE);
        }
        // Valid names are ASCII, so ROOT lower-casing cannot change their length or meaning.
        return room.substring(hashPrefix(room)).toLowerCase(Locale.ROOT);
    }

    /** Returns the key under which {@code nick} is unique: nicknames differing only in case collide. */
    public static String nickKey(String nick) {
        return nick.toLowerCase(Locale.ROOT);
    }

    private static int hashPrefix(String room) {
        return !room.isEmpty() && room.charAt(0) == '#' ? 1 : 0;
    }

    private static boolean isWord(String s, int from, int max) {
        int length = s.length() - from;
        if (length < 1 || length > max) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
