package io.chorus.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.api.SseReader;
import io.chorus.server.chat.ChatUser;
import io.chorus.testing.LeakGuard;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node subscribes to a room's sharded channel only while the room has local members or feed watchers,
 * as seen from Redis itself ({@code PUBSUB SHARDCHANNELS chorus:room:*}, {@code PUBSUB SHARDNUMSUB}) and in
 * the node's room hash. An empty room that the node still keeps (for {@code --room-ttl}) costs no
 * subscription.
 */
@ExtendWith(LeakGuard.class)
// A separate thread, so a read blocked on a socket (an SSE feed kept alive by pings) cannot hang the build.
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterSubscriptionIT {

    /** A bound for a hang while a (un)subscription reaches Redis; no figure is stated for it. */
    private static final Duration SETTLE = Duration.ofSeconds(20);

    @RegisterExtension
    static final TwoNodes cluster = TwoNodes.ephemeral("sub");

    private static String channel(String room) {
        return "chorus:room:{" + room + "}";
    }

    /** Waits until {@code room}'s channel has {@code subscribers} node subscriptions (0: not listed at all). */
    private static void awaitSubscribers(String room, long subscribers) {
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            if (subscribers == 0) {
                assertThat(cluster.redis().shardChannels("chorus:room:*")).doesNotContain(channel(room));
            } else {
                assertThat(cluster.redis().shardChannels("chorus:room:*")).contains(channel(room));
            }
            assertThat(cluster.redis().shardSubscribers(channel(room))).as("subscribers of %s", channel(room)).isEqualTo(subscribers);
        });
    }

    private static String roomsEntry(ClusterNode node, String room) {
        var out = cluster.redis().cli("HGET", "chorus:node:{" + node.nodeId() + "}:rooms", room);
        return out.isEmpty() ? "" : out.get(0);
    }

    @Test
    void aNodeIsSubscribedExactlyWhileItsRoomHasLocalMembers() throws Exception {
        String room = "subroom";
        assertThat(cluster.redis().shardChannels("chorus:room:*")).doesNotContain(channel(room));

        ChatUser onA = ChatUser.in(cluster.a().chatPort(), "sub-a1", "subroom");
        awaitSubscribers(room, 1);
        await().atMost(SETTLE).untilAsserted(() -> assertThat(roomsEntry(cluster.a(), room)).isEqualTo("1 0"));
        assertThat(roomsEntry(cluster.b(), room)).isEmpty();

        try (ChatUser onB = ChatUser.in(cluster.b().chatPort(), "sub-b1", "subroom")) {
            awaitSubscribers(room, 2);
            await().atMost(SETTLE).untilAsserted(() -> assertThat(roomsEntry(cluster.b(), room)).isEqualTo("1 0"));

            // A leaves; the room lives on in A's registry for --room-ttl, but A no longer listens to it.
            onA.send("/leave subroom");
            onA.readUntil("*** sub-a1 left #subroom");
            awaitSubscribers(room, 1);
            // B still hears the room (and says to it) through its own subscription.
            try (ChatUser onA2 = ChatUser.in(cluster.a().chatPort(), "sub-a2", "otherroom")) {
                onA2.send("/join subroom");
                onB.readUntil("*** sub-a2 joined #subroom");
                awaitSubscribers(room, 2);
                onA2.send("hello from a");
                assertThat(onB.readUntil("#subroom <")).isEqualTo("#subroom <sub-a2> hello from a");
            }
            // A closed connection counts as leaving.
            awaitSubscribers(room, 1);
        }
        awaitSubscribers(room, 0);
        onA.close();
    }

    @Test
    void aFeedWatcherAloneKeepsItsNodeSubscribed() throws Exception {
        String room = "watchedroom";
        assertThat(cluster.redis().shardChannels("chorus:room:*")).doesNotContain(channel(room));
        try (SseReader feed = SseReader.open(cluster.b().httpPort(), "/api/rooms/watchedroom/events")) {
            assertThat(feed.nextComment()).isEqualTo(": watching #watchedroom");
            awaitSubscribers(room, 1);
            await().atMost(SETTLE).untilAsserted(() -> assertThat(roomsEntry(cluster.b(), room)).isEqualTo("0 1"));
            try (ChatUser onA = ChatUser.in(cluster.a().chatPort(), "watched-a", "watchedroom")) {
                awaitSubscribers(room, 2);
                onA.send("for the watcher");
                assertThat(Replies.message(feed).path("text").asText()).isEqualTo("for the watcher");
            }
            awaitSubscribers(room, 1);
        }
        awaitSubscribers(room, 0);
    }
}
