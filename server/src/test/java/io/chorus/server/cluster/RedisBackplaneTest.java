package io.chorus.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.chorus.protocol.event.Event;
import io.chorus.server.ClusterOptions;
import io.chorus.server.chat.Backplane;
import io.chorus.server.http.HealthStatus;
import io.lettuce.core.KillArgs;
import io.lettuce.core.Range;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RedisBackplane} against a real {@code redis-server}: two backplanes in one JVM are two nodes,
 * each with its own meters and health. What one node does must be seen by the other, and in Redis under
 * the keys of the cluster contract. {@link Pages} checks the completeness rules of a history page
 * without Redis.
 */
@Timeout(120)
class RedisBackplaneTest {

    private static final Instant TS = Instant.parse("2026-12-01T08:00:00Z");
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Duration LINK = Duration.ofSeconds(30);

    private TestRedis redis;
    private final List<Node> nodes = new ArrayList<>();

    /** One cluster node: a backplane with its own health and meters. */
    private record Node(RedisBackplane backplane, HealthStatus health, SimpleMeterRegistry meters) {

        double counter(String name) {
            return meters.get(name).counter().count();
        }

        double gauge(String name) {
            return meters.get(name).gauge().value();
        }

        Node linked() {
            await(backplane.nodeId() + " linked").atMost(LINK).until(backplane::linked);
            return this;
        }
    }

    /** What a subscribed room receives from the other nodes. */
    private static final class Inbox implements Backplane.RoomSink {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

        @Override
        public void remote(Event event) {
            events.add(event);
        }

        Event next() throws InterruptedException {
            Event event = events.poll(20, TimeUnit.SECONDS);
            assertThat(event).as("an event from the other node").isNotNull();
            return event;
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Node node : nodes) {
            node.backplane().close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private RedisCommands<String, String> startRedis() throws Exception {
        redis = TestRedis.start();
        return redis.cli();
    }

    private Node node(String id, int historyLength) {
        HealthStatus health = new HealthStatus();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Node node = new Node(RedisBackplane.start(new ClusterOptions(redis.uri(), id, TTL), historyLength, health, meters),
                health, meters);
        nodes.add(node);
        return node;
    }

    private Node linkedNode(String id) {
        return node(id, 1000).linked();
    }

    private static Event.Message message(String room, String from, String text) {
        return new Event.Message(room, from, text, 0, TS, false);
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void appendNumbersFromTheClockConsecutivelyAndReachesOnlyTheOtherNodes() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        Node b = linkedNode("node-b");
        Inbox atA = new Inbox();
        Inbox atB = new Inbox();
        get(a.backplane().subscribe("lobby", atA));
        get(b.backplane().subscribe("lobby", atB));

        long floor = System.currentTimeMillis() * 1000;
        long one = get(a.backplane().append("lobby", message("lobby", "alice", "one")));
        long two = get(a.backplane().append("lobby", message("lobby", "alice", "two")));
        long three = get(a.backplane().append("lobby", new Event.Action("lobby", "alice", "waves", 0, TS, false)));
        assertThat(one).isGreaterThanOrEqualTo(floor);
        assertThat(two).isEqualTo(one + 1);
        assertThat(three).isEqualTo(one + 2);

        assertThat(atB.next()).isEqualTo(new Event.Message("lobby", "alice", "one", one, TS, false));
        assertThat(atB.next()).isEqualTo(new Event.Message("lobby", "alice", "two", two, TS, false));
        assertThat(atB.next()).isEqualTo(new Event.Action("lobby", "alice", "waves", three, TS, false));
        a.backplane().announce("lobby", new Event.Join("lobby", "carol"));
        assertThat(atB.next()).isEqualTo(new Event.Join("lobby", "carol"));

        long four = get(b.backplane().append("lobby", message("lobby", "bob", "four")));
        assertThat(four).isEqualTo(one + 3);
        // Redis orders the channel: had A received its own three messages or its join, they would come first.
        assertThat(atA.next()).isEqualTo(new Event.Message("lobby", "bob", "four", four, TS, false));
        assertThat(atA.events).isEmpty();

        assertThat(cli.get("chorus:room:{lobby}:seq")).isEqualTo(Long.toString(four));
        assertThat(cli.xlen("chorus:room:{lobby}:log")).isEqualTo(4);
        assertThat(cli.xrange("chorus:room:{lobby}:log", Range.create("-", "+")).get(0).getId()).isEqualTo(one + "-0");

        await().atMost(LINK).untilAsserted(() -> {
            assertThat(a.counter("chorus.cluster.messages.out")).isEqualTo(4);
            assertThat(b.counter("chorus.cluster.messages.out")).isEqualTo(1);
        });
        assertThat(b.counter("chorus.cluster.messages.in")).isEqualTo(4);
        assertThat(a.counter("chorus.cluster.messages.in")).isEqualTo(1);
        assertThat(a.counter("chorus.cluster.publish.failures")).isZero();
        assertThat(a.gauge("chorus.cluster.link.up")).isEqualTo(1);
        assertThat(a.gauge("chorus.cluster.subscribed.rooms")).isEqualTo(1);
        await().atMost(LINK).until(() -> a.gauge("chorus.cluster.rtt") >= 0);
    }

    @Test
    void theMetersHaveTheirPrometheusNames() throws Exception {
        startRedis();
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RedisBackplane a = RedisBackplane.start(new ClusterOptions(redis.uri(), "node-a", TTL), 1000, new HealthStatus(),
                prometheus);
        try {
            await().atMost(LINK).until(a::linked);
            get(a.subscribe("lobby", new Inbox()));
            get(a.append("lobby", message("lobby", "alice", "one")));
            await().atMost(LINK).untilAsserted(() -> assertThat(prometheus.scrape()).contains(
                    "chorus_cluster_messages_out_total 1.0", "chorus_cluster_messages_in_total 0.0",
                    "chorus_cluster_publish_failures_total 0.0", "chorus_cluster_link_up 1.0",
                    "chorus_cluster_subscribed_rooms 1.0", "chorus_cluster_rtt_seconds "));
        } finally {
            a.close();
        }
    }

    @Test
    void historyAnswersAfterAnIdOrTheLastNWithTheCompleteFlagOnEveryNode() throws Exception {
        startRedis();
        Node a = linkedNode("node-a");
        Node b = linkedNode("node-b");
        long first = get(a.backplane().append("hist", message("hist", "alice", "m1")));
        for (int i = 2; i <= 5; i++) {
            get((i % 2 == 0 ? b : a).backplane().append("hist", message("hist", "alice", "m" + i)));
        }
        long last = first + 4;

        for (Node node : List.of(a, b)) {
            Backplane.HistoryPage after = get(node.backplane().history("hist", first + 1, 10));
            assertThat(after.replays()).extracting(e -> ((Event.Message) e).text()).containsExactly("m3", "m4", "m5");
            assertThat(after.replays()).allSatisfy(e -> assertThat(((Event.Message) e).replay()).isTrue());
            assertThat(after.replays().get(0)).isEqualTo(new Event.Message("hist", "alice", "m3", first + 2, TS, true));
            assertThat(after.end()).isEqualTo(new Event.HistoryEnd("hist", true, 3, first + 2, last));

            assertThat(get(node.backplane().history("hist", first + 1, 2)).end())
                    .as("a page cut by the limit still starts right after the id")
                    .isEqualTo(new Event.HistoryEnd("hist", true, 2, first + 2, first + 3));
            assertThat(get(node.backplane().history("hist", last, 10)).end())
                    .isEqualTo(new Event.HistoryEnd("hist", true, 0, 0, 0));
            assertThat(get(node.backplane().history("hist", last + 100, 10)).end())
                    .as("an id from the future").isEqualTo(new Event.HistoryEnd("hist", false, 0, 0, 0));
            assertThat(get(node.backplane().history("hist", first - 10, 10)).end())
                    .as("an id from before the sequence").isEqualTo(new Event.HistoryEnd("hist", false, 5, first, last));

            Backplane.HistoryPage lastTwo = get(node.backplane().history("hist", -1, 2));
            assertThat(lastTwo.replays()).extracting(e -> ((Event.Message) e).id()).containsExactly(last - 1, last);
            assertThat(lastTwo.end()).isEqualTo(new Event.HistoryEnd("hist", true, 2, last - 1, last));
            assertThat(get(node.backplane().history("hist", -1, 50)).end())
                    .as("more than was ever said: all of it, complete")
                    .isEqualTo(new Event.HistoryEnd("hist", true, 5, first, last));
            assertThat(get(node.backplane().history("never-used", -1, 10)).end())
                    .isEqualTo(new Event.HistoryEnd("never-used", true, 0, 0, 0));
            assertThat(get(node.backplane().history("never-used", 0, 10)).end())
                    .isEqualTo(new Event.HistoryEnd("never-used", true, 0, 0, 0));
        }
    }

    @Test
    void aTrimmedHistoryIsIncompleteButItsLastMessagesAreComplete() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = node("node-a", 5).linked();
        long first = get(a.backplane().append("trim", message("trim", "alice", "m1")));
        List<CompletableFuture<Long>> ids = new ArrayList<>();
        int total = 400;
        for (int i = 2; i <= total; i++) {
            ids.add(a.backplane().append("trim", message("trim", "alice", "m" + i)).toCompletableFuture());
        }
        CompletableFuture.allOf(ids.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        long last = first + total - 1;
        // MAXLEN ~ trims whole stream nodes, so Redis keeps at least 5 and usually more; but not all 400.
        long held = cli.xlen("chorus:room:{trim}:log");
        assertThat(held).isBetween(5L, total - 1L);

        Backplane.HistoryPage since = get(a.backplane().history("trim", first, 1000));
        assertThat(since.end().complete()).isFalse();
        // What one node with --history 5 would hold: the newest 5, whatever more the stream kept.
        assertThat(since.end().count()).isEqualTo(5);
        assertThat(since.end().firstId()).isEqualTo(last - 4);
        assertThat(since.end().lastId()).isEqualTo(last);
        assertThat(get(a.backplane().history("trim", -1, total)).end().complete()).isFalse();
        assertThat(get(a.backplane().history("trim", -1, 5)).end())
                .isEqualTo(new Event.HistoryEnd("trim", true, 5, last - 4, last));
        assertThat(get(a.backplane().history("trim", last - 3, 10)).end())
                .isEqualTo(new Event.HistoryEnd("trim", true, 3, last - 2, last));
    }

    @Test
    void idsNumberedAloneAreSkippedWithAGapWhenTheLinkReturns() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        Node b = linkedNode("node-b");
        Inbox atB = new Inbox();
        get(b.backplane().subscribe("gap", atB));
        long first = get(a.backplane().append("gap", message("gap", "alice", "before-1")));
        long second = get(a.backplane().append("gap", message("gap", "alice", "before-2")));
        atB.next();
        atB.next();
        // The room numbered two messages alone (as Room does when append fails); recorded until the link returns.
        a.backplane().numberedLocally("gap", second + 1);
        a.backplane().numberedLocally("gap", second + 2);

        // Every client is paused longer than a PING may take: both nodes see the link go, then come back.
        cli.clientPause(5000);
        await("link lost").atMost(LINK).until(() -> !a.backplane().linked());
        assertThat(a.health().snapshot()).isEqualTo(new HealthStatus.Snapshot(HealthStatus.State.DEGRADED,
                "cluster: Redis unreachable"));
        assertThat(a.gauge("chorus.cluster.link.up")).isZero();
        assertThatThrownBy(() -> get(a.backplane().append("gap", message("gap", "alice", "while-down"))))
                .hasRootCauseInstanceOf(IllegalStateException.class);
        assertThat(a.counter("chorus.cluster.publish.failures")).isGreaterThanOrEqualTo(1);
        assertThatThrownBy(() -> get(a.backplane().history("gap", -1, 10))).isNotNull();
        assertThatThrownBy(() -> get(a.backplane().who("gap"))).isNotNull();

        await("link restored").atMost(LINK).until(() -> a.backplane().linked() && b.backplane().linked());
        assertThat(a.health().state()).isEqualTo(HealthStatus.State.UP);
        // The highest id numbered alone, plus one id nobody uses.
        await().atMost(LINK).until(() -> String.valueOf(second + 3).equals(cli.get("chorus:room:{gap}:seq")));
        long next = get(b.backplane().append("gap", message("gap", "bob", "after")));
        assertThat(next).isEqualTo(second + 4);
        Backplane.HistoryPage resume = get(b.backplane().history("gap", second, 10));
        assertThat(resume.end()).as("a resume across the outage").isEqualTo(new Event.HistoryEnd("gap", false, 1, next, next));
        assertThat(get(a.backplane().history("gap", -1, 10)).replays()).extracting(e -> ((Event.Message) e).id())
                .containsExactly(first, second, next);
    }

    @Test
    void aRedisThatRestartedEmptyGetsSubscriptionsPresenceAndNicksBack() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        Node b = linkedNode("node-b");
        Inbox atA = new Inbox();
        get(a.backplane().subscribe("back", atA));
        a.backplane().present("back", "alice");
        assertThat(get(a.backplane().claimNick("alice"))).isTrue();
        long before = get(b.backplane().append("back", message("back", "bob", "before")));
        assertThat(((Event.Message) atA.next()).id()).isEqualTo(before);
        // Both nodes name one run in their welcomes, so a client moving between them sees no restart.
        String run = a.backplane().runId();
        assertThat(run).isNotNull().isEqualTo(b.backplane().runId());

        redis.stop();
        await("link lost").atMost(LINK).until(() -> !a.backplane().linked() && !b.backplane().linked());
        redis.restart();
        await("link restored").atMost(LINK).until(() -> a.backplane().linked() && b.backplane().linked());

        await().atMost(LINK).untilAsserted(() -> {
            assertThat(cli.pubsubShardChannels("chorus:room:*")).containsExactly("chorus:room:{back}");
            assertThat(cli.get("chorus:nick:alice")).isEqualTo("node-a");
            assertThat(get(b.backplane().who("back"))).containsExactly("alice");
        });
        assertThat(get(b.backplane().claimNick("Alice"))).isFalse();
        long after = get(b.backplane().append("back", message("back", "bob", "after")));
        assertThat(atA.next()).isEqualTo(new Event.Message("back", "bob", "after", after, TS, false));
        assertThat(after).as("a lost sequence starts again above every earlier id").isGreaterThan(before);
        // Redis lost the history and the sequences: that is a new run for clients.
        assertThat(a.backplane().runId()).isNotEqualTo(run).isEqualTo(b.backplane().runId());
    }

    @Test
    void aRoomLeftWhileTheLinkWasDownIsNotSubscribedWhenItReturns() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        get(a.backplane().subscribe("kept", new Inbox()));
        get(a.backplane().subscribe("left", new Inbox()));
        assertThat(cli.pubsubShardChannels("chorus:room:*")).hasSize(2);
        cli.clientPause(5000);
        await("link lost").atMost(LINK).until(() -> !a.backplane().linked());
        a.backplane().unsubscribe("left");
        await("link restored").atMost(LINK).until(() -> a.backplane().linked());
        assertThat(a.gauge("chorus.cluster.subscribed.rooms")).isEqualTo(1);
        await().atMost(LINK).untilAsserted(() ->
                assertThat(cli.pubsubShardChannels("chorus:room:*")).containsExactly("chorus:room:{kept}"));
    }

    @Test
    void aRoomLeftWhileRedisWasDownIsNotSubscribedAfterItRestarts() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        get(a.backplane().subscribe("kept", new Inbox()));
        get(a.backplane().subscribe("left", new Inbox()));
        redis.stop();
        await("link lost").atMost(LINK).until(() -> !a.backplane().linked());
        a.backplane().unsubscribe("left");
        redis.restart();
        await("link restored").atMost(LINK).until(() -> a.backplane().linked());
        await().atMost(LINK).untilAsserted(() ->
                assertThat(cli.pubsubShardChannels("chorus:room:*")).containsExactly("chorus:room:{kept}"));
    }

    @Test
    void anIdNumberedAloneInAFlapShorterThanTheLinkCheckIsNotIssuedAgain() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        long before = get(a.backplane().append("flap", message("flap", "alice", "before")));
        boolean failed = false;
        for (int attempt = 0; attempt < 20 && !failed; attempt++) {
            killCommandConnections(cli);
            try {
                get(a.backplane().append("flap", message("flap", "alice", "during")));
                before++;
            } catch (ExecutionException e) {
                failed = true;
            }
        }
        assertThat(failed).as("an append failed while the command connection was cut").isTrue();
        // What Room does with a failed append: the next id after the last it saw, reported as numbered alone.
        a.backplane().numberedLocally("flap", before + 1);
        long after = await().atMost(LINK).ignoreExceptions()
                .until(() -> get(a.backplane().append("flap", message("flap", "alice", "after"))), id -> id > 0);
        assertThat(after).as("past the id numbered alone, plus one unused").isEqualTo(before + 3);
    }

    /** Cuts the nodes' command connections (not their pub/sub ones, nor the test's own). */
    private static void killCommandConnections(RedisCommands<String, String> cli) {
        long self = cli.clientId();
        for (String line : cli.clientList().split("\n")) {
            Map<String, String> fields = new HashMap<>();
            for (String field : line.trim().split(" ")) {
                int eq = field.indexOf('=');
                if (eq > 0) {
                    fields.put(field.substring(0, eq), field.substring(eq + 1));
                }
            }
            if (fields.containsKey("id") && Long.parseLong(fields.get("id")) != self && "0".equals(fields.get("sub"))
                    && "0".equals(fields.getOrDefault("ssub", "0")) && "0".equals(fields.get("psub"))) {
                cli.clientKill(KillArgs.Builder.id(Long.parseLong(fields.get("id"))));
            }
        }
    }

    @Test
    void aNickAssumedDuringAnOutageButHeldElsewhereIsReportedLostWhenTheLinkReturns() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        BlockingQueue<String> lost = new LinkedBlockingQueue<>();
        a.backplane().onNickLost(lost::add);
        // Redis will come back holding alice for node-b: saved now, loaded when it restarts.
        cli.psetex("chorus:nick:alice", 600_000, "node-b");
        cli.save();
        cli.del("chorus:nick:alice");
        redis.stop();
        await("link lost").atMost(LINK).until(() -> !a.backplane().linked());
        // Granted locally while Redis is away, as NickRegistry does when the claim fails.
        a.backplane().assumeNick("alice");
        a.backplane().assumeNick("amy");
        redis.restart();
        a.linked();
        assertThat(lost.poll(20, TimeUnit.SECONDS)).isEqualTo("alice");
        await().atMost(LINK).until(() -> "node-a".equals(cli.get("chorus:nick:amy")));
        assertThat(cli.get("chorus:nick:alice")).as("first recorded in Redis wins").isEqualTo("node-b");
        assertThat(lost).isEmpty();
    }

    @Test
    void aNodeStartedBeforeRedisServesLocallyThenLinks() throws Exception {
        startRedis();
        redis.stop();
        Node a = node("node-a", 1000);
        await().atMost(LINK).until(() -> a.health().state() == HealthStatus.State.DEGRADED);
        assertThat(a.health().snapshot().reason()).isEqualTo("cluster: Redis unreachable");
        assertThat(a.backplane().linked()).isFalse();
        // Subscribing does not wait for Redis: the room is subscribed when the link comes.
        get(a.backplane().subscribe("early", new Inbox()));
        assertThatThrownBy(() -> get(a.backplane().append("early", message("early", "alice", "x"))))
                .hasRootCauseInstanceOf(IllegalStateException.class);
        long own = a.backplane().guestNumber(1);
        assertThat(own).as("a guest number from the node's own range").isGreaterThanOrEqualTo(1_000_000_000L);

        redis.restart();
        a.linked();
        assertThat(a.health().state()).isEqualTo(HealthStatus.State.UP);
        await().atMost(LINK).untilAsserted(() ->
                assertThat(redis.cli().pubsubShardChannels("chorus:room:*")).containsExactly("chorus:room:{early}"));
    }

    @Test
    void aNickIsGrantedToOneNodeRefusedToTheOtherAndFreeAfterRelease() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        Node b = linkedNode("node-b");
        assertThat(get(a.backplane().claimNick("Alice"))).isTrue();
        assertThat(get(a.backplane().claimNick("alice"))).as("already this node's").isTrue();
        assertThat(get(b.backplane().claimNick("ALICE"))).isFalse();
        assertThat(cli.get("chorus:nick:alice")).isEqualTo("node-a");
        assertThat(cli.pttl("chorus:nick:alice")).isBetween(1L, TTL.toMillis());

        b.backplane().releaseNick("alice");
        assertThat(cli.get("chorus:nick:alice")).as("a node cannot free another's nick").isEqualTo("node-a");
        a.backplane().releaseNick("Alice");
        await().atMost(LINK).until(() -> cli.get("chorus:nick:alice") == null);
        assertThat(get(b.backplane().claimNick("alice"))).isTrue();
        assertThat(cli.get("chorus:nick:alice")).isEqualTo("node-b");
    }

    @Test
    void whoAndRoomsCountBothNodes() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        Node b = linkedNode("node-b");
        a.backplane().present("lobby", "zoe");
        a.backplane().present("lobby", "Alice");
        b.backplane().present("lobby", "bob");
        b.backplane().watchers("lobby", 2);
        b.backplane().present("dev", "bob");
        await().atMost(LINK).untilAsserted(() -> {
            for (Node node : List.of(a, b)) {
                assertThat(get(node.backplane().who("lobby"))).containsExactly("Alice", "bob", "zoe");
                assertThat(get(node.backplane().rooms())).containsExactly(new Event.RoomInfo("dev", 1, 0),
                        new Event.RoomInfo("lobby", 3, 2));
            }
        });
        assertThat(cli.zrange("chorus:room:{lobby}:who", 0, -1))
                .containsExactlyInAnyOrder("node-a|zoe", "node-a|Alice", "node-b|bob");
        assertThat(cli.hgetall("chorus:node:{node-b}:rooms")).containsEntry("lobby", "1 2").containsEntry("dev", "1 0");

        a.backplane().absent("lobby", "zoe");
        b.backplane().watchers("lobby", 0);
        await().atMost(LINK).untilAsserted(() -> {
            assertThat(get(b.backplane().who("lobby"))).containsExactly("Alice", "bob");
            assertThat(get(b.backplane().rooms())).contains(new Event.RoomInfo("lobby", 2, 0));
        });
    }

    @Test
    void aDeadNodesUsersAndNicksGoWhenTheirTtlRunsOut() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node b = linkedNode("node-b");
        b.backplane().present("lobby", "bob");
        // What a node killed with SIGKILL leaves behind: entries it will never refresh, expiring soon.
        long expiry = System.currentTimeMillis() + 1500;
        cli.zadd("chorus:nodes", expiry, "node-x");
        cli.hset("chorus:node:{node-x}:rooms", "lobby", "1 0");
        cli.zadd("chorus:room:{lobby}:who", expiry, "node-x|ghost");
        cli.psetex("chorus:nick:ghost", 1500, "node-x");
        await().atMost(LINK).untilAsserted(() -> assertThat(get(b.backplane().who("lobby"))).containsExactly("bob", "ghost"));
        assertThat(get(b.backplane().claimNick("ghost"))).isFalse();

        await().atMost(LINK).untilAsserted(() -> {
            assertThat(get(b.backplane().who("lobby"))).containsExactly("bob");
            assertThat(get(b.backplane().rooms())).containsExactly(new Event.RoomInfo("lobby", 1, 0));
        });
        assertThat(get(b.backplane().sendPrivate(new Event.Private("bob", "ghost", "there?", TS)))).isFalse();
        assertThat(get(b.backplane().claimNick("ghost"))).isTrue();
    }

    @Test
    void aPrivateMessageReachesTheNodeHoldingTheNick() throws Exception {
        startRedis();
        Node a = linkedNode("node-a");
        Node b = linkedNode("node-b");
        BlockingQueue<Event.Private> atB = new LinkedBlockingQueue<>();
        b.backplane().onPrivate(atB::add);
        assertThat(get(b.backplane().claimNick("Bob"))).isTrue();
        assertThat(get(a.backplane().claimNick("alice"))).isTrue();

        Event.Private hello = new Event.Private("alice", "bob", "psst", TS);
        assertThat(get(a.backplane().sendPrivate(hello))).isTrue();
        assertThat(atB.poll(20, TimeUnit.SECONDS)).isEqualTo(hello);
        assertThat(get(a.backplane().sendPrivate(new Event.Private("alice", "nobody", "hello?", TS)))).isFalse();
        assertThat(get(a.backplane().sendPrivate(new Event.Private("alice", "alice", "me", TS))))
                .as("a nick held by the sender's own node is not sent through Redis").isFalse();
        assertThat(b.counter("chorus.cluster.messages.in")).isEqualTo(1);
    }

    @Test
    void aRoomIsAShardChannelWhileSubscribed() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        get(a.backplane().subscribe("one", new Inbox()));
        get(a.backplane().subscribe("two", new Inbox()));
        assertThat(cli.pubsubShardChannels("chorus:room:*")).containsExactlyInAnyOrder("chorus:room:{one}",
                "chorus:room:{two}");
        assertThat(cli.pubsubShardChannels("chorus:node:*")).containsExactly("chorus:node:{node-a}");
        assertThat(a.gauge("chorus.cluster.subscribed.rooms")).isEqualTo(2);
        a.backplane().unsubscribe("one");
        await().atMost(LINK).untilAsserted(() ->
                assertThat(cli.pubsubShardChannels("chorus:room:*")).containsExactly("chorus:room:{two}"));
        assertThat(a.gauge("chorus.cluster.subscribed.rooms")).isEqualTo(1);
    }

    @Test
    void closeRemovesTheNodesNicksAndPresenceAtOnce() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        Node b = linkedNode("node-b");
        assertThat(get(a.backplane().claimNick("alice"))).isTrue();
        a.backplane().present("lobby", "alice");
        b.backplane().present("lobby", "bob");
        await().atMost(LINK).untilAsserted(() -> assertThat(get(b.backplane().who("lobby"))).containsExactly("alice", "bob"));

        a.backplane().close();
        assertThat(cli.get("chorus:nick:alice")).isNull();
        assertThat(cli.zscore("chorus:nodes", "node-a")).isNull();
        assertThat(cli.exists("chorus:node:{node-a}:rooms")).isZero();
        assertThat(get(b.backplane().who("lobby"))).containsExactly("bob");
        assertThat(get(b.backplane().rooms())).containsExactly(new Event.RoomInfo("lobby", 1, 0));
        assertThat(get(b.backplane().claimNick("alice"))).isTrue();
        await().atMost(LINK).untilAsserted(() ->
                assertThat(cli.pubsubShardChannels("chorus:node:*")).containsExactly("chorus:node:{node-b}"));
    }

    @Test
    void guestNumbersFromTwoNodesDoNotCollide() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node a = linkedNode("node-a");
        Node b = linkedNode("node-b");
        // Once a node's first block arrives, its numbers come from Redis's counter.
        await().atMost(LINK).until(() -> a.backplane().guestNumber(0) < 1_000_000_000L);
        await().atMost(LINK).until(() -> b.backplane().guestNumber(0) < 1_000_000_000L);
        Set<Long> seen = new HashSet<>();
        for (int i = 1; i <= 2500; i++) {
            assertThat(seen.add(a.backplane().guestNumber(i))).as("guest number %d from node-a is new", i).isTrue();
            assertThat(seen.add(b.backplane().guestNumber(i))).as("guest number %d from node-b is new", i).isTrue();
        }
        assertThat(seen).hasSize(5000);
        assertThat(Long.parseLong(cli.get("chorus:guests"))).isGreaterThanOrEqualTo(2000);
    }

    @Test
    void whatIsNotAChorusEnvelopeIsDroppedAndANodeSkipsItsOwn() throws Exception {
        RedisCommands<String, String> cli = startRedis();
        Node b = linkedNode("node-b");
        Inbox atB = new Inbox();
        get(b.backplane().subscribe("noise", atB));
        cli.spublish("chorus:room:{noise}", "garbage");
        cli.spublish("chorus:room:{noise}", "12 node-z {not json");
        cli.spublish("chorus:room:{noise}", "x node-z {\"type\":\"join\",\"room\":\"noise\",\"nick\":\"x\"}");
        cli.spublish("chorus:room:{noise}", "0 node-b {\"type\":\"join\",\"room\":\"noise\",\"nick\":\"self\"}");
        cli.spublish("chorus:room:{noise}", "0 node-z {\"type\":\"join\",\"room\":\"noise\",\"nick\":\"zed\"}");
        assertThat(atB.next()).isEqualTo(new Event.Join("noise", "zed"));
        assertThat(b.counter("chorus.cluster.messages.in")).isEqualTo(1);
        assertThat(b.backplane().linked()).isTrue();
    }

    /** {@link RedisBackplane#page}: the history script's reply turned into replays and a complete flag. */
    @Nested
    class Pages {

        private static final long F = 1_800_000_000_000_000L;

        /** The script's reply: last id, first id, then id and JSON per entry, in the order given. */
        private List<Object> reply(long last, long first, long... ids) {
            List<Object> reply = new ArrayList<>(List.of(Long.toString(last), Long.toString(first)));
            for (long id : ids) {
                reply.add(id + "-0");
                reply.add(ClusterCodec.json(new Event.Message("r", "alice", "m" + id, 0, TS, false)));
            }
            return reply;
        }

        /** The same reply for ids given oldest first: the script answers newest first. */
        private List<Object> ascending(long last, long first, long... ids) {
            long[] newestFirst = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                newestFirst[i] = ids[ids.length - 1 - i];
            }
            return reply(last, first, newestFirst);
        }

        private Event.HistoryEnd end(long afterId, int limit, List<Object> reply) {
            return RedisBackplane.page("r", afterId, limit, reply).end();
        }

        @Test
        void afterAnIdTheAnswerIsCompleteWhenItStartsRightAfterIt() {
            assertThat(end(F + 1, 10, ascending(F + 4, F, F + 2, F + 3, F + 4)))
                    .isEqualTo(new Event.HistoryEnd("r", true, 3, F + 2, F + 4));
            assertThat(end(F + 1, 10, ascending(F + 4, F, F + 3, F + 4))).as("a hole right after the id")
                    .isEqualTo(new Event.HistoryEnd("r", false, 2, F + 3, F + 4));
            assertThat(end(F + 4, 10, ascending(F + 4, F))).as("nothing after the last id")
                    .isEqualTo(new Event.HistoryEnd("r", true, 0, 0, 0));
            assertThat(end(F + 9, 10, ascending(F + 4, F))).as("an id never issued")
                    .isEqualTo(new Event.HistoryEnd("r", false, 0, 0, 0));
            assertThat(end(F - 5, 10, ascending(F + 1, F, F, F + 1))).as("an id from before the sequence")
                    .isEqualTo(new Event.HistoryEnd("r", false, 2, F, F + 1));
            assertThat(end(0, 10, ascending(0, 0))).as("a room where nothing was said")
                    .isEqualTo(new Event.HistoryEnd("r", true, 0, 0, 0));
            assertThat(end(5, 10, ascending(0, 0))).as("an id in a room where nothing was said")
                    .isEqualTo(new Event.HistoryEnd("r", false, 0, 0, 0));
        }

        @Test
        void sinceZeroIsCompleteWhileTheRoomHoldsItsFirstMessage() {
            // PROTOCOL.md: "since 0 asks for everything the room holds ... complete when the room has dropped
            // nothing"; Backplane.history: "complete follows the same rule as on one node".
            assertThat(end(0, 10, ascending(F + 1, F, F, F + 1))).isEqualTo(new Event.HistoryEnd("r", true, 2, F, F + 1));
            assertThat(end(0, 10, ascending(F + 3, F, F + 2, F + 3))).isEqualTo(new Event.HistoryEnd("r", false, 2, F + 2, F + 3));
        }

        @Test
        void theLastNAreCompleteWhenNCameBackOrTheFirstDid() {
            // The script answers the last N newest first; the page is in id order.
            var page = RedisBackplane.page("r", -1, 2, reply(F + 4, F, F + 4, F + 3));
            assertThat(page.replays()).extracting(e -> ((Event.Message) e).id()).containsExactly(F + 3, F + 4);
            assertThat(page.replays()).allSatisfy(e -> assertThat(((Event.Message) e).replay()).isTrue());
            assertThat(page.replays().get(0)).isEqualTo(new Event.Message("r", "alice", "m" + (F + 3), F + 3, TS, true));
            assertThat(page.end()).isEqualTo(new Event.HistoryEnd("r", true, 2, F + 3, F + 4));
            assertThat(end(-1, 10, reply(F + 2, F, F + 2, F + 1, F))).as("fewer than N, back to the first")
                    .isEqualTo(new Event.HistoryEnd("r", true, 3, F, F + 2));
            assertThat(end(-1, 10, reply(F + 4, F, F + 4, F + 3))).as("fewer than N, the first trimmed")
                    .isEqualTo(new Event.HistoryEnd("r", false, 2, F + 3, F + 4));
            assertThat(end(-1, 10, reply(0, 0))).as("nothing ever said").isEqualTo(new Event.HistoryEnd("r", true, 0, 0, 0));
            assertThat(end(-1, 10, reply(F + 4, F))).as("everything trimmed")
                    .isEqualTo(new Event.HistoryEnd("r", false, 0, 0, 0));
        }

        @Test
        void afterAnIdThePageIsTheOldestOfWhatIsHeldAndCompletenessCountsAllOfIt() {
            // Held after F + 1 (the newest --history of them): F + 2 .. F + 5; the API asks for 2.
            var page = RedisBackplane.page("r", F + 1, 2, ascending(F + 5, F, F + 2, F + 3, F + 4, F + 5));
            assertThat(page.replays()).extracting(e -> ((Event.Message) e).id()).containsExactly(F + 2, F + 3);
            assertThat(page.end()).isEqualTo(new Event.HistoryEnd("r", true, 2, F + 2, F + 3));
            // Only the newest are held: older ones after the id were trimmed, so the answer is partial.
            assertThat(end(F + 1, 10, ascending(F + 9, F, F + 7, F + 8, F + 9)))
                    .isEqualTo(new Event.HistoryEnd("r", false, 3, F + 7, F + 9));
        }

        @Test
        void anEntryThatIsNotAnEventFailsThePage() {
            List<Object> reply = new ArrayList<>(List.of("5", "1", "5-0", "not json"));
            assertThatThrownBy(() -> RedisBackplane.page("r", 4, 10, reply)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
