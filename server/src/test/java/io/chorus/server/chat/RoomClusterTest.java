package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.JsonEventDecoder;
import io.chorus.protocol.event.OutputFormat;
import io.chorus.server.limits.HistoryBudget;
import io.chorus.server.metrics.ChatMeters;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Room} in cluster mode, on an embedded event loop, with a {@link Backplane} whose answers the test
 * gives by hand: ids that arrive late or out of order, a cluster that fails, events from other nodes, and
 * the room's subscription following its local occupants.
 */
@Timeout(30)
class RoomClusterTest {

    private static final Instant TS = Instant.parse("2026-12-01T08:00:00Z");
    /** A cluster id, as Redis would issue: epoch ms x 1000. */
    private static final long C = 1_796_114_601_615_000L;

    private final TestMembers members = new TestMembers();
    private final FakeCluster cluster = new FakeCluster();
    private final Map<Member, OrderedReplies> replies = new HashMap<>();

    @AfterEach
    void close() {
        members.close();
    }

    /** A backplane whose every answer is a future the test completes. */
    static final class FakeCluster implements Backplane {
        /** An append waiting for its id. */
        record Append(String room, Event event, CompletableFuture<Long> id) {
        }

        final List<CompletableFuture<Void>> subscriptions = new ArrayList<>();
        final List<RoomSink> sinks = new ArrayList<>();
        final List<String> unsubscribed = new ArrayList<>();
        final List<Append> appends = new ArrayList<>();
        final List<Long> numberedAlone = new ArrayList<>();
        final List<Event> announced = new ArrayList<>();
        final Set<String> present = new TreeSet<>();
        final List<Integer> watcherCounts = new ArrayList<>();
        boolean subscribeAtOnce = true;
        CompletableFuture<List<String>> who = CompletableFuture.failedFuture(new IllegalStateException("Redis unreachable"));
        CompletableFuture<HistoryPage> history = CompletableFuture.failedFuture(new IllegalStateException("Redis unreachable"));
        final List<Long> historyAsked = new ArrayList<>();

        @Override
        public boolean clustered() {
            return true;
        }

        @Override
        public CompletionStage<Void> subscribe(String room, RoomSink sink) {
            CompletableFuture<Void> done = subscribeAtOnce ? CompletableFuture.completedFuture(null) : new CompletableFuture<>();
            subscriptions.add(done);
            sinks.add(sink);
            return done;
        }

        @Override
        public void unsubscribe(String room) {
            unsubscribed.add(room);
        }

        @Override
        public CompletionStage<Long> append(String room, Event unnumbered) {
            CompletableFuture<Long> id = new CompletableFuture<>();
            appends.add(new Append(room, unnumbered, id));
            return id;
        }

        @Override
        public void numberedLocally(String room, long id) {
            numberedAlone.add(id);
        }

        @Override
        public void announce(String room, Event event) {
            announced.add(event);
        }

        @Override
        public CompletionStage<HistoryPage> history(String room, long afterId, int limit) {
            historyAsked.add(afterId);
            return history;
        }

        @Override
        public void present(String room, String nick) {
            present.add(room + "|" + nick);
        }

        @Override
        public void absent(String room, String nick) {
            present.remove(room + "|" + nick);
        }

        @Override
        public void watchers(String room, int count) {
            watcherCounts.add(count);
        }

        @Override
        public CompletionStage<List<String>> who(String room) {
            return who;
        }

        RoomSink sink() {
            return sinks.get(sinks.size() - 1);
        }

        void answer(int append, long id) {
            appends.get(append).id().complete(id);
        }

        void fail(int append) {
            appends.get(append).id().completeExceptionally(new IllegalStateException("Redis unreachable"));
        }
    }

    private Room room(long firstId) {
        return new Room("r", members.loop(), firstId, 100, 0, UnpooledByteBufAllocator.DEFAULT, new HistoryBudget(1 << 20),
                ChatMeters.NONE, cluster);
    }

    private TcpLineMember member(String nick) {
        TcpLineMember member = members.member(nick);
        member.format(OutputFormat.JSON);
        replies.put(member, TestMembers.replies(member));
        return member;
    }

    /** A new member, joined to {@code room}: the start of most tests here. */
    private TcpLineMember joined(Room room, String nick) {
        TcpLineMember member = member(nick);
        room.join(member, nick, slot(member));
        return member;
    }

    /** An SSE-like watcher that records each JSON frame it is given in {@code frames}. */
    private RecordingMessageMember jsonWatcher(List<String> frames) {
        RecordingMessageMember watcher = new RecordingMessageMember(members.loop(), frames);
        watcher.format(OutputFormat.JSON);
        return watcher;
    }

    private ReplySlot slot(Member member) {
        return replies.get(member).reserve();
    }

    /** Runs what is pending and returns what {@code member} received, decoded. */
    private List<Event> events(TcpLineMember member) {
        return members.lines(member).stream().map(JsonEventDecoder::decode).toList();
    }

    private static Event.Message said(String from, String text, long id) {
        return new Event.Message("r", from, text, id, TS, false);
    }

    private static Event.Message replayed(String from, String text, long id) {
        return new Event.Message("r", from, text, id, TS, true);
    }

    @Test
    void aJoinIsConfirmedOnlyOnceTheRoomReceivesTheOtherNodes() {
        cluster.subscribeAtOnce = false;
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        TcpLineMember bob = joined(room, "bob");
        assertThat(events(alice)).isEmpty();
        assertThat(events(bob)).isEmpty();
        assertThat(cluster.subscriptions).as("one subscription for both joins").hasSize(1);
        assertThat(cluster.present).isEmpty();

        cluster.subscriptions.get(0).complete(null);
        assertThat(events(alice)).contains(new Event.Join("r", "alice"));
        assertThat(events(bob)).contains(new Event.Join("r", "bob"));
        assertThat(cluster.present).containsExactly("r|alice", "r|bob");
        assertThat(cluster.announced).containsExactlyInAnyOrder(new Event.Join("r", "alice"), new Event.Join("r", "bob"));
        assertThat(room.memberCount()).isEqualTo(2);
        TcpLineMember carol = joined(room, "carol");
        assertThat(cluster.subscriptions).as("a live room joins at once").hasSize(1);
        assertThat(events(alice)).containsExactly(new Event.Join("r", "carol"));
    }

    @Test
    void joinsThatWaitedForTheSubscriptionAreConfirmedInTheOrderAsked() {
        cluster.subscribeAtOnce = false;
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        TcpLineMember bob = joined(room, "bob");
        assertThat(events(alice)).isEmpty();
        cluster.subscriptions.get(0).complete(null);
        assertThat(events(alice)).containsExactly(new Event.Join("r", "alice"), new Event.Join("r", "bob"));
        assertThat(events(bob)).containsExactly(new Event.Join("r", "bob"));
        assertThat(cluster.announced).containsExactly(new Event.Join("r", "alice"), new Event.Join("r", "bob"));
    }

    @Test
    void theRoomUnsubscribesWhenItsLastMemberOrWatcherGoes() {
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        TcpLineMember bob = joined(room, "bob");
        room.leave(bob, "", false, slot(bob));
        events(bob);
        assertThat(cluster.unsubscribed).isEmpty();
        assertThat(cluster.announced).last().isEqualTo(new Event.Leave("r", "bob", "", false));
        room.leave(alice, "connection closed", true, null);
        events(alice);
        assertThat(cluster.unsubscribed).containsExactly("r");
        assertThat(cluster.present).isEmpty();

        // A watcher alone keeps the room subscribed, too.
        RecordingMessageMember watcher = new RecordingMessageMember(members.loop(), new ArrayList<>());
        room.watch(watcher, -1);
        events(alice);
        assertThat(cluster.subscriptions).hasSize(2);
        assertThat(cluster.watcherCounts).containsExactly(1);
        room.unwatch(watcher);
        events(alice);
        assertThat(cluster.watcherCounts).containsExactly(1, 0);
        assertThat(cluster.unsubscribed).containsExactly("r", "r");
    }

    @Test
    void messagesSaidHereAreDeliveredInTheOrderSaidWhateverOrderTheirIdsArriveIn() {
        Room room = room(1);
        TcpLineMember alice = member("alice");
        TcpLineMember bob = member("bob");
        alice.echo(true);
        room.join(alice, "alice", slot(alice));
        room.join(bob, "bob", slot(bob));
        events(alice);
        events(bob);
        room.publish(alice, "alice", "one", false, TS, slot(alice));
        room.publish(alice, "alice", "two", false, TS, slot(alice));
        room.publish(bob, "bob", "three", false, TS, slot(bob));
        events(alice);
        assertThat(cluster.appends).extracting(FakeCluster.Append::event)
                .containsExactly(said("alice", "one", 0), said("alice", "two", 0), said("bob", "three", 0));

        cluster.answer(2, C + 3);
        cluster.answer(1, C + 2);
        assertThat(events(alice)).as("nothing before the first message has its id").isEmpty();
        assertThat(events(bob)).isEmpty();
        cluster.answer(0, C + 1);
        assertThat(events(alice)).containsExactly(said("alice", "one", C + 1), said("alice", "two", C + 2),
                said("bob", "three", C + 3));
        assertThat(events(bob)).containsExactly(said("alice", "one", C + 1), said("alice", "two", C + 2));
        assertThat(room.lastMessageId()).isEqualTo(C + 3);
        assertThat(cluster.numberedAlone).isEmpty();
    }

    @Test
    void aFailedAppendIsNumberedHereAfterTheLastIdSeenAndReported() {
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        TcpLineMember bob = joined(room, "bob");
        events(alice);
        events(bob);
        cluster.sink().remote(said("carol", "from afar", C + 10));
        assertThat(events(bob)).containsExactly(said("carol", "from afar", C + 10));

        room.publish(alice, "alice", "a", false, TS, slot(alice));
        room.publish(alice, "alice", "b", false, TS, slot(alice));
        room.publish(alice, "alice", "c", false, TS, slot(alice));
        room.publish(alice, "alice", "d", false, TS, slot(alice));
        events(alice);
        long clock = System.currentTimeMillis() * 1000;
        cluster.fail(0);
        cluster.fail(1);
        cluster.answer(2, C + 20);
        cluster.fail(3);
        List<Event> seen = events(bob);
        assertThat(seen).extracting(e -> ((Event.Message) e).text()).containsExactly("a", "b", "c", "d");
        long a = idOf(seen.get(0));
        long b = idOf(seen.get(1));
        long c = idOf(seen.get(2));
        long d = idOf(seen.get(3));
        // Numbered here above the last id seen (C + 10) and at least the clock; the cluster's id as given.
        assertThat(a).isGreaterThanOrEqualTo(Math.max(C + 11, clock));
        assertThat(b).isGreaterThan(a);
        assertThat(c).isEqualTo(C + 20);
        assertThat(d).isGreaterThan(Math.max(b, c));
        assertThat(cluster.numberedAlone).containsExactly(a, b, d);
        assertThat(room.lastMessageId()).isEqualTo(d);
    }

    private static long idOf(Event event) {
        return ((Event.Message) event).id();
    }

    @Test
    void whatOtherNodesSayReachesEveryLocalOccupantAndLocalHistory() {
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        List<String> frames = new ArrayList<>();
        RecordingMessageMember watcher = jsonWatcher(frames);
        room.watch(watcher, -1);
        events(alice);
        Backplane.RoomSink sink = cluster.sink();
        sink.remote(new Event.Join("r", "carol"));
        sink.remote(said("carol", "hi", C + 1));
        sink.remote(new Event.Action("r", "carol", "waves", C + 2, TS, false));
        sink.remote(new Event.NickChange("r", "carol", "caz"));
        sink.remote(new Event.Leave("r", "caz", "", true));
        List<Event> expected = List.of(new Event.Join("r", "carol"), said("carol", "hi", C + 1),
                new Event.Action("r", "carol", "waves", C + 2, TS, false), new Event.NickChange("r", "carol", "caz"),
                new Event.Leave("r", "caz", "", true));
        assertThat(events(alice)).isEqualTo(expected);
        assertThat(frames).extracting(JsonEventDecoder::decode).isEqualTo(expected);
        assertThat(room.lastMessageId()).isEqualTo(C + 2);
        assertThat(cluster.announced).as("nothing is sent back to the cluster").containsExactly(new Event.Join("r", "alice"));

        // Redis away: /history answers from what this node holds, which includes the other node's messages.
        room.historySince(slot(alice), C);
        assertThat(events(alice)).containsExactly(replayed("carol", "hi", C + 1),
                new Event.Action("r", "carol", "waves", C + 2, TS, true), new Event.HistoryEnd("r", false, 2, C + 1, C + 2));
    }

    @Test
    void historyComesFromTheSharedHistoryAndFallsBackToLocalMarkedIncomplete() {
        Room room = room(1);
        TcpLineMember alice = member("alice");
        alice.echo(true);
        room.join(alice, "alice", slot(alice));
        room.publish(alice, "alice", "mine", false, TS, slot(alice));
        events(alice);
        cluster.answer(0, C + 5);
        assertThat(events(alice)).containsExactly(said("alice", "mine", C + 5));

        cluster.history = CompletableFuture.completedFuture(new Backplane.HistoryPage(
                List.of(replayed("bob", "elsewhere", C + 4), replayed("alice", "mine", C + 5)),
                new Event.HistoryEnd("r", true, 2, C + 4, C + 5)));
        room.historyLast(slot(alice), 2);
        assertThat(events(alice)).containsExactly(replayed("bob", "elsewhere", C + 4), replayed("alice", "mine", C + 5),
                new Event.HistoryEnd("r", true, 2, C + 4, C + 5));
        room.historySince(slot(alice), C + 3);
        assertThat(events(alice)).hasSize(3);
        assertThat(cluster.historyAsked).containsExactly(-1L, C + 3);

        cluster.history = CompletableFuture.failedFuture(new IllegalStateException("Redis unreachable"));
        room.historyLast(slot(alice), 5);
        assertThat(events(alice)).containsExactly(replayed("alice", "mine", C + 5), new Event.HistoryEnd("r", false, 1, C + 5,
                C + 5));
        room.historySince(slot(alice), C + 3);
        assertThat(events(alice)).last().isEqualTo(new Event.HistoryEnd("r", false, 1, C + 5, C + 5));
    }

    @Test
    void aRoomCountedOverEveryNodeGoesQuiet() {
        Room room = new Room("r", members.loop(), 1, 100, 3, UnpooledByteBufAllocator.DEFAULT, new HistoryBudget(1 << 20),
                ChatMeters.NONE, cluster);
        TcpLineMember bob = joined(room, "bob");
        events(bob);
        cluster.sink().remoteMembers(1);
        cluster.sink().remote(new Event.Join("r", "carol"));
        assertThat(events(bob)).containsExactly(new Event.Join("r", "carol"));
        // bob, and carol and one more on other nodes: a fourth member makes the room quiet.
        TcpLineMember alice = joined(room, "alice");
        assertThat(events(alice)).as("the joiner is always confirmed").containsExactly(new Event.Join("r", "alice"));
        assertThat(events(bob)).isEmpty();
        assertThat(cluster.announced).containsExactly(new Event.Join("r", "bob"));
        assertThat(cluster.present).containsExactly("r|alice", "r|bob");
    }

    @Test
    void theApiPublishesWithTheClusterIdOrALocalOne() {
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        events(alice);
        CompletableFuture<Long> first = room.publishFrom("bot", "deploy", false, TS).toCompletableFuture();
        CompletableFuture<Long> second = room.publishFrom("bot", "done", true, TS).toCompletableFuture();
        events(alice);
        assertThat(first).isNotDone();
        long clock = System.currentTimeMillis() * 1000;
        cluster.answer(0, C + 7);
        cluster.fail(1);
        events(alice);
        assertThat(first).isCompletedWithValue(C + 7);
        // Numbered here: above the cluster id just seen, and at least the clock.
        assertThat(second.join()).isGreaterThanOrEqualTo(Math.max(C + 8, clock));
        assertThat(cluster.numberedAlone).containsExactly(second.join());
    }

    @Test
    void aResumedWatcherGetsTheSharedHistoryThenWhatArrivedMeanwhileThenLive() {
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        events(alice);
        CompletableFuture<Backplane.HistoryPage> read = new CompletableFuture<>();
        cluster.history = read;
        List<String> frames = new ArrayList<>();
        RecordingMessageMember watcher = jsonWatcher(frames);
        room.watch(watcher, C + 3);
        events(alice);
        assertThat(cluster.historyAsked).containsExactly(C + 3);
        cluster.sink().remote(said("carol", "meanwhile", C + 6));
        events(alice);
        read.complete(new Backplane.HistoryPage(List.of(replayed("bob", "m4", C + 4), replayed("bob", "m5", C + 5)),
                new Event.HistoryEnd("r", true, 2, C + 4, C + 5)));
        cluster.sink().remote(said("carol", "live", C + 7));
        events(alice);
        assertThat(frames).extracting(JsonEventDecoder::decode).containsExactly(replayed("bob", "m4", C + 4),
                replayed("bob", "m5", C + 5), replayed("carol", "meanwhile", C + 6),
                new Event.HistoryEnd("r", true, 3, C + 4, C + 6), said("carol", "live", C + 7));
    }

    @Test
    void aWatcherResumingFromTheNewestIdGetsWhatArrivedDuringTheRead() {
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        events(alice);
        CompletableFuture<Backplane.HistoryPage> read = new CompletableFuture<>();
        cluster.history = read;
        List<String> frames = new ArrayList<>();
        RecordingMessageMember watcher = jsonWatcher(frames);
        room.watch(watcher, C + 5);
        events(alice);
        cluster.sink().remote(said("carol", "meanwhile", C + 6));
        events(alice);
        read.complete(new Backplane.HistoryPage(List.of(), new Event.HistoryEnd("r", true, 0, 0, 0)));
        cluster.sink().remote(said("carol", "live", C + 7));
        events(alice);
        assertThat(frames).extracting(JsonEventDecoder::decode).containsExactly(replayed("carol", "meanwhile", C + 6),
                new Event.HistoryEnd("r", true, 1, C + 6, C + 6), said("carol", "live", C + 7));
    }

    @Test
    void aNickChangeIsToldHereAndToTheClusterAndMovesThePresence() {
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        TcpLineMember bob = joined(room, "bob");
        events(alice);
        events(bob);
        room.nickChanged(alice, "alice", "alicia");
        assertThat(events(bob)).containsExactly(new Event.NickChange("r", "alice", "alicia"));
        assertThat(cluster.announced).last().isEqualTo(new Event.NickChange("r", "alice", "alicia"));
        assertThat(cluster.present).containsExactly("r|alicia", "r|bob");
    }

    @Test
    void disposingASubscribedRoomUnsubscribesIt() {
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        events(alice);
        room.dispose();
        assertThat(cluster.unsubscribed).containsExactly("r");
    }

    @Test
    void historyWithoutRedisIsInIdOrderEvenWhenDeliveryWasNot() {
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        events(alice);
        room.publish(alice, "alice", "mine", false, TS, slot(alice));
        events(alice);
        // Redis numbered alice's message first, but the next one, from another node, came in on the channel
        // before the answer to her append.
        cluster.sink().remote(said("carol", "theirs", C + 2));
        events(alice);
        cluster.answer(0, C + 1);
        events(alice);
        room.historyLast(slot(alice), 10);
        assertThat(events(alice)).containsExactly(replayed("alice", "mine", C + 1), replayed("carol", "theirs", C + 2),
                new Event.HistoryEnd("r", false, 2, C + 1, C + 2));
    }

    @Test
    void whoListsEveryNodeAndFallsBackToTheLocalList() {
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        TcpLineMember bob = joined(room, "bob");
        events(alice);
        room.who(slot(alice));
        assertThat(events(alice)).containsExactly(new Event.Who("r", List.of("alice", "bob")));
        cluster.who = CompletableFuture.completedFuture(List.of("alice", "bob", "carol"));
        room.who(slot(alice));
        assertThat(events(alice)).containsExactly(new Event.Who("r", List.of("alice", "bob", "carol")));
    }

    @Test
    void aMemberThatDisconnectsWhileItsJoinWaitsForTheSubscriptionIsNotLeftInTheRoom() {
        cluster.subscribeAtOnce = false;
        Room room = room(1);
        TcpLineMember alice = joined(room, "alice");
        events(alice);
        // The connection closes before the room is live; ChatConnection.closed() leaves every room it joined.
        ((EmbeddedChannel) alice.channel()).close();
        room.leave(alice, "connection closed", true, null);
        events(alice);
        cluster.subscriptions.get(0).complete(null);
        events(alice);
        assertThat(room.memberCount()).isZero();
        assertThat(cluster.present).doesNotContain("r|alice");
        assertThat(cluster.unsubscribed).containsExactly("r");
    }

    @Test
    void aWatcherThatGoesWhileItsWatchWaitsForTheSubscriptionIsNotLeftInTheRoom() {
        cluster.subscribeAtOnce = false;
        Room room = room(1);
        TcpLineMember idle = member("idle");
        RecordingMessageMember watcher = new RecordingMessageMember(members.loop(), new ArrayList<>());
        room.watch(watcher, -1);
        events(idle);
        // The event stream closed before the room was live; the API unwatches.
        room.unwatch(watcher);
        events(idle);
        cluster.subscriptions.get(0).complete(null);
        events(idle);
        assertThat(room.watcherCount()).isZero();
        assertThat(cluster.unsubscribed).containsExactly("r");
    }

    /**
     * A node whose room was made after the cluster's sequence began: {@code MessageIds} gave it a first id
     * (its own now x 1000) above the ids Redis issues for the room.
     */
    private Room roomMadeAfterTheSequenceBegan(TcpLineMember alice) {
        Room room = room(C + 1_000_000);
        room.join(alice, "alice", slot(alice));
        events(alice);
        cluster.sink().remote(said("carol", "c1", C + 1));
        cluster.sink().remote(said("carol", "c2", C + 2));
        assertThat(events(alice)).hasSize(2);
        return room;
    }

    @Test
    void theLastMessageIdIsTheLastIdSeenEvenBelowTheRoomsFirstId() {
        Room room = roomMadeAfterTheSequenceBegan(member("alice"));
        assertThat(room.lastMessageId()).isEqualTo(C + 2);
    }

    @Test
    void historyWithoutRedisIncludesHeldMessagesBelowTheRoomsFirstId() {
        TcpLineMember alice = member("alice");
        Room room = roomMadeAfterTheSequenceBegan(alice);
        room.historyLast(slot(alice), 10);
        assertThat(events(alice)).containsExactly(replayed("carol", "c1", C + 1), replayed("carol", "c2", C + 2),
                new Event.HistoryEnd("r", false, 2, C + 1, C + 2));
    }

    @Test
    void aFailedAppendIsNumberedAboveTheLastIdSeenAndTheClock() {
        TcpLineMember alice = member("alice");
        alice.echo(true);
        Room room = roomMadeAfterTheSequenceBegan(alice);
        room.publish(alice, "alice", "alone", false, TS, slot(alice));
        events(alice);
        long clockBefore = System.currentTimeMillis() * 1000;
        cluster.fail(0);
        long expected = Math.max(C + 3, clockBefore);
        List<Event> seen = events(alice);
        assertThat(seen).hasSize(1);
        long id = ((Event.Message) seen.get(0)).id();
        // Above the last id seen (C + 2), and time-based: two nodes cut off at once rarely pick the same id.
        assertThat(id).isGreaterThanOrEqualTo(expected).isLessThan(System.currentTimeMillis() * 1000 + 1000);
        assertThat(seen.get(0)).isEqualTo(said("alice", "alone", id));
        assertThat(cluster.numberedAlone).containsExactly(id);
        assertThat(room.lastMessageId()).isEqualTo(id);
    }
}
