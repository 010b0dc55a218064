package io.chorus.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chorus.server.api.SseReader;
import io.chorus.server.chat.ChatUser;
import io.chorus.testing.LeakGuard;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Shared history across two cluster nodes: message ids form one sequence per room whichever node a
 * message was said on, {@code /history} and {@code /history ROOM since ID} give the same answer (messages,
 * ids, times and the {@code complete} flag) on either node, the per-room bound ({@code --history}) holds
 * for the shared history, and the history outlives a node's restart, and a restart of a Redis that keeps
 * its data.
 */
@ExtendWith(LeakGuard.class)
// A separate thread, so a read blocked on a socket (an SSE feed kept alive by pings) cannot hang the build.
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterHistoryIT {

    /** {@code --history} on both nodes: small, so a test can say more than a room keeps. */
    private static final int HISTORY = 5;

    // With an append-only file, so a Redis restart keeps the shared history (see the last test).
    @RegisterExtension
    static final TwoNodes cluster = TwoNodes.persistent("hist", "--history", Integer.toString(HISTORY));

    /** Two users in {@code room}, one on each node, both in JSON; A has seen B join. */
    private static ChatUser[] pair(String room, String nickA, String nickB) throws Exception {
        ChatUser onA = ChatUser.in(cluster.a().chatPort(), nickA, room);
        ChatUser onB = ChatUser.in(cluster.b().chatPort(), nickB, room);
        onA.readUntil("*** " + nickB + " joined #" + room);
        Replies.json(onA);
        Replies.json(onB);
        return new ChatUser[] {onA, onB};
    }

    /** Asks {@code user} for {@code command} and returns the replay, the closing history event last. */
    private static List<JsonNode> ask(ChatUser user, String command) throws Exception {
        user.send(command);
        return Replies.replay(user);
    }

    /** A resuming feed's replays up to and including its {@code history} event, parsed. */
    private static List<JsonNode> feedReplay(SseReader feed) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        while (true) {
            JsonNode e = Replies.JSON.readTree(feed.next().data());
            if (e.path("replay").asBoolean(false)) {
                events.add(e);
            } else if (e.path("type").asText().equals("history")) {
                events.add(e);
                return events;
            }
        }
    }

    private static List<String> texts(List<JsonNode> replay) {
        return replay.subList(0, replay.size() - 1).stream().map(e -> e.path("text").asText()).toList();
    }

    private static List<Long> ids(List<JsonNode> replay) {
        return replay.subList(0, replay.size() - 1).stream().map(e -> e.path("id").asLong()).toList();
    }

    private static JsonNode marker(List<JsonNode> replay) {
        return replay.get(replay.size() - 1);
    }

    @Test
    void idsAreOneSequenceAndEitherNodeAnswersTheSameHistory() throws Exception {
        ChatUser[] users = pair("histroom", "hist-a", "hist-b");
        try (ChatUser onA = users[0]; ChatUser onB = users[1]) {
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ChatUser sender = i % 2 == 0 ? onA : onB;
                ChatUser receiver = i % 2 == 0 ? onB : onA;
                sender.send("line " + i);
                JsonNode m = Replies.event(receiver, "message");
                assertThat(m.path("text").asText()).isEqualTo("line " + i);
                ids.add(m.path("id").asLong());
            }
            assertThat(ids).as("ids in the order the lines were said on alternating nodes").isSorted().doesNotHaveDuplicates();

            List<JsonNode> fromA = ask(onA, "/history histroom since " + ids.get(0));
            List<JsonNode> fromB = ask(onB, "/history histroom since " + ids.get(0));
            assertThat(texts(fromA)).containsExactly("line 1", "line 2", "line 3");
            assertThat(ids(fromA)).isEqualTo(ids.subList(1, 4));
            assertThat(marker(fromA).path("complete").asBoolean()).isTrue();
            assertThat(marker(fromA).path("messages").asInt()).isEqualTo(3);
            assertThat(fromB).as("the same replay on hist-b as on hist-a").isEqualTo(fromA);

            List<JsonNode> lastTwoA = ask(onA, "/history 2");
            List<JsonNode> lastTwoB = ask(onB, "/history 2");
            assertThat(texts(lastTwoA)).containsExactly("line 2", "line 3");
            assertThat(lastTwoB).isEqualTo(lastTwoA);

            // Resuming from the newest id: nothing missed, complete, on both.
            for (ChatUser user : users) {
                List<JsonNode> none = ask(user, "/history histroom since " + ids.get(3));
                assertThat(none).hasSize(1);
                assertThat(marker(none).path("complete").asBoolean()).as(user.nick).isTrue();
            }
        }
    }

    /** A room in which bound-a said {@code HISTORY + 3} lines, more than it keeps; returns their ids. */
    private static List<Long> overfill(ChatUser onA, ChatUser onB, String prefix) throws Exception {
        int said = HISTORY + 3;
        for (int i = 0; i < said; i++) {
            onA.send(prefix + " " + i);
        }
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < said; i++) {
            JsonNode m = Replies.event(onB, "message");
            assertThat(m.path("text").asText()).isEqualTo(prefix + " " + i);
            ids.add(m.path("id").asLong());
        }
        return ids;
    }

    /** The last {@code n} of {@code ids}. */
    private static List<Long> newest(List<Long> ids, int n) {
        return ids.subList(ids.size() - n, ids.size());
    }

    @Test
    void aResumeFromADroppedIdGetsTheNewestMessagesAsPartialOnEitherNode() throws Exception {
        ChatUser[] users = pair("boundroom", "bound-a", "bound-b");
        try (ChatUser onA = users[0]; ChatUser onB = users[1]) {
            List<Long> ids = overfill(onA, onB, "bound");
            // Messages after the first id have been dropped (only the last HISTORY are kept): partial.
            List<JsonNode> fromA = ask(onA, "/history boundroom since " + ids.get(0));
            List<JsonNode> fromB = ask(onB, "/history boundroom since " + ids.get(0));
            assertThat(fromA.size() - 1).as("messages replayed with --history %d", HISTORY).isLessThanOrEqualTo(HISTORY);
            assertThat(ids(fromA)).as("a resume ends with the newest message").isEqualTo(newest(ids, fromA.size() - 1));
            assertThat(marker(fromA).path("complete").asBoolean()).as("complete after dropped messages: %s", marker(fromA)).isFalse();
            assertThat(fromB).as("the same replay on bound-b as on bound-a").isEqualTo(fromA);

            // From an id still held: the rest, complete, on both.
            List<JsonNode> tailA = ask(onA, "/history boundroom since " + ids.get(ids.size() - 3));
            List<JsonNode> tailB = ask(onB, "/history boundroom since " + ids.get(ids.size() - 3));
            assertThat(ids(tailA)).isEqualTo(newest(ids, 2));
            assertThat(marker(tailA).path("complete").asBoolean()).isTrue();
            assertThat(tailB).isEqualTo(tailA);
        }
    }

    @Test
    void sinceZeroGetsTheNewestMessagesTheRoomKeepsOnEitherNode() throws Exception {
        ChatUser[] users = pair("zeroroom", "zero-a", "zero-b");
        try (ChatUser onA = users[0]; ChatUser onB = users[1]) {
            List<Long> ids = overfill(onA, onB, "zero");
            List<JsonNode> allA = ask(onA, "/history zeroroom since 0");
            List<JsonNode> allB = ask(onB, "/history zeroroom since 0");
            assertThat(allA.size() - 1).as("messages replayed with --history %d", HISTORY).isLessThanOrEqualTo(HISTORY);
            assertThat(ids(allA)).as("since 0 ends with the newest message").isEqualTo(newest(ids, allA.size() - 1));
            assertThat(allB).isEqualTo(allA);
        }
    }

    /**
     * A feed resuming on a node where nobody was in the room while it filled (so the node holds none of it
     * itself) gets the newest messages, and calls the replay complete only if nothing after its id is missing.
     */
    @Test
    void aFeedResumingOnTheOtherNodeGetsTheNewestMessages() throws Exception {
        try (ChatUser onA = ChatUser.in(cluster.a().chatPort(), "fb-a", "feedbound")) {
            Replies.json(onA);
            onA.send("/echo on");
            int said = HISTORY + 3;
            for (int i = 0; i < said; i++) {
                onA.send("feed " + i);
            }
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < said; i++) {
                ids.add(Replies.event(onA, "message").path("id").asLong());
            }
            for (ClusterNode node : List.of(cluster.b(), cluster.a())) {
                try (SseReader feed = SseReader.open(node.httpPort(), "/api/rooms/feedbound/events?since=" + ids.get(0))) {
                    assertThat(feed.nextComment()).isEqualTo(": watching #feedbound");
                    List<JsonNode> resumed = feedReplay(feed);
                    assertThat(ids(resumed)).as("feed on %s resuming after the first id", node.nodeId())
                            .isEqualTo(newest(ids, resumed.size() - 1));
                    assertThat(marker(resumed).path("complete").asBoolean()).as("complete on %s: %s", node.nodeId(), marker(resumed))
                            .isEqualTo(resumed.size() - 1 == said - 1);
                }
            }
        }
    }

    @Test
    void historySurvivesTheRestartOfANode() throws Exception {
        ChatUser[] users = pair("restartroom", "rs-a", "rs-b");
        ChatUser onB = users[1];
        try (ChatUser onA = users[0]) {
            for (int i = 0; i < 3; i++) {
                onA.send("before restart " + i);
            }
        }
        try (onB) {
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(Replies.event(onB, "message").path("id").asLong());
            }
            cluster.a().stop();
            // Said while hist-a is down; /echo on gives the sender its own message with its id.
            onB.send("/echo on");
            onB.send("while a was down");
            JsonNode down = Replies.event(onB, "message");
            assertThat(down.path("text").asText()).isEqualTo("while a was down");
            ids.add(down.path("id").asLong());
            assertThat(ids).isSorted().doesNotHaveDuplicates();

            cluster.a().start();
            try (ChatUser again = ChatUser.in(cluster.a().chatPort(), "rs-a2", "restartroom")) {
                Replies.json(again);
                List<JsonNode> all = ask(again, "/history restartroom since 0");
                assertThat(texts(all)).containsExactly("before restart 0", "before restart 1", "before restart 2", "while a was down");
                assertThat(ids(all)).isEqualTo(ids);
                assertThat(marker(all).path("complete").asBoolean()).isTrue();

                List<JsonNode> resume = ask(again, "/history restartroom since " + ids.get(2));
                assertThat(texts(resume)).containsExactly("while a was down");
                assertThat(marker(resume).path("complete").asBoolean()).isTrue();
                assertThat(ask(onB, "/history restartroom since " + ids.get(2))).isEqualTo(resume);

                // The room's sequence goes on where it was, across the restart.
                again.send("after restart");
                JsonNode after = Replies.event(onB, "message");
                assertThat(after.path("text").asText()).isEqualTo("after restart");
                assertThat(after.path("id").asLong()).isGreaterThan(ids.get(3));
            }
        }
    }

    @Test
    void historyKeptByAPersistentRedisIsServedAgainAfterRedisRestarts() throws Exception {
        ChatUser[] users = pair("aofroom", "aof-a", "aof-b");
        try (ChatUser onA = users[0]; ChatUser onB = users[1]) {
            onA.send("kept on disk 0").send("kept on disk 1");
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ids.add(Replies.event(onB, "message").path("id").asLong());
            }
            cluster.redis().stop();
            cluster.a().awaitLog("cluster: link to Redis lost");
            cluster.b().awaitLog("cluster: link to Redis lost");
            cluster.redis().start();
            cluster.a().awaitLog("cluster: link to Redis restored");
            cluster.b().awaitLog("cluster: link to Redis restored");

            List<JsonNode> fromA = ask(onA, "/history aofroom since 0");
            assertThat(texts(fromA)).containsExactly("kept on disk 0", "kept on disk 1");
            assertThat(ids(fromA)).isEqualTo(ids);
            assertThat(marker(fromA).path("complete").asBoolean()).isTrue();
            assertThat(ask(onB, "/history aofroom since 0")).isEqualTo(fromA);
            // The room's sequence was kept too: the next id follows the last one.
            onA.send("after redis came back");
            JsonNode next = Replies.event(onB, "message");
            assertThat(next.path("text").asText()).isEqualTo("after redis came back");
            assertThat(next.path("id").asLong()).isGreaterThan(ids.get(1));
        }
    }
}
