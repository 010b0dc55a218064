package io.chorus.server.chat;

import io.chorus.protocol.command.Names;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The nicks in use on one server, unique case-insensitively, and the guest names handed out on connect.
 *
 * <p>Claims answer with a {@link CompletionStage}, so that a registry shared through Redis can
 * answer later without changing its callers. This local one answers before it returns: a continuation
 * attached with {@code thenAccept} runs at once on the calling thread. A caller must still not assume
 * that; it applies the answer on its own event loop ({@code thenAcceptAsync(fn, eventLoop)} or a check of
 * {@code inEventLoop()}), and orders its later replies after it.
 *
 * <p>Thread-safe without locks: claims are atomic {@code putIfAbsent}s. It is touched on connect,
 * disconnect, {@code /nick} and {@code /msg}, never per room message. Guest numbers are local to this
 * server: they only need to be unique among the names it holds, which {@code putIfAbsent} ensures.
 *
 * @param <S> the holder of a nick: a chat member
 */
public final class NickRegistry<S> {

    /** The answer to a claim or rename. */
    public enum Claim {
        /** The nick is now the caller's. */
        GRANTED,
        /** Someone else holds the nick. */
        TAKEN
    }

    private static final CompletionStage<Claim> GRANTED = CompletableFuture.completedStage(Claim.GRANTED);
    private static final CompletionStage<Claim> TAKEN = CompletableFuture.completedStage(Claim.TAKEN);

    private final ConcurrentMap<String, S> byKey = new ConcurrentHashMap<>();
    private final AtomicLong guests = new AtomicLong();
    /** Where nicks are claimed across a cluster; {@link Backplane#LOCAL} on one node. */
    private final Backplane cluster;

    /** The nicks of a single node. */
    public NickRegistry() {
        this(Backplane.LOCAL);
    }

    /**
     * Nicks unique across the nodes sharing {@code cluster}: a claim is granted here first, so two local
     * members never race, then asked of the cluster.
     */
    public NickRegistry(Backplane cluster) {
        this.cluster = cluster;
    }

    /**
     * Claims the next free {@code guest-N} for a new member and returns it. Guest numbers stay local to
     * this server even with a shared registry: a shared one checks the name like any other claim.
     */
    String claimGuest(S holder) {
        while (true) {
            String nick = "guest-" + cluster.guestNumber(guests.incrementAndGet());
            if (byKey.putIfAbsent(Names.nickKey(nick), holder) == null) {
                // Guest numbers are unique across the cluster, so this is recorded without waiting.
                cluster.assumeNick(nick);
                return nick;
            }
        }
    }

    /** Claims a nick for a member that holds none yet. */
    public CompletionStage<Claim> claim(S holder, String nick) {
        String key = Names.nickKey(nick);
        if (byKey.putIfAbsent(key, holder) != null) {
            return TAKEN;
        }
        return cluster.clustered() ? askCluster(holder, nick, null) : GRANTED;
    }

    /**
     * Asks the cluster for a nick already granted here; on refusal the local grant is undone. If the
     * cluster cannot be reached, the local grant stands and the backplane re-asserts it when the link
     * returns (a later conflict renames the member: {@link Backplane#onNickLost}).
     */
    private CompletionStage<Claim> askCluster(S holder, String nick, String replacing) {
        return cluster.claimNick(nick).handle((granted, failure) -> {
            if (failure == null && !granted) {
                byKey.remove(Names.nickKey(nick), holder);
                return Claim.TAKEN;
            }
            if (failure != null) {
                cluster.assumeNick(nick);
            }
            if (replacing != null) {
                byKey.remove(Names.nickKey(replacing), holder);
                cluster.releaseNick(replacing);
            }
            return Claim.GRANTED;
        });
    }

    /**
     * Moves a member from its old nick to a new one ({@code /nick}). On {@link Claim#TAKEN} the old nick
     * stays the member's. A change of case only is always granted.
     */
    public CompletionStage<Claim> claim(S holder, String oldNick, String newNick) {
        String newKey = Names.nickKey(newNick);
        String oldKey = Names.nickKey(oldNick);
        if (newKey.equals(oldKey)) {
            byKey.put(newKey, holder);
            return GRANTED;
        }
        if (byKey.putIfAbsent(newKey, holder) != null) {
            return TAKEN;
        }
        if (cluster.clustered()) {
            return askCluster(holder, newNick, oldNick);
        }
        byKey.remove(oldKey, holder);
        return GRANTED;
    }

    /** Frees a nick if {@code holder} still holds it. */
    public void release(String nick, S holder) {
        if (byKey.remove(Names.nickKey(nick), holder)) {
            cluster.releaseNick(nick);
        }
    }

    /**
     * Drops a nick from this node only, leaving the cluster's record alone: another node holds it (see
     * {@link Backplane#onNickLost}).
     */
    public void forget(String nick, S holder) {
        byKey.remove(Names.nickKey(nick), holder);
    }

    public Optional<S> find(String nick) {
        return Optional.ofNullable(byKey.get(Names.nickKey(nick)));
    }

    public int size() {
        return byKey.size();
    }

    public Collection<S> sessions() {
        return byKey.values();
    }
}
