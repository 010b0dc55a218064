package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class NickRegistryTest {

    private final DefaultEventLoopGroup loops = new DefaultEventLoopGroup(4);
    private final NickRegistry<String> nicks = new NickRegistry<>();

    @AfterEach
    void close() throws InterruptedException {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void theLocalRegistryAnswersBeforeItReturns() {
        CompletionStage<NickRegistry.Claim> answer = nicks.claim("alice-session", "alice");
        AtomicReference<NickRegistry.Claim> seen = new AtomicReference<>();
        answer.thenAccept(seen::set);
        assertThat(seen).hasValue(NickRegistry.Claim.GRANTED);
        assertThat(nicks.claim("other", "ALICE").toCompletableFuture().join()).isEqualTo(NickRegistry.Claim.TAKEN);
        assertThat(nicks.find("Alice")).contains("alice-session");
    }

    @Test
    void renameKeepsTheOldNickWhenTheNewOneIsTakenAndFreesItOtherwise() {
        String a = nicks.claimGuest("a");
        String b = nicks.claimGuest("b");
        assertThat(a).isEqualTo("guest-1");
        assertThat(b).isEqualTo("guest-2");
        assertThat(nicks.claim("a", a, b).toCompletableFuture().join()).isEqualTo(NickRegistry.Claim.TAKEN);
        assertThat(nicks.find(a)).contains("a");
        assertThat(nicks.claim("a", a, "zed").toCompletableFuture().join()).isEqualTo(NickRegistry.Claim.GRANTED);
        assertThat(nicks.find(a)).isEmpty();
        assertThat(nicks.claim("a", "zed", "ZED").toCompletableFuture().join()).as("case only")
                .isEqualTo(NickRegistry.Claim.GRANTED);
        // A release by someone who does not hold the nick changes nothing.
        nicks.release("zed", "b");
        assertThat(nicks.find("zed")).contains("a");
        nicks.release("zed", "a");
        assertThat(nicks.find("zed")).isEmpty();
        assertThat(nicks.size()).isEqualTo(1);
    }

    @Test
    void membersOnManyLoopsRacingForTheSameNicksGetEachOnce() throws Exception {
        int members = 200;
        Set<String> granted = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            String member = "m" + i;
            EventExecutor loop = loops.next();
            CompletableFuture<Void> finished = new CompletableFuture<>();
            done.add(finished);
            loop.execute(() -> {
                String guest = nicks.claimGuest(member);
                // Everyone wants one of 20 nicks; each answer is applied on the member's own loop.
                String wanted = "star-" + (member.hashCode() & 0x7fffffff) % 20;
                nicks.claim(member, guest, wanted).thenAcceptAsync(claim -> {
                    assertThat(loop.inEventLoop()).isTrue();
                    if (claim == NickRegistry.Claim.GRANTED) {
                        assertThat(granted.add(wanted)).as("%s granted twice", wanted).isTrue();
                        assertThat(nicks.find(guest)).isEmpty();
                    } else {
                        assertThat(nicks.find(guest)).contains(member);
                    }
                }, loop).whenComplete((v, e) -> {
                    if (e != null) {
                        finished.completeExceptionally(e);
                    } else {
                        finished.complete(null);
                    }
                });
            });
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(nicks.size()).isEqualTo(members);
        Set<String> holders = new HashSet<>(nicks.sessions());
        assertThat(holders).hasSize(members);
        for (String nick : granted) {
            assertThat(nicks.find(nick)).isPresent();
        }
    }
}
