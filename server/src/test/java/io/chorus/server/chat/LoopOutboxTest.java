package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.EventEncoder;
import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LoopOutbox} on an embedded event loop: order, joined runs, and that a failing item neither
 * wedges the outbox nor leaks (LeakGuard runs paranoid over this class).
 */
class LoopOutboxTest {

    private static final Instant TS = Instant.parse("2026-12-01T08:00:00Z");

    private final TestMembers members = new TestMembers();

    @AfterEach
    void close() {
        members.close();
    }

    private TcpLineMember[] members(int count) {
        TcpLineMember[] all = new TcpLineMember[count];
        for (int i = 0; i < count; i++) {
            all[i] = members.member("m" + i);
        }
        return all;
    }

    private static Event message(int id) {
        return new Event.Message("t", "alice", "line " + id, id, TS, false);
    }

    private static void broadcast(LoopOutbox outbox, Member[] to, Member except, Event event) {
        ByteBuf text = EventEncoder.of(OutputFormat.TEXT).encode(event, UnpooledByteBufAllocator.DEFAULT);
        outbox.broadcast(to, except, event, Encoded.lines(text, null));
    }

    private static List<String> numbered(int from, int to) {
        List<String> expected = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            expected.add("#t <alice> line " + i);
        }
        return expected;
    }

    @Test
    void broadcastsArriveInOrderAndARunIsOneWritePerMember() {
        TcpLineMember[] m = members(3);
        LoopOutbox outbox = new LoopOutbox(members.loop());
        for (int i = 1; i <= 100; i++) {
            broadcast(outbox, m, m[2], message(i));
        }
        int[] writes = {0};
        assertThat(members.lines(m[0], writes)).containsExactlyElementsOf(numbered(1, 100));
        // The 100 broadcasts to one audience are joined into one buffer for member 0.
        assertThat(writes[0]).isEqualTo(1);
        assertThat(members.lines(m[1])).containsExactlyElementsOf(numbered(1, 100));
        assertThat(members.lines(m[2])).isEmpty();
    }

    @Test
    void repliesKeepTheirPlaceBetweenBroadcasts() {
        TcpLineMember[] m = members(2);
        LoopOutbox outbox = new LoopOutbox(members.loop());
        OrderedReplies replies = TestMembers.replies(m[0]);
        broadcast(outbox, m, null, message(1));
        outbox.reply(replies.reserve(), List.of(new Event.Pong("between")));
        broadcast(outbox, m, null, message(2));
        assertThat(members.lines(m[0])).containsExactly("#t <alice> line 1", "*** pong between", "#t <alice> line 2");
        assertThat(members.lines(m[1])).containsExactly("#t <alice> line 1", "#t <alice> line 2");
    }

    @Test
    void aSendersOwnAnswersDoNotBreakTheRunTheOthersGet() {
        TcpLineMember[] m = members(3);
        LoopOutbox outbox = new LoopOutbox(members.loop());
        OrderedReplies replies = TestMembers.replies(m[0]);
        for (int i = 1; i <= 50; i++) {
            broadcast(outbox, m, m[0], message(i));
            outbox.reply(replies.reserve(), List.of(new Event.Pong(Integer.toString(i))));
        }
        int[] writes = {0};
        assertThat(members.lines(m[1], writes)).containsExactlyElementsOf(numbered(1, 50));
        assertThat(writes[0]).isEqualTo(1);
        assertThat(members.lines(m[0])).hasSize(50).first().isEqualTo("*** pong 1");
    }

    @Test
    void moreThanOneDrainsWorthStillArrivesInOrder() {
        TcpLineMember[] m = members(1);
        LoopOutbox outbox = new LoopOutbox(members.loop());
        OrderedReplies replies = TestMembers.replies(m[0]);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 1000; i++) {
            broadcast(outbox, m, null, message(i));
            expected.add("#t <alice> line " + i);
            if (i % 7 == 0) {
                outbox.reply(replies.reserve(), List.of(new Event.Pong(Integer.toString(i))));
                expected.add("*** pong " + i);
            }
        }
        assertThat(members.lines(m[0])).containsExactlyElementsOf(expected);
        assertThat(outbox.isIdle()).isTrue();
    }

    @Test
    void aThrowingTaskIsLoggedAndLaterItemsStillArrive() {
        TcpLineMember[] m = members(2);
        LoopOutbox outbox = new LoopOutbox(members.loop());
        broadcast(outbox, m, null, message(1));
        outbox.then(() -> {
            throw new IllegalStateException("injected failure");
        });
        broadcast(outbox, m, null, message(2));
        assertThat(members.lines(m[0])).containsExactly("#t <alice> line 1", "#t <alice> line 2");
        // The outbox is not left marked as scheduled: a later broadcast is drained too.
        broadcast(outbox, m, null, message(3));
        assertThat(members.lines(m[1])).containsExactlyElementsOf(numbered(1, 3));
        assertThat(outbox.isIdle()).isTrue();
    }

    @Test
    void aMemberThatThrowsCostsOthersNothingAndLeaksNothing() {
        TcpLineMember[] m = members(2);
        Member broken = TestMembers.throwing(members.loop());
        Member[] audience = {m[0], broken, m[1]};
        LoopOutbox outbox = new LoopOutbox(members.loop());
        List<ByteBuf> sent = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            Event event = message(i);
            ByteBuf text = EventEncoder.of(OutputFormat.TEXT).encode(event, UnpooledByteBufAllocator.DEFAULT);
            sent.add(text.retain()); // one reference kept here, to check the outbox let go of its own
            outbox.broadcast(audience, null, event, Encoded.lines(text, null));
        }
        assertThat(members.lines(m[0])).containsExactlyElementsOf(numbered(1, 5));
        assertThat(members.lines(m[1])).containsExactlyElementsOf(numbered(1, 5));
        for (ByteBuf buf : sent) {
            assertThat(buf.refCnt()).isEqualTo(1);
            buf.release();
        }
        broadcast(outbox, m, null, message(6));
        assertThat(members.lines(m[0])).containsExactly("#t <alice> line 6");
        assertThat(outbox.isIdle()).isTrue();
    }

    @Test
    void messageFramedMembersGetOnePayloadPerEventWithoutLf() {
        TcpLineMember[] m = members(1);
        List<String> frames = new ArrayList<>();
        Member framed = new RecordingMessageMember(members.loop(), frames);
        Member[] audience = {m[0], framed};
        LoopOutbox outbox = new LoopOutbox(members.loop());
        for (int i = 1; i <= 3; i++) {
            Event event = message(i);
            ByteBuf text = EventEncoder.of(OutputFormat.TEXT).encode(event, UnpooledByteBufAllocator.DEFAULT);
            Encoded encoded = Encoded.lines(text, null);
            encoded.put(Encoded.slot(OutputFormat.TEXT, Framing.MESSAGE), Encoded.withoutFinalLf(text.retain()));
            outbox.broadcast(audience, null, event, encoded);
        }
        int[] writes = {0};
        assertThat(members.lines(m[0], writes)).containsExactlyElementsOf(numbered(1, 3));
        assertThat(writes[0]).isEqualTo(1);
        assertThat(frames).containsExactlyElementsOf(numbered(1, 3));
    }

    @Test
    void afterAHeavyDrainTheNextWaitsForTheWindowAndCarriesEverythingSaidMeanwhile() {
        members.freezeTime();
        TcpLineMember[] big = members(LoopOutbox.HEAVY_DRAIN_WRITES);
        LoopOutbox outbox = new LoopOutbox(members.loop());
        broadcast(outbox, big, null, message(1));
        assertThat(members.lines(big[0])).containsExactly("#t <alice> line 1");
        for (int i = 2; i <= 5; i++) {
            broadcast(outbox, big, null, message(i));
        }
        // Held: the first drain wrote to HEAVY_DRAIN_WRITES members, and no time has passed.
        assertThat(members.lines(big[0])).isEmpty();
        assertThat(outbox.isIdle()).isFalse();
        members.advanceTimeBy(LoopOutbox.COALESCE_WINDOW_NANOS - 1);
        assertThat(members.lines(big[0])).isEmpty();
        members.advanceTimeBy(1);
        int[] writes = {0};
        // The four messages said during the window reach each member in one write.
        assertThat(members.lines(big[0], writes)).containsExactlyElementsOf(numbered(2, 5));
        assertThat(writes[0]).isEqualTo(1);
        assertThat(members.lines(big[LoopOutbox.HEAVY_DRAIN_WRITES - 1])).containsExactlyElementsOf(numbered(1, 5));
        assertThat(outbox.isIdle()).isTrue();
    }

    @Test
    void aSmallAudienceIsNeverHeld() {
        members.freezeTime();
        TcpLineMember[] small = members(LoopOutbox.HEAVY_DRAIN_WRITES - 1);
        LoopOutbox outbox = new LoopOutbox(members.loop());
        for (int i = 1; i <= 3; i++) {
            broadcast(outbox, small, null, message(i));
            assertThat(members.lines(small[0])).containsExactly("#t <alice> line " + i);
        }
    }

    @Test
    void aBacklogLongerThanOneDrainGoesOutInWindowsAndInOrder() {
        members.freezeTime();
        TcpLineMember[] big = members(LoopOutbox.HEAVY_DRAIN_WRITES);
        LoopOutbox outbox = new LoopOutbox(members.loop());
        for (int i = 1; i <= 300; i++) {
            broadcast(outbox, big, null, message(i));
        }
        // One drain takes at most MAX_ITEMS_PER_DRAIN; the rest waits for the window like anything else.
        assertThat(members.lines(big[0])).containsExactlyElementsOf(numbered(1, LoopOutbox.MAX_ITEMS_PER_DRAIN));
        members.advanceTimeBy(LoopOutbox.COALESCE_WINDOW_NANOS);
        assertThat(members.lines(big[0])).containsExactlyElementsOf(numbered(LoopOutbox.MAX_ITEMS_PER_DRAIN + 1, 300));
        assertThat(outbox.isIdle()).isTrue();
    }

    @Test
    void aHeldDrainStillRunsWhenTheLoopShutsDown() throws Exception {
        TcpLineMember[] big = members(LoopOutbox.HEAVY_DRAIN_WRITES);
        // An I/O loop, as in the server: it looks at shutting down after every round of I/O and tasks.
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventExecutor loop = group.next();
        LoopOutbox outbox = new LoopOutbox(loop);
        AtomicReference<Future<?>> terminated = new AtomicReference<>();
        broadcast(outbox, big, null, message(1));
        // In the same heavy drain, the loop starts shutting down and one more broadcast comes, which would be
        // held: it is still written, and its buffers released (LeakGuard), before the loop ends.
        outbox.then(() -> {
            terminated.set(group.shutdownGracefully(0, 5, TimeUnit.SECONDS));
            broadcast(outbox, big, null, message(2));
        });
        await().until(() -> terminated.get() != null);
        assertThat(terminated.get().await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(outbox.isIdle()).isTrue();
        assertThat(members.lines(big[0])).containsExactlyElementsOf(numbered(1, 2));
    }
}
