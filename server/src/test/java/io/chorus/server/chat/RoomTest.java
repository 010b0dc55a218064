package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Room} driven on an embedded event loop: numbering, order, history, who and its errors. */
class RoomTest {

    private static final Instant TS = Instant.parse("2026-12-01T08:00:00Z");

    private final EmbeddedChannel roomLoop = new EmbeddedChannel();
    private final List<EmbeddedChannel> channels = new ArrayList<>(List.of(roomLoop));
    private final Room room = new Room("t", roomLoop.eventLoop(), 3, 0, UnpooledByteBufAllocator.DEFAULT);

    @AfterEach
    void close() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    private ChatSession member(String nick) {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        ChatSession session = new ChatSession(ch, 1 << 20);
        session.nick(nick);
        return session;
    }

    private List<String> lines(ChatSession session) {
        for (EmbeddedChannel ch : channels) {
            ch.runPendingTasks();
        }
        EmbeddedChannel ch = (EmbeddedChannel) session.channel();
        List<String> lines = new ArrayList<>();
        ByteBuf buf;
        while ((buf = ch.readOutbound()) != null) {
            for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty()) {
                    lines.add(line);
                }
            }
            buf.release();
        }
        return lines;
    }

    @Test
    void joinsMessagesAndLeavesReachMembersInTheRoomsOrder() {
        ChatSession alice = member("alice");
        ChatSession bob = member("bob");
        alice.echo(true); // alice sees her own messages, bob does not
        room.join(alice, "alice");
        room.join(bob, "bob");
        room.publish(alice, "alice", "one", false, TS);
        room.publish(bob, "bob", "two", true, TS);
        room.leave(bob, "", false);
        room.publish(alice, "alice", "three", false, TS);
        assertThat(lines(alice)).containsExactly("*** alice joined #t", "*** bob joined #t", "#t <alice> one",
                "#t * bob two", "*** bob left #t", "#t <alice> three");
        assertThat(lines(bob)).containsExactly("*** bob joined #t", "#t <alice> one", "*** bob left #t");
        assertThat(room.memberCount()).isEqualTo(1);
    }

    @Test
    void aSenderOutsideTheRoomIsToldAndNothingIsNumbered() {
        ChatSession alice = member("alice");
        ChatSession stranger = member("stranger");
        room.join(alice, "alice");
        room.publish(stranger, "stranger", "hello?", false, TS);
        assertThat(lines(stranger)).containsExactly("!!! not-in-room: you are not in #t");
        alice.format(io.chorus.protocol.event.OutputFormat.JSON);
        alice.echo(true);
        room.publish(alice, "alice", "first", false, TS);
        assertThat(lines(alice)).last().asString().contains("\"id\":1");
    }

    @Test
    void historyKeepsTheLastMessagesAndSaysWhenItIsIncomplete() {
        ChatSession alice = member("alice");
        room.join(alice, "alice");
        for (int i = 1; i <= 5; i++) {
            room.publish(alice, "alice", "m" + i, false, TS);
        }
        lines(alice);
        room.historySince(alice, 3);
        assertThat(lines(alice)).hasSize(3).last().asString().endsWith(", complete");
        room.historySince(alice, 0);
        List<String> all = lines(alice);
        assertThat(all).hasSize(4);
        assertThat(all.get(all.size() - 1)).contains("partial");
        room.who(alice);
        assertThat(lines(alice)).containsExactly("*** #t: alice (1 member)");
    }
}
