package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * What the chat core shares with the other nodes of a cluster: room traffic, the cluster-wide message
 * sequence and history of each room, presence, nick claims and private messages.
 *
 * <p>{@link #LOCAL} is a single node: nothing is shared and every method answers at once. The Redis
 * implementation ({@code io.chorus.server.cluster.RedisBackplane}) answers through
 * {@link CompletionStage}s that complete on its own threads; callers apply the answers on their own
 * event loop. A stage completes exceptionally when the cluster cannot be reached: the caller then serves
 * its local members only, as documented in OPERATIONS.md ("Running a cluster").
 *
 * <p>Methods taking a room name expect the canonical name. Thread-safe.
 */
public interface Backplane extends AutoCloseable {

    /** A single node: no cluster. */
    Backplane LOCAL = new Backplane() {
    };

    /** Where a subscribed room receives what other nodes say in it; called on the backplane's thread. */
    interface RoomSink {
        /** A message, action, join, leave or nick change that happened on another node. */
        void remote(Event event);

        /** Members of this room on the other nodes, as of the latest presence refresh. */
        default void remoteMembers(int count) {
        }
    }

    /** One page of a room's shared history: replays in id order, then the usual end marker. */
    record HistoryPage(List<Event> replays, Event.HistoryEnd end) {
    }

    /** True when this node is one of several sharing rooms. */
    default boolean clustered() {
        return false;
    }

    /** This node's id in the cluster; empty on a single node. */
    default String nodeId() {
        return "";
    }

    /**
     * The run the welcome names: in a cluster, one id shared by every node for as long as Redis keeps
     * its data, so a client that moves to another node is not told the server restarted. Null on a
     * single node, or before the first link: the node's own run id is used then.
     */
    default String runId() {
        return null;
    }

    // ---- Room traffic and ids ----

    /**
     * Starts receiving {@code room}'s events from the other nodes into {@code sink}, once the room has
     * local members or watchers. Completes when the subscription is active, or at once (normally) when the
     * cluster cannot be reached: the subscription is then made when the link returns.
     */
    default CompletionStage<Void> subscribe(String room, RoomSink sink) {
        return CompletableFuture.completedFuture(null);
    }

    /** Stops receiving {@code room}'s events; its last local member or watcher left. */
    default void unsubscribe(String room) {
    }

    /**
     * Numbers a message or action in {@code room}'s cluster-wide sequence, appends it to the shared
     * history and sends it to the other nodes, in one step. {@code unnumbered} carries id 0. Completes
     * with the id, or exceptionally when the cluster cannot be reached (the caller then numbers it
     * locally and tells {@link #numberedLocally}).
     */
    default CompletionStage<Long> append(String room, Event unnumbered) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("single node"));
    }

    /**
     * A message was numbered by this node alone while the cluster was unreachable; on reconnection the
     * room's shared sequence is moved past {@code id} with a gap, so no id repeats and a resume across
     * the outage reports an incomplete history.
     */
    default void numberedLocally(String room, long id) {
    }

    /** Sends an unnumbered room event (join, leave, nick change) to the other nodes; failures are counted. */
    default void announce(String room, Event event) {
    }

    /**
     * The shared history of {@code room}: with {@code afterId >= 0} the first {@code limit} messages
     * after it, otherwise the last {@code limit}; {@code complete} follows the same rule as on one node.
     */
    default CompletionStage<HistoryPage> history(String room, long afterId, int limit) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("single node"));
    }

    // ---- Presence ----

    /** A local member is now in {@code room} under {@code nick}. */
    default void present(String room, String nick) {
    }

    /** A local member under {@code nick} left {@code room}. */
    default void absent(String room, String nick) {
    }

    /** Local read-only watchers of {@code room} now. */
    default void watchers(String room, int count) {
    }

    /** The nicks in {@code room} on every node, sorted case-insensitively; empty when none. */
    default CompletionStage<List<String>> who(String room) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("single node"));
    }

    /** Every room with members or watchers on some node, with cluster-wide counts, by name. */
    default CompletionStage<List<Event.RoomInfo>> rooms() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("single node"));
    }

    // ---- Nicks and private messages ----

    /**
     * The number of the next guest name ({@code guest-N}): on one node {@code localNext}; in a cluster a
     * number no other node hands out, so guest names do not collide across nodes.
     */
    default long guestNumber(long localNext) {
        return localNext;
    }

    /**
     * Claims {@code nick} for this node across the cluster: true if granted (or already this node's),
     * false if another node holds it. Completes exceptionally when the cluster cannot be reached.
     */
    default CompletionStage<Boolean> claimNick(String nick) {
        return CompletableFuture.completedFuture(true);
    }

    /**
     * Records a nick this node granted without asking (a guest name, or a claim made while the cluster
     * was unreachable); if another node turns out to hold it, {@link #onNickLost} is told.
     */
    default void assumeNick(String nick) {
    }

    /** Frees a nick this node holds. */
    default void releaseNick(String nick) {
    }

    /** Where the backplane reports a local nick that another node holds; set once at start. */
    default void onNickLost(Consumer<String> lost) {
    }

    /**
     * Sends a private message to {@code event.to()} on whichever node holds that nick: true if a node
     * took it, false if nobody holds the nick.
     */
    default CompletionStage<Boolean> sendPrivate(Event.Private event) {
        return CompletableFuture.completedFuture(false);
    }

    /** Where private messages for local nicks from other nodes go; set once at start. */
    default void onPrivate(Consumer<Event.Private> delivery) {
    }

    /** Leaves the cluster: frees this node's nicks and presence, closes the connections. */
    @Override
    default void close() {
    }
}
