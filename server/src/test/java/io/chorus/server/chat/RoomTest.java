package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.OutputFormat;
import io.chorus.server.limits.HistoryBudget;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Room} driven on an embedded event loop: numbering, order, history, who and its errors. */
class RoomTest {

    private static final Instant TS = Instant.parse("2026-12-01T08:00:00Z");

    private final TestMembers members = new TestMembers();
    private final Room room = new Room("t", members.loop(), 1, 3, 0, UnpooledByteBufAllocator.DEFAULT,
            new io.chorus.server.limits.HistoryBudget(1 << 20));
    private final java.util.Map<Member, OrderedReplies> replies = new java.util.HashMap<>();

    @AfterEach
    void close() {
        members.close();
    }

    private TcpLineMember member(String nick) {
        TcpLineMember member = members.member(nick);
        replies.put(member, TestMembers.replies(member));
        return member;
    }

    private ReplySlot slot(Member member) {
        return replies.get(member).reserve();
    }

    private List<String> lines(TcpLineMember member) {
        return members.lines(member);
    }

    @Test
    void joinsMessagesAndLeavesReachMembersInTheRoomsOrder() {
        TcpLineMember alice = member("alice");
        TcpLineMember bob = member("bob");
        alice.echo(true); // alice sees her own messages, bob does not
        room.join(alice, "alice", slot(alice));
        room.join(bob, "bob", slot(bob));
        room.publish(alice, "alice", "one", false, TS, slot(alice));
        room.publish(bob, "bob", "two", true, TS, slot(bob));
        room.leave(bob, "", false, slot(bob));
        room.publish(alice, "alice", "three", false, TS, slot(alice));
        assertThat(lines(alice)).containsExactly("*** alice joined #t", "*** bob joined #t", "#t <alice> one",
                "#t * bob two", "*** bob left #t", "#t <alice> three");
        assertThat(lines(bob)).containsExactly("*** bob joined #t", "#t <alice> one", "*** bob left #t");
        assertThat(room.memberCount()).isEqualTo(1);
    }

    @Test
    void aSenderOutsideTheRoomIsToldAndNothingIsNumbered() {
        TcpLineMember alice = member("alice");
        TcpLineMember stranger = member("stranger");
        room.join(alice, "alice", slot(alice));
        room.publish(stranger, "stranger", "hello?", false, TS, slot(stranger));
        assertThat(lines(stranger)).containsExactly("!!! not-in-room: you are not in #t");
        alice.format(OutputFormat.JSON);
        alice.echo(true);
        room.publish(alice, "alice", "first", false, TS, slot(alice));
        assertThat(lines(alice)).last().asString().contains("\"id\":1");
    }

    @Test
    void aMemberThatSwitchesFormatBetweenBroadcastsGetsEachInTheFormatItHadThen() {
        TcpLineMember alice = member("alice");
        TcpLineMember bob = member("bob");
        room.join(alice, "alice", slot(alice));
        room.join(bob, "bob", slot(bob));
        lines(alice);
        lines(bob);
        room.publish(alice, "alice", "one", false, TS, slot(alice));
        assertThat(lines(bob)).containsExactly("#t <alice> one");
        // The room remembers which formats its members use; a switch must still be seen at the next broadcast.
        bob.format(OutputFormat.JSON);
        room.publish(alice, "alice", "two", false, TS, slot(alice));
        assertThat(lines(bob)).singleElement().asString().contains("\"type\":\"message\"").contains("\"text\":\"two\"");
        bob.format(OutputFormat.TEXT);
        room.publish(alice, "alice", "three", false, TS, slot(alice));
        assertThat(lines(bob)).containsExactly("#t <alice> three");
        assertThat(lines(alice)).as("the sender, echo off").isEmpty();
    }

    @Test
    void historyKeepsTheLastMessagesAndSaysWhenItIsIncomplete() {
        TcpLineMember alice = member("alice");
        room.join(alice, "alice", slot(alice));
        for (int i = 1; i <= 5; i++) {
            room.publish(alice, "alice", "m" + i, false, TS, slot(alice));
        }
        lines(alice);
        room.historySince(slot(alice), 3);
        assertThat(lines(alice)).hasSize(3).last().asString().endsWith(", complete");
        room.historySince(slot(alice), 0);
        List<String> all = lines(alice);
        assertThat(all).hasSize(4);
        assertThat(all.get(all.size() - 1)).contains("partial");
        room.who(slot(alice));
        assertThat(lines(alice)).containsExactly("*** #t: alice (1 member)");
    }

    @Test
    void idsStartAtTheRoomsFirstIdAndAResumeFromBeforeItIsPartial() {
        HistoryBudget budget = new HistoryBudget(1 << 20);
        Room later = new Room("u", members.loop(), 5_000, 3, 0, UnpooledByteBufAllocator.DEFAULT, budget);
        TcpLineMember alice = member("alice");
        alice.format(OutputFormat.JSON);
        alice.echo(true);
        later.join(alice, "alice", slot(alice));
        later.publish(alice, "alice", "a", false, TS, slot(alice));
        later.publish(alice, "alice", "b", false, TS, slot(alice));
        assertThat(lines(alice)).filteredOn(l -> l.contains("\"type\":\"message\""))
                .satisfiesExactly(l -> assertThat(l).contains("\"id\":5000"), l -> assertThat(l).contains("\"id\":5001"));
        assertThat(later.lastIssuedId()).isEqualTo(5_001);
        // An id from before this incarnation (a freed room, an earlier run): its messages are gone.
        later.historySince(slot(alice), 4_999);
        assertThat(lines(alice)).last().asString().contains("\"complete\":false");
        later.historySince(slot(alice), 5_000);
        assertThat(lines(alice)).last().asString().contains("\"complete\":true").contains("\"messages\":1");
    }

    @Test
    void theHistoryBudgetShedsTheOldestAndDisposeFreesEverything() {
        HistoryBudget budget = new HistoryBudget(1 << 20);
        Room shedding = new Room("s", members.loop(), 1, 10, 0, UnpooledByteBufAllocator.DEFAULT, budget);
        TcpLineMember alice = member("alice");
        shedding.join(alice, "alice", slot(alice));
        for (int i = 1; i <= 3; i++) {
            shedding.publish(alice, "alice", "m" + i, false, TS, slot(alice));
        }
        lines(alice);
        assertThat(budget.total()).isEqualTo(3 * HistoryBudget.estimate("alice", "m1"));
        // Asked for one byte, the room drops its oldest message and says how much that freed.
        assertThat(shedding.shed(1)).isEqualTo(HistoryBudget.estimate("alice", "m1"));
        shedding.historySince(slot(alice), 0);
        List<String> replay = lines(alice);
        assertThat(replay).hasSize(3);
        assertThat(replay.get(0)).endsWith("#s <alice> m2");
        assertThat(replay.get(1)).endsWith("#s <alice> m3");
        assertThat(replay.get(2)).isEqualTo("*** end of history for #s: 2 messages, partial (older messages are gone)");
        shedding.leave(alice, "", false, slot(alice));
        lines(alice);
        shedding.dispose();
        assertThat(shedding.historySize()).isZero();
        assertThat(shedding.outboxCount()).isZero();
        assertThat(budget.total()).isZero();
        assertThat(budget.ledgers()).isZero();
    }
}
