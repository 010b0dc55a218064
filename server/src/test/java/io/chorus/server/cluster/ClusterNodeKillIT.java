package io.chorus.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.chat.ChatUser;
import io.chorus.testing.LeakGuard;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Nodes going away and coming back. A node that dies with SIGKILL tells nobody: its users must vanish from {@code /who} on the survivors and
 * its nicks become free again within {@code --cluster-ttl} plus one refresh period of the survivors (the
 * bound the issue states), from the expiry of what the dead node last wrote.
 */
@ExtendWith(LeakGuard.class)
// A separate thread, so a read blocked on a socket (an SSE feed kept alive by pings) cannot hang the build.
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterNodeKillIT {

    /**
     * {@code --cluster-ttl} plus one refresh period (ttl/3) of the survivors, the bound, plus one
     * second for this test's own round trip per poll (a {@code /nick} or {@code /who} over loopback, and
     * the poll interval) on a loaded shared machine.
     */
    private static final Duration GONE_WITHIN =
            Duration.ofMillis(ClusterNode.TTL_SECONDS * 1000L + ClusterNode.TTL_SECONDS * 1000L / 3 + 1000);

    @RegisterExtension
    static final TwoNodes cluster = TwoNodes.ephemeral("kill");

    /** Each test starts with both nodes up (the kill leaves kill-a dead; a restart test stops it). */
    @BeforeEach
    void bothNodesRun() throws Exception {
        if (!cluster.a().running()) {
            cluster.a().start();
        }
    }

    /**
     * A node that says {@code cluster: node ID linked to URI} carries chat across nodes from then on: a user
     * already in a room on it who speaks at that moment is heard on the other node.
     */
    @Test
    void aRestartedNodeCarriesChatAsSoonAsItSaysItIsLinked() throws Exception {
        try (ChatUser b1 = ChatUser.in(cluster.b().chatPort(), "early-b", "earlyroom")) {
            cluster.a().stop();
            cluster.a().startListening();
            // A user is in the room on kill-a before the link is up (served locally meanwhile) ...
            try (ChatUser a1 = ChatUser.in(cluster.a().chatPort(), "early-a", "earlyroom")) {
                // ... and speaks the moment the node says it is linked.
                cluster.a().awaitLinkedLine();
                a1.send("said right after the link");
                assertThat(b1.readUntil("#earlyroom <")).isEqualTo("#earlyroom <early-a> said right after the link");
            }
        }
    }

    @Test
    void theUsersOfAKilledNodeLeaveWhoAndTheirNicksFreeUpWithinTheTtl() throws Exception {
        ChatUser a1 = ChatUser.in(cluster.a().chatPort(), "doomed-1", "killroom");
        ChatUser a2 = ChatUser.in(cluster.a().chatPort(), "doomed-2", "killroom");
        try (a1; a2;
             ChatUser b1 = ChatUser.in(cluster.b().chatPort(), "survivor", "killroom");
             ChatUser claimer = ChatUser.connect(cluster.b().chatPort())) {
            a1.readUntil("*** survivor joined #killroom");
            b1.send("/who killroom");
            assertThat(b1.readUntil("*** #killroom:")).isEqualTo("*** #killroom: doomed-1, doomed-2, survivor (3 members)");
            claimer.send("/nick doomed-1");
            assertThat(Replies.until(claimer, Replies.NICK_REPLY)).isEqualTo("!!! nick-taken: doomed-1 is already in use");

            cluster.a().kill();

            // Both within the bound, counted from the kill: one wait that retries the claim until it works.
            AtomicBoolean claimed = new AtomicBoolean();
            await().atMost(GONE_WITHIN).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                if (!claimed.get()) {
                    claimer.send("/nick doomed-1");
                    String reply = Replies.until(claimer, Replies.NICK_REPLY);
                    if (!reply.startsWith("!!! ")) {
                        assertThat(reply).endsWith("is now known as doomed-1");
                        claimed.set(true);
                    }
                }
                b1.send("/who killroom");
                String who = b1.readUntil("*** #killroom:");
                assertThat(claimed).as("doomed-1 claimed on kill-b").isTrue();
                assertThat(who).isEqualTo("*** #killroom: survivor (1 member)");
            });
            assertThat(cluster.redis().cli("GET", "chorus:nick:doomed-1")).containsExactly("kill-b");
            // The survivor still chats with B's users, and the dead node's users are gone from /rooms.
            b1.send("/rooms");
            assertThat(b1.readUntil("*** rooms:")).contains("#killroom (1)");
        }
    }
}
