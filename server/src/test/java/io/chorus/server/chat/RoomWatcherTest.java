package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.OutputFormat;
import io.chorus.server.metrics.ChatMeters;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import io.chorus.server.limits.HistoryBudget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Room}'s watcher and server-side publishing support on an embedded event loop: watchers get the
 * fan-out but stay out of {@code /who}, counts and announcements; a resumed watcher gets the held
 * messages before anything live; publishing without a member numbers like any message; and the meters
 * count what the room fanned out.
 */
@org.junit.jupiter.api.Timeout(30)
class RoomWatcherTest {

    private static final Instant TS = Instant.parse("2026-12-01T08:00:00Z");

    private final TestMembers members = new TestMembers();
    private final AtomicLong fannedOut = new AtomicLong();
    private final HistoryBudget historyBudget = new HistoryBudget(1 << 20);
    private final Room room = new Room("w", members.loop(), 1, 3, 0, UnpooledByteBufAllocator.DEFAULT, historyBudget,
            new ChatMeters() {
                @Override
                public void fanOut(long n) {
                    fannedOut.addAndGet(n);
                }
            }, Backplane.LOCAL);

    private final TcpLineMember idle = members.member("idle");

    @AfterEach
    void close() {
        members.close();
    }

    /** Runs every task pending on the embedded loops (reading an idle member's lines does that). */
    private void runPending() {
        members.lines(idle);
    }

    private RecordingMessageMember watcher(List<String> frames) {
        RecordingMessageMember watcher = new RecordingMessageMember(members.loop(), frames);
        watcher.format(OutputFormat.JSON);
        return watcher;
    }

    @Test
    void aWatcherGetsTheFanOutButIsNotAMember() {
        TcpLineMember alice = members.member("alice");
        OrderedReplies replies = TestMembers.replies(alice);
        room.join(alice, "alice", replies.reserve());
        List<String> frames = new ArrayList<>();
        RecordingMessageMember watcher = watcher(frames);
        room.watch(watcher, -1);
        room.publish(alice, "alice", "hi", false, TS, replies.reserve());
        room.who(replies.reserve());
        runPending();
        assertThat(members.lines(alice)).containsExactly("*** alice joined #w", "*** #w: alice (1 member)");
        assertThat(room.memberCount()).isEqualTo(1);
        assertThat(room.watcherCount()).isEqualTo(1);
        assertThat(frames).singleElement().asString().contains("\"text\":\"hi\"", "\"id\":1");
        assertThat(fannedOut).hasValue(1);

        room.unwatch(watcher);
        room.publishFrom("bot", "after", false, TS);
        runPending();
        assertThat(room.watcherCount()).isZero();
        assertThat(room.memberCount()).isEqualTo(1);
        assertThat(frames).hasSize(1);
        assertThat(members.lines(alice)).containsExactly("#w <bot> after");
    }

    @Test
    void aResumedWatcherGetsTheHeldMessagesThenLive() throws Exception {
        List<java.util.concurrent.CompletableFuture<Long>> ids = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            ids.add(room.publishFrom("bot", "m" + i, false, TS).toCompletableFuture());
        }
        runPending();
        assertThat(ids).extracting(java.util.concurrent.CompletableFuture::join).containsExactly(1L, 2L, 3L, 4L);
        List<String> frames = new ArrayList<>();
        room.watch(watcher(frames), 2);
        room.publishFrom("bot", "m5", true, TS);
        runPending();
        assertThat(frames).hasSize(4);
        assertThat(frames.get(0)).contains("\"text\":\"m3\"", "\"replay\":true");
        assertThat(frames.get(1)).contains("\"text\":\"m4\"", "\"replay\":true");
        assertThat(frames.get(2)).isEqualTo("{\"type\":\"history\",\"room\":\"w\",\"complete\":true,\"messages\":2,\"first\":3,\"last\":4}");
        assertThat(frames.get(3)).contains("\"type\":\"action\"", "\"text\":\"m5\"").doesNotContain("replay");
    }

    @Test
    void historyForReadersOutsideTheRoomHasTheCompleteFlag() throws Exception {
        for (int i = 1; i <= 5; i++) {
            room.publishFrom("bot", "m" + i, false, TS);
        }
        runPending();
        var since1 = room.historyFor(1, 10).toCompletableFuture();
        var last2 = room.historyFor(-1, 2).toCompletableFuture();
        var all = room.historyFor(-1, 3).toCompletableFuture();
        runPending();
        assertThat(since1.join().get(since1.join().size() - 1)).isEqualTo(new Event.HistoryEnd("w", false, 3, 3, 5));
        assertThat(last2.join().get(last2.join().size() - 1)).isEqualTo(new Event.HistoryEnd("w", true, 2, 4, 5));
        // History holds 3 messages: what the budget says is held equals what three messages take.
        long held = 0;
        for (Event event : all.join()) {
            if (event instanceof Event.Message m) {
                held += HistoryBudget.estimate(m.from(), m.text());
            }
        }
        assertThat(historyBudget.total()).isEqualTo(held);
    }
}
