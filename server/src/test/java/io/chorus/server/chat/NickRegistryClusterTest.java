package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link NickRegistry} over a cluster whose answers to nick claims the test gives by hand: a claim is
 * granted here first, then kept, undone or assumed according to what the cluster says.
 */
@Timeout(30)
class NickRegistryClusterTest {

    /** A backplane that records nick traffic and lets the test answer each claim. */
    static final class FakeNicks implements Backplane {
        final List<String> asked = new ArrayList<>();
        final List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        final List<String> assumed = new ArrayList<>();
        final List<String> released = new ArrayList<>();
        long guestBase = 7_000;

        @Override
        public boolean clustered() {
            return true;
        }

        @Override
        public CompletionStage<Boolean> claimNick(String nick) {
            CompletableFuture<Boolean> answer = new CompletableFuture<>();
            asked.add(nick);
            answers.add(answer);
            return answer;
        }

        @Override
        public void assumeNick(String nick) {
            assumed.add(nick);
        }

        @Override
        public void releaseNick(String nick) {
            released.add(nick);
        }

        @Override
        public long guestNumber(long localNext) {
            return guestBase + localNext;
        }
    }

    private final FakeNicks cluster = new FakeNicks();
    private final NickRegistry<String> nicks = new NickRegistry<>(cluster);

    @Test
    void aClaimTheClusterRefusesUndoesTheLocalGrant() {
        CompletableFuture<NickRegistry.Claim> claim = nicks.claim("m1", "Alice").toCompletableFuture();
        assertThat(claim).isNotDone();
        assertThat(cluster.asked).containsExactly("Alice");
        // Granted here first, so a second local member cannot race for it meanwhile.
        assertThat(nicks.find("alice")).contains("m1");
        assertThat(nicks.claim("m2", "ALICE").toCompletableFuture().join()).isEqualTo(NickRegistry.Claim.TAKEN);
        assertThat(cluster.asked).as("a local refusal does not ask the cluster").hasSize(1);

        cluster.answers.get(0).complete(false);
        assertThat(claim.join()).isEqualTo(NickRegistry.Claim.TAKEN);
        assertThat(nicks.find("alice")).isEmpty();
        assertThat(nicks.size()).isZero();
        assertThat(cluster.released).as("never the cluster's to free").isEmpty();
        assertThat(cluster.assumed).isEmpty();
    }

    @Test
    void aClaimTheClusterGrantsIsKept() {
        CompletableFuture<NickRegistry.Claim> claim = nicks.claim("m1", "alice").toCompletableFuture();
        cluster.answers.get(0).complete(true);
        assertThat(claim.join()).isEqualTo(NickRegistry.Claim.GRANTED);
        assertThat(nicks.find("Alice")).contains("m1");
        nicks.release("alice", "m2");
        assertThat(cluster.released).as("only the holder frees a nick").isEmpty();
        nicks.release("alice", "m1");
        assertThat(cluster.released).containsExactly("alice");
        assertThat(nicks.find("alice")).isEmpty();
    }

    @Test
    void aClaimWhileTheClusterFailsIsGrantedAndAssumed() {
        CompletableFuture<NickRegistry.Claim> claim = nicks.claim("m1", "alice").toCompletableFuture();
        cluster.answers.get(0).completeExceptionally(new IllegalStateException("Redis unreachable"));
        assertThat(claim.join()).isEqualTo(NickRegistry.Claim.GRANTED);
        assertThat(nicks.find("alice")).contains("m1");
        assertThat(cluster.assumed).containsExactly("alice");
    }

    @Test
    void aRenameReleasesTheOldNickInTheClusterOnceTheNewOneIsGranted() {
        assertThat(claimGranted("m1", "alice")).isEqualTo(NickRegistry.Claim.GRANTED);
        CompletableFuture<NickRegistry.Claim> rename = nicks.claim("m1", "alice", "alicia").toCompletableFuture();
        assertThat(rename).isNotDone();
        assertThat(nicks.find("alice")).as("the old nick is held until the cluster answers").contains("m1");
        assertThat(cluster.released).isEmpty();
        cluster.answers.get(1).complete(true);
        assertThat(rename.join()).isEqualTo(NickRegistry.Claim.GRANTED);
        assertThat(nicks.find("alice")).isEmpty();
        assertThat(nicks.find("alicia")).contains("m1");
        assertThat(cluster.released).containsExactly("alice");
    }

    @Test
    void aRenameTheClusterRefusesKeepsTheOldNick() {
        claimGranted("m1", "alice");
        CompletableFuture<NickRegistry.Claim> rename = nicks.claim("m1", "alice", "bob").toCompletableFuture();
        cluster.answers.get(1).complete(false);
        assertThat(rename.join()).isEqualTo(NickRegistry.Claim.TAKEN);
        assertThat(nicks.find("alice")).contains("m1");
        assertThat(nicks.find("bob")).isEmpty();
        assertThat(cluster.released).isEmpty();
    }

    @Test
    void aRenameWhileTheClusterFailsIsGrantedAssumedAndFreesTheOldNick() {
        claimGranted("m1", "alice");
        CompletableFuture<NickRegistry.Claim> rename = nicks.claim("m1", "alice", "alicia").toCompletableFuture();
        cluster.answers.get(1).completeExceptionally(new IllegalStateException("Redis unreachable"));
        assertThat(rename.join()).isEqualTo(NickRegistry.Claim.GRANTED);
        assertThat(cluster.assumed).containsExactly("alicia");
        assertThat(cluster.released).containsExactly("alice");
        assertThat(nicks.find("alicia")).contains("m1");
        assertThat(nicks.find("alice")).isEmpty();
    }

    @Test
    void aChangeOfCaseOnlyDoesNotAskTheCluster() {
        claimGranted("m1", "alice");
        assertThat(nicks.claim("m1", "alice", "ALICE").toCompletableFuture().join()).isEqualTo(NickRegistry.Claim.GRANTED);
        assertThat(cluster.asked).hasSize(1);
        assertThat(cluster.released).isEmpty();
    }

    @Test
    void guestNamesComeFromTheClusterAndAreAssumedWithoutWaiting() {
        String guest = nicks.claimGuest("m1");
        assertThat(guest).isEqualTo("guest-7001");
        assertThat(cluster.assumed).containsExactly("guest-7001");
        assertThat(cluster.asked).isEmpty();
        // A number already held here is skipped.
        cluster.guestBase = 6_999;
        assertThat(nicks.claimGuest("m2")).isEqualTo("guest-7002");
        assertThat(nicks.find("guest-7001")).contains("m1");
    }

    @Test
    void forgetDropsTheLocalHolderWithoutTouchingTheCluster() {
        claimGranted("m1", "alice");
        nicks.forget("alice", "m1");
        assertThat(nicks.find("alice")).isEmpty();
        assertThat(cluster.released).isEmpty();
    }

    private NickRegistry.Claim claimGranted(String holder, String nick) {
        CompletableFuture<NickRegistry.Claim> claim = nicks.claim(holder, nick).toCompletableFuture();
        cluster.answers.get(cluster.answers.size() - 1).complete(true);
        return claim.join();
    }
}
