package io.chorus.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.chorus.server.api.SseReader;
import io.chorus.server.chat.ChatUser;
import io.chorus.server.chat.NettyWsUser;
import io.chorus.server.http.RawHttp;
import io.chorus.testing.LeakGuard;
import io.chorus.testing.LineClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Chat across two cluster nodes (two server processes on one real redis-server), as users see it: room
 * messages over TCP, WebSocket, the SSE feed and the publish API cross nodes exactly once, and {@code /who},
 * {@code /rooms}, nicks and {@code /msg} answer for the whole cluster. Each test uses its own rooms and nicks.
 */
@ExtendWith(LeakGuard.class)
// A separate thread, so a read blocked on a socket (an SSE feed kept alive by pings) cannot hang the build.
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterChatIT {

    @RegisterExtension
    static final TwoNodes cluster = TwoNodes.ephemeral("chat");

    /**
     * Runs first, while both nodes have served nobody: with a guest counter per node, the first guest of
     * each would be the same nick on both, held twice in the cluster.
     */
    @Test
    @Order(1)
    void guestNicksAreUniqueAcrossNodesAndHeldInRedis() throws Exception {
        List<ChatUser> guests = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                guests.add(ChatUser.connect(cluster.a().chatPort()));
                guests.add(ChatUser.connect(cluster.b().chatPort()));
            }
            Set<String> nicks = new HashSet<>();
            for (ChatUser guest : guests) {
                nicks.add(guest.guestNick.toLowerCase(Locale.ROOT));
            }
            assertThat(nicks).as("guest nicks on chat-a and chat-b").hasSize(guests.size());
            for (int i = 0; i < guests.size(); i++) {
                String owner = i % 2 == 0 ? "chat-a" : "chat-b";
                assertThat(cluster.redis().cli("GET", "chorus:nick:" + guests.get(i).guestNick.toLowerCase(Locale.ROOT)))
                        .as("owner of %s in Redis", guests.get(i).guestNick).containsExactly(owner);
            }
        } finally {
            for (ChatUser guest : guests) {
                guest.close();
            }
        }
    }

    @Test
    void tcpMessagesCrossNodesExactlyOnceInBothDirections() throws Exception {
        try (ChatUser a1 = ChatUser.in(cluster.a().chatPort(), "tcp-a1", "tcproom");
             ChatUser a2 = ChatUser.in(cluster.a().chatPort(), "tcp-a2", "tcproom");
             ChatUser b1 = ChatUser.in(cluster.b().chatPort(), "tcp-b1", "tcproom")) {
            // The join on B is news in the room on A too.
            a1.readUntil("*** tcp-b1 joined #tcproom");
            a2.readUntil("*** tcp-b1 joined #tcproom");

            // Two lines from one sender arrive in order: a copy of the first would show up before the second.
            a1.send("first from a").send("second from a");
            for (ChatUser reader : List.of(a2, b1)) {
                assertThat(reader.readUntil("#tcproom <")).isEqualTo("#tcproom <tcp-a1> first from a");
                assertThat(reader.readLine()).isEqualTo("#tcproom <tcp-a1> second from a");
            }
            b1.send("first from b").send("second from b");
            for (ChatUser reader : List.of(a1, a2)) {
                assertThat(reader.readUntil("#tcproom <")).isEqualTo("#tcproom <tcp-b1> first from b");
                assertThat(reader.readLine()).isEqualTo("#tcproom <tcp-b1> second from b");
            }
            // The sender has echo off: it gets neither its own lines nor copies of them from Redis.
            a1.send("/ping fence-a");
            assertThat(a1.readLine()).isEqualTo("*** pong fence-a");
            b1.send("/ping fence-b");
            assertThat(b1.readLine()).isEqualTo("*** pong fence-b");
        }
    }

    @Test
    void webSocketMessagesCrossNodesExactlyOnce() throws Exception {
        try (NettyWsUser wa = NettyWsUser.in(cluster.a().httpPort(), "ws-a", "wsroom");
             NettyWsUser wb = NettyWsUser.in(cluster.b().httpPort(), "ws-b", "wsroom");
             ChatUser tb = ChatUser.in(cluster.b().chatPort(), "ws-tb", "wsroom")) {
            wa.next(e -> e.path("type").asText().equals("join") && e.path("nick").asText().equals("ws-tb"));
            wa.send("over the web").send("fence");
            JsonNode first = wb.next(e -> e.path("type").asText().equals("message"));
            assertThat(first.path("from").asText()).isEqualTo("ws-a");
            assertThat(first.path("room").asText()).isEqualTo("wsroom");
            assertThat(first.path("text").asText()).isEqualTo("over the web");
            JsonNode second = wb.next(e -> e.path("type").asText().equals("message"));
            assertThat(second.path("text").asText()).isEqualTo("fence");
            assertThat(second.path("id").asLong()).isGreaterThan(first.path("id").asLong());
            assertThat(tb.readUntil("#wsroom <")).isEqualTo("#wsroom <ws-a> over the web");
            assertThat(tb.readLine()).isEqualTo("#wsroom <ws-a> fence");

            wb.send("back over the web").send("fence back");
            JsonNode back = wa.next(e -> e.path("type").asText().equals("message"));
            assertThat(back.path("from").asText()).isEqualTo("ws-b");
            assertThat(back.path("text").asText()).isEqualTo("back over the web");
            assertThat(wa.next(e -> e.path("type").asText().equals("message")).path("text").asText()).isEqualTo("fence back");
        }
    }

    @Test
    void sseFeedOnBSeesChatOnAAndApiPublishOnBReachesA() throws Exception {
        try (ChatUser a1 = ChatUser.in(cluster.a().chatPort(), "sse-a1", "feedroom");
             SseReader feed = SseReader.open(cluster.b().httpPort(), "/api/rooms/feedroom/events")) {
            assertThat(feed.status()).isEqualTo(200);
            assertThat(feed.nextComment()).isEqualTo(": watching #feedroom");
            // Both nodes listen to the room before A speaks: that the feed may say "watching" earlier is
            // aFeedHearsWhatIsSaidOnTheOtherNodeRightAfterItSaysWatching's business.
            awaitSubscribers("feedroom", 2);

            a1.send("said on a").send("fence on a");
            JsonNode said = Replies.message(feed);
            assertThat(said.path("from").asText()).isEqualTo("sse-a1");
            assertThat(said.path("text").asText()).isEqualTo("said on a");
            assertThat(Replies.message(feed).path("text").asText()).isEqualTo("fence on a");

            RawHttp.Response published = cluster.b().publish("feedroom", "published on b");
            assertThat(published.status()).as(published.body()).isEqualTo(201);
            long id = Replies.JSON.readTree(published.body()).path("id").asLong();
            assertThat(id).isGreaterThan(said.path("id").asLong());
            assertThat(a1.readUntil("#feedroom <")).isEqualTo("#feedroom <" + ClusterNode.API_SENDER + "> published on b");

            assertThat(cluster.b().publish("feedroom", "fence on b").status()).isEqualTo(201);
            assertThat(a1.readLine()).isEqualTo("#feedroom <" + ClusterNode.API_SENDER + "> fence on b");
            JsonNode api = Replies.message(feed);
            assertThat(api.path("text").asText()).isEqualTo("published on b");
            assertThat(api.path("id").asLong()).isEqualTo(id);
            assertThat(Replies.message(feed).path("text").asText()).isEqualTo("fence on b");
        }
    }

    /**
     * A feed that has said {@code : watching #ROOM} hears every message said afterwards, wherever it is said:
     * the user on A speaks as soon as the feed on B says it watches, a few rounds over. A fence said once B
     * surely listens tells a missed message from a slow one.
     */
    @Test
    void aFeedHearsWhatIsSaidOnTheOtherNodeRightAfterItSaysWatching() throws Exception {
        for (int round = 0; round < 20; round++) {
            String room = "watchnow" + round;
            try (ChatUser a1 = ChatUser.in(cluster.a().chatPort(), "watchnow-a" + round, room);
                 SseReader feed = SseReader.open(cluster.b().httpPort(), "/api/rooms/" + room + "/events")) {
                assertThat(feed.nextComment()).isEqualTo(": watching #" + room);
                a1.send("right after watching");
                awaitSubscribers(room, 2);
                a1.send("fence");
                assertThat(Replies.message(feed).path("text").asText()).as("round %d: first message on the feed", round)
                        .isEqualTo("right after watching");
            }
        }
    }

    /** Waits until {@code room}'s sharded channel has {@code subscribers} node subscriptions in Redis. */
    private static void awaitSubscribers(String room, long subscribers) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> cluster.redis().shardSubscribers("chorus:room:{" + room + "}") == subscribers);
    }

    @Test
    void whoOnEitherNodeListsTheUsersOfBoth() throws Exception {
        try (ChatUser a1 = ChatUser.in(cluster.a().chatPort(), "who-a1", "whoroom");
             ChatUser b1 = ChatUser.in(cluster.b().chatPort(), "who-b1", "whoroom")) {
            try (ChatUser a2 = ChatUser.in(cluster.a().chatPort(), "Who-A2", "whoroom")) {
                b1.readUntil("*** Who-A2 joined #whoroom");
                b1.send("/who whoroom");
                assertThat(b1.readUntil("*** #whoroom:")).isEqualTo("*** #whoroom: who-a1, Who-A2, who-b1 (3 members)");
                a1.readUntil("*** Who-A2 joined #whoroom");
                a1.send("/who whoroom");
                assertThat(a1.readUntil("*** #whoroom:")).isEqualTo("*** #whoroom: who-a1, Who-A2, who-b1 (3 members)");
            }
            // Who-A2 disconnected: B hears it quit, and its /who no longer lists it.
            b1.readUntil("*** Who-A2 quit #whoroom");
            b1.send("/who whoroom");
            assertThat(b1.readUntil("*** #whoroom:")).isEqualTo("*** #whoroom: who-a1, who-b1 (2 members)");
        }
    }

    @Test
    void aNickHeldOnOneNodeIsRefusedOnTheOtherUntilReleased() throws Exception {
        try (ChatUser owner = ChatUser.in(cluster.a().chatPort(), "Nick-Owner", "nickroom");
             ChatUser other = ChatUser.connect(cluster.b().chatPort())) {
            for (String attempt : List.of("Nick-Owner", "nick-owner", "NICK-OWNER")) {
                other.send("/nick " + attempt);
                assertThat(Replies.until(other, Replies.NICK_REPLY))
                        .isEqualTo("!!! nick-taken: " + attempt + " is already in use");
            }
            // The other way round: B holds a nick, A refuses it.
            other.send("/nick held-on-b");
            Replies.until(other, "is now known as held-on-b$");
            owner.send("/nick Held-On-B");
            assertThat(Replies.until(owner, Replies.NICK_REPLY)).isEqualTo("!!! nick-taken: Held-On-B is already in use");

            // A rename gives the old nick up; once A has confirmed it, B may take it (the release may lag
            // behind the confirmation, so B retries as a person would).
            owner.send("/nick new-owner");
            Replies.until(owner, "is now known as new-owner$");
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                other.send("/nick nick-owner");
                assertThat(Replies.until(other, Replies.NICK_REPLY)).endsWith("is now known as nick-owner");
            });
            assertThat(cluster.redis().cli("GET", "chorus:nick:nick-owner")).containsExactly("chat-b");
            assertThat(cluster.redis().cli("GET", "chorus:nick:new-owner")).containsExactly("chat-a");
        }
    }

    /**
     * A client may send {@code /nick} and {@code /join} in one write without waiting (as {@code nc} or a
     * script does): the join happens under the new nick, for the room, {@code /who} on both nodes and the
     * presence kept in Redis.
     */
    @Test
    void aJoinPipelinedAfterANickChangeUsesTheNewNick() throws Exception {
        // A few rounds: how far the join overtakes the nick claim depends on timing.
        try (ChatUser asker = ChatUser.in(cluster.b().chatPort(), "pipe-asker", "pipe-asker-room")) {
            for (int round = 0; round < 10; round++) {
                String nick = "pipe-a" + round;
                String room = "piperoom" + round;
                try (LineClient raw = LineClient.connect(cluster.a().chatPort())) {
                    String guest = raw.readUntil("joined #lobby").replaceAll("^\\*\\*\\* (\\S+) joined #lobby$", "$1");
                    raw.sendRaw("/nick " + nick + "\n/join " + room + "\n");
                    assertThat(raw.readUntil("is now known as " + nick)).isEqualTo("*** " + guest + " is now known as " + nick);
                    assertThat(raw.readUntil("joined #" + room)).as("round %d", round).isEqualTo("*** " + nick + " joined #" + room);
                    raw.send("/who " + room);
                    assertThat(raw.readUntil("*** #" + room + ":")).isEqualTo("*** #" + room + ": " + nick + " (1 member)");
                    asker.send("/who " + room);
                    assertThat(asker.readUntil("*** #" + room + ":")).as("/who on chat-b")
                            .isEqualTo("*** #" + room + ": " + nick + " (1 member)");
                }
            }
        }
    }

    @Test
    void privateMessagesCrossNodesAndUnknownNicksAreRefused() throws Exception {
        try (ChatUser a1 = ChatUser.in(cluster.a().chatPort(), "pm-a", "pm-a-room");
             ChatUser b1 = ChatUser.in(cluster.b().chatPort(), "pm-b", "pm-b-room")) {
            a1.send("/msg PM-B psst across").send("/msg pm-b second");
            assertThat(b1.readUntil("*pm-a*")).isEqualTo("*pm-a* psst across");
            assertThat(b1.readLine()).isEqualTo("*pm-a* second");
            b1.send("/msg pm-a and back");
            assertThat(a1.readUntil("*pm-b*")).isEqualTo("*pm-b* and back");

            a1.send("/msg pm-nobody hello?");
            assertThat(a1.readUntil("!!! ")).isEqualTo("!!! no-such-nick: pm-nobody is not connected");
            b1.send("/ping fence");
            assertThat(b1.readLine()).isEqualTo("*** pong fence");
        }
    }

    @Test
    void roomsCountsTheMembersOfBothNodes() throws Exception {
        try (ChatUser a1 = ChatUser.in(cluster.a().chatPort(), "cnt-a1", "countroom");
             ChatUser a2 = ChatUser.in(cluster.a().chatPort(), "cnt-a2", "countroom");
             ChatUser b1 = ChatUser.in(cluster.b().chatPort(), "cnt-b1", "countroom")) {
            a1.readUntil("*** cnt-b1 joined #countroom");
            a2.readUntil("*** cnt-b1 joined #countroom");
            b1.send("/rooms");
            assertThat(b1.readUntil("*** rooms:")).contains("#countroom (3)");
            Replies.json(a1);
            a1.send("/rooms");
            JsonNode rooms = Replies.event(a1, "rooms");
            JsonNode count = null;
            for (JsonNode room : rooms.path("rooms")) {
                if (room.path("name").asText().equals("countroom")) {
                    count = room;
                }
            }
            assertThat(count).as("countroom in %s", rooms).isNotNull();
            assertThat(count.path("members").asInt()).isEqualTo(3);
        }
    }
}
