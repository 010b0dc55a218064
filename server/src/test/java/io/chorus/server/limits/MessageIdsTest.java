package io.chorus.server.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MessageIdsTest {

    /** 2026-12-01T00:00:00Z. */
    private static final long NOW = 1_796_083_200_000L;

    @Test
    void aRecreatedRoomNumbersAboveEverythingIssuedBeforeEvenWhenTheClockStands() {
        AtomicLong clock = new AtomicLong(NOW);
        MessageIds ids = new MessageIds(clock::get, 1);
        long first = ids.firstId();
        assertThat(first).isEqualTo(NOW * MessageIds.PER_MILLI);
        // The room issues 5,000 ids in the same millisecond (more than the 1,000 per ms the clock gives).
        long last = first + 4_999;
        ids.retire(last);
        long again = ids.firstId();
        assertThat(again).isGreaterThan(last);
        // Without retiring, two incarnations created in the same millisecond still get distinct first ids.
        assertThat(ids.firstId()).isGreaterThan(again);
    }

    @Test
    void idsKeepIncreasingAcrossRestarts() {
        AtomicLong clock = new AtomicLong(NOW);
        MessageIds firstRun = new MessageIds(clock::get, 1);
        long first = firstRun.firstId();
        // A busy room: 50 messages a second for a whole day.
        long lastOfRun = first + 50L * 86_400;
        clock.addAndGet(86_400_000L + 1);
        MessageIds secondRun = new MessageIds(clock::get, 1);
        assertThat(secondRun.firstId()).isGreaterThan(lastOfRun);
        assertThat(secondRun.runId()).isNotEqualTo(firstRun.runId());
    }

    @Test
    void runIdsDifferWithinTheSameMillisecondBySalt() {
        assertThat(new MessageIds(() -> NOW, 1).runId()).isNotEqualTo(new MessageIds(() -> NOW, 2).runId());
    }

    @Test
    void idsStayBelowTwoToTheFiftyThree() {
        assertThat(new MessageIds(() -> NOW, 0).firstId()).isLessThan(MessageIds.LIMIT);
        // The scheme holds until about the year 2255; past it the server refuses rather than wrap.
        long tooLate = MessageIds.LIMIT / MessageIds.PER_MILLI + 1;
        assertThatThrownBy(() -> new MessageIds(() -> tooLate, 0).firstId())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("2^53");
    }

    @Test
    void completeOnlyForAnIdOfThisIncarnationWithNothingDroppedAfterIt() {
        long first = 1_000;
        long last = 1_099;
        long nothingDropped = first - 1;
        assertThat(MessageIds.complete(1_050, first, last, nothingDropped)).isTrue();
        assertThat(MessageIds.complete(last, first, last, nothingDropped)).as("up to date").isTrue();
        assertThat(MessageIds.complete(first, first, last, nothingDropped)).isTrue();
        // From an earlier incarnation or run: its messages are gone.
        assertThat(MessageIds.complete(first - 1, first, last, nothingDropped)).isFalse();
        assertThat(MessageIds.complete(3, first, last, nothingDropped)).isFalse();
        // Never issued here: a later run, or another server.
        assertThat(MessageIds.complete(last + 1, first, last, nothingDropped)).isFalse();
        // Messages after the id were evicted; the last evicted one itself is fine to hold.
        assertThat(MessageIds.complete(1_010, first, last, 1_020)).isFalse();
        assertThat(MessageIds.complete(1_020, first, last, 1_020)).isTrue();
        // A room that issued nothing yet has no id a client could hold.
        assertThat(MessageIds.complete(first, first, first - 1, first - 1)).isFalse();
        // 0: "I have seen nothing here", asking for all the room holds: complete while nothing was dropped.
        assertThat(MessageIds.complete(0, first, last, nothingDropped)).isTrue();
        assertThat(MessageIds.complete(0, first, first - 1, first - 1)).isTrue();
        assertThat(MessageIds.complete(0, first, last, 1_020)).isFalse();
    }
}
