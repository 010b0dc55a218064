package io.chorus.server.chat;

import io.chorus.protocol.command.Names;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The nicks in use on one server, unique case-insensitively, and the guest names handed out on connect.
 *
 * <p>Thread-safe without locks: claims are atomic {@code putIfAbsent}s. It is touched on connect,
 * disconnect, {@code /nick} and {@code /msg}, never per room message.
 */
public final class NickRegistry {

    private final ConcurrentMap<String, Member> byKey = new ConcurrentHashMap<>();
    private final AtomicLong guests = new AtomicLong();

    /** Claims the next free {@code guest-N} for a new session and returns it. */
    String claimGuest(Member session) {
        while (true) {
            String nick = "guest-" + guests.incrementAndGet();
            if (byKey.putIfAbsent(Names.nickKey(nick), session) == null) {
                return nick;
            }
        }
    }

    /** Moves a session from its old nick to a new one; false if someone else holds the new one. */
    boolean rename(Member session, String oldNick, String newNick) {
        String newKey = Names.nickKey(newNick);
        String oldKey = Names.nickKey(oldNick);
        if (newKey.equals(oldKey)) {
            byKey.put(newKey, session);
            return true;
        }
        if (byKey.putIfAbsent(newKey, session) != null) {
            return false;
        }
        byKey.remove(oldKey, session);
        return true;
    }

    void release(String nick, Member session) {
        byKey.remove(Names.nickKey(nick), session);
    }

    public Optional<Member> find(String nick) {
        return Optional.ofNullable(byKey.get(Names.nickKey(nick)));
    }

    public int size() {
        return byKey.size();
    }

    public Collection<Member> sessions() {
        return byKey.values();
    }
}
