package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.EventEncoder;
import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LoopOutbox} on an embedded event loop: order, joined runs, and that a failing item neither
 * wedges the outbox nor leaks (LeakGuard runs paranoid over this class).
 */
class LoopOutboxTest {

    private static final Instant TS = Instant.parse("2026-12-01T08:00:00Z");

    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    private TestChatSessions members(int count) {
        return new TestChatSessions(count);
    }

    /** ChatSessions on embedded channels; an embedded loop treats every thread as its own, so one outbox serves all. */
    private final class TestChatSessions {
        final List<EmbeddedChannel> chans = new ArrayList<>();
        final ChatSession[] all;

        TestChatSessions(int count) {
            all = new ChatSession[count];
            for (int i = 0; i < count; i++) {
                EmbeddedChannel ch = new EmbeddedChannel();
                channels.add(ch);
                chans.add(ch);
                all[i] = member(ch, "m" + i);
            }
        }

        /** Everything written to member {@code i} so far, as lines; each write is counted in {@code writes}. */
        List<String> lines(int i, int[] writes) {
            EmbeddedChannel ch = chans.get(i);
            chans.get(0).runPendingTasks(); // the outbox's loop
            ch.runPendingTasks();
            List<String> lines = new ArrayList<>();
            ByteBuf buf;
            while ((buf = ch.readOutbound()) != null) {
                if (writes != null && buf.isReadable()) {
                    writes[0]++;
                }
                for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isEmpty()) {
                        lines.add(line);
                    }
                }
                buf.release();
            }
            return lines;
        }

        List<String> lines(int i) {
            return lines(i, null);
        }
    }

    private static ChatSession member(EmbeddedChannel ch, String nick) {
        ChatSession session = new ChatSession(ch, 1 << 20);
        session.nick(nick);
        return session;
    }

    private static Event message(int id) {
        return new Event.Message("t", "alice", "line " + id, id, TS, false);
    }

    private static void broadcast(LoopOutbox outbox, ChatSession[] to, ChatSession except, Event event) {
        ByteBuf text = EventEncoder.of(OutputFormat.TEXT).encode(event, UnpooledByteBufAllocator.DEFAULT);
        outbox.broadcast(to, except, event, text, null);
    }

    @Test
    void broadcastsArriveInOrderAndARunIsOneWritePerChatSession() {
        TestChatSessions m = members(3);
        LoopOutbox outbox = new LoopOutbox(m.chans.get(0).eventLoop());
        for (int i = 1; i <= 100; i++) {
            broadcast(outbox, m.all, m.all[2], message(i));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            expected.add("#t <alice> line " + i);
        }
        int[] writes = {0};
        assertThat(m.lines(0, writes)).containsExactlyElementsOf(expected);
        // The 100 broadcasts to one audience are joined into one buffer for member 0.
        assertThat(writes[0]).isEqualTo(1);
        assertThat(m.lines(1)).containsExactlyElementsOf(expected);
        assertThat(m.lines(2)).isEmpty();
    }

    @Test
    void repliesKeepTheirPlaceBetweenBroadcasts() {
        TestChatSessions m = members(2);
        LoopOutbox outbox = new LoopOutbox(m.chans.get(0).eventLoop());
        broadcast(outbox, m.all, null, message(1));
        outbox.reply(m.all[0], List.of(new Event.Pong("between")));
        broadcast(outbox, m.all, null, message(2));
        assertThat(m.lines(0)).containsExactly("#t <alice> line 1", "*** pong between", "#t <alice> line 2");
        assertThat(m.lines(1)).containsExactly("#t <alice> line 1", "#t <alice> line 2");
    }

    @Test
    void moreThanOneDrainsWorthStillArrivesInOrder() {
        TestChatSessions m = members(1);
        LoopOutbox outbox = new LoopOutbox(m.chans.get(0).eventLoop());
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 1000; i++) {
            broadcast(outbox, m.all, null, message(i));
            if (i % 7 == 0) {
                outbox.reply(m.all[0], List.of(new Event.Pong(Integer.toString(i))));
                expected.add("#t <alice> line " + i);
                expected.add("*** pong " + i);
            } else {
                expected.add("#t <alice> line " + i);
            }
        }
        assertThat(m.lines(0)).containsExactlyElementsOf(expected);
        assertThat(outbox.isIdle()).isTrue();
    }

    @Test
    void aThrowingTaskIsLoggedAndLaterItemsStillArrive() {
        TestChatSessions m = members(2);
        LoopOutbox outbox = new LoopOutbox(m.chans.get(0).eventLoop());
        broadcast(outbox, m.all, null, message(1));
        outbox.then(() -> {
            throw new IllegalStateException("injected failure");
        });
        broadcast(outbox, m.all, null, message(2));
        assertThat(m.lines(0)).containsExactly("#t <alice> line 1", "#t <alice> line 2");
        // The outbox is not left marked as scheduled: a later broadcast is drained too.
        broadcast(outbox, m.all, null, message(3));
        assertThat(m.lines(1)).containsExactly("#t <alice> line 1", "#t <alice> line 2", "#t <alice> line 3");
        assertThat(outbox.isIdle()).isTrue();
    }
}
