package io.chorus.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.chorus.server.chat.ChatUser;
import io.chorus.server.http.RawHttp;
import io.chorus.testing.LeakGuard;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis goes away under a running two-node cluster and comes back on the same port, with its data gone:
 * each node keeps serving local chat and reports {@code degraded} on {@code /health} (still 200), and
 * when Redis returns, cross-node chat, presence and health come back by themselves, without a restart,
 * within the 20 s the issue states.
 */
@ExtendWith(LeakGuard.class)
// A separate thread, so a read blocked on a socket (an SSE feed kept alive by pings) cannot hang the build.
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterRedisOutageIT {

    /** The issue's bound for cross-node chat to resume once Redis is back. */
    private static final Duration RESUME = Duration.ofSeconds(20);
    /** A bound for a hang while the node notices the outage; the issue states no figure for it. */
    private static final Duration NOTICE = Duration.ofSeconds(20);

    @RegisterExtension
    static final TwoNodes cluster = TwoNodes.ephemeral("out");

    private static JsonNode health(ClusterNode node) throws IOException {
        RawHttp.Response response = node.health();
        assertThat(response.status()).as("/health on %s: %s", node.nodeId(), response.body()).isEqualTo(200);
        return Replies.JSON.readTree(response.body());
    }

    /**
     * Whether {@code reader} gets a line from {@code sender} within a short wait; anything else it reads
     * (room news, earlier probes) is skipped.
     */
    private static boolean hears(ChatUser reader, String room, String sender, String prefix) throws IOException {
        reader.client.timeout(Duration.ofMillis(700));
        try {
            while (true) {
                String line = reader.readLine();
                if (line == null) {
                    throw new IOException(reader.nick + " was disconnected");
                }
                if (line.startsWith("#" + room + " <" + sender + "> " + prefix)) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } finally {
            reader.client.timeout(Duration.ofSeconds(10));
        }
    }

    @Test
    void localChatSurvivesTheOutageAndCrossNodeChatResumesByItself() throws Exception {
        try (ChatUser a1 = ChatUser.in(cluster.a().chatPort(), "out-a1", "outroom");
             ChatUser a2 = ChatUser.in(cluster.a().chatPort(), "out-a2", "outroom");
             ChatUser b1 = ChatUser.in(cluster.b().chatPort(), "out-b1", "outroom")) {
            a1.readUntil("*** out-b1 joined #outroom");
            a1.send("before the outage");
            assertThat(b1.readUntil("#outroom <")).isEqualTo("#outroom <out-a1> before the outage");
            assertThat(a2.readUntil("#outroom <")).isEqualTo("#outroom <out-a1> before the outage");
            assertThat(health(cluster.a()).path("status").asText()).isEqualTo("up");
            assertThat(cluster.a().metric("chorus_cluster_link_up")).isEqualTo(1.0);

            cluster.redis().stop();
            cluster.a().awaitLog("cluster: link to Redis lost");
            await().atMost(NOTICE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                JsonNode h = health(cluster.a());
                assertThat(h.path("status").asText()).as("%s", h).isEqualTo("degraded");
                assertThat(h.path("reason").asText()).as("%s", h).isNotEmpty();
            });
            assertThat(cluster.a().metric("chorus_cluster_link_up")).isEqualTo(0.0);

            // Local chat on A goes on: same room, same node.
            double failedBefore = cluster.a().metric("chorus_cluster_publish_failures_total");
            a1.send("during the outage").send("still local");
            assertThat(a2.readUntil("#outroom <")).isEqualTo("#outroom <out-a1> during the outage");
            assertThat(a2.readLine()).isEqualTo("#outroom <out-a1> still local");
            // A newcomer on A is served too, and hears A's room.
            try (ChatUser a3 = ChatUser.in(cluster.a().chatPort(), "out-a3", "outroom")) {
                a2.send("hello newcomer");
                assertThat(a3.readUntil("#outroom <")).isEqualTo("#outroom <out-a2> hello newcomer");
            }
            // What could not reach B is counted as failed, not silently dropped.
            await().atMost(NOTICE).untilAsserted(() ->
                    assertThat(cluster.a().metric("chorus_cluster_publish_failures_total")).isGreaterThan(failedBefore));

            cluster.redis().start();
            AtomicInteger probe = new AtomicInteger();
            await().atMost(RESUME).pollInterval(Duration.ofMillis(50)).until(() -> {
                a1.send("probe " + probe.incrementAndGet());
                return hears(b1, "outroom", "out-a1", "probe ");
            });
            AtomicInteger back = new AtomicInteger();
            await().atMost(RESUME).pollInterval(Duration.ofMillis(50)).until(() -> {
                b1.send("back " + back.incrementAndGet());
                return hears(a1, "outroom", "out-b1", "back ");
            });
            cluster.a().awaitLog("cluster: link to Redis restored");

            // Once resumed, exactly once and in order again (late probes may still be on their way).
            a1.send("after the outage").send("fence");
            assertThat(b1.readUntil("#outroom <out-a1> after")).isEqualTo("#outroom <out-a1> after the outage");
            assertThat(b1.readLine()).isEqualTo("#outroom <out-a1> fence");

            // Presence came back with the link: B's /who lists A's users again.
            await().atMost(RESUME).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                b1.send("/who outroom");
                assertThat(b1.readUntil("*** #outroom:")).isEqualTo("*** #outroom: out-a1, out-a2, out-b1 (3 members)");
            });
            await().atMost(RESUME).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                assertThat(health(cluster.a()).path("status").asText()).isEqualTo("up");
                assertThat(health(cluster.b()).path("status").asText()).isEqualTo("up");
            });
            assertThat(cluster.a().metric("chorus_cluster_link_up")).isEqualTo(1.0);
            // The Redis that came back had lost every key: A's nicks are held in the cluster again all the same.
            b1.send("/nick out-a2");
            assertThat(Replies.until(b1, Replies.NICK_REPLY)).isEqualTo("!!! nick-taken: out-a2 is already in use");
        }
    }
}
