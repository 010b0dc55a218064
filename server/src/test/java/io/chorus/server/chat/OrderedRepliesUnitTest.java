package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.OutputFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link OrderedReplies} on an embedded loop: later replies wait for earlier slots, whoever completes them. */
class OrderedRepliesUnitTest {

    private final TestMembers members = new TestMembers();

    @AfterEach
    void close() {
        members.close();
    }

    @Test
    void aSlotCompletedByAStageHoldsBackLaterRepliesUntilItCompletes() {
        TcpLineMember member = members.member("x");
        OrderedReplies replies = TestMembers.replies(member);
        ReplySlot first = replies.reserve();
        CompletableFuture<List<Event>> roundTrip = new CompletableFuture<>();
        first.completeWith(roundTrip);
        replies.now(new Event.Pong("2"));
        assertThat(members.lines(member)).isEmpty();
        roundTrip.complete(List.of(new Event.Pong("1")));
        assertThat(members.lines(member)).containsExactly("*** pong 1", "*** pong 2");
        assertThat(replies.backlog()).isZero();
    }

    @Test
    void aFailedStageBecomesAnErrorInItsPlaceAndDoesNotHoldUpTheRest() {
        TcpLineMember member = members.member("x");
        OrderedReplies replies = TestMembers.replies(member);
        ReplySlot first = replies.reserve();
        CompletableFuture<List<Event>> roundTrip = new CompletableFuture<>();
        first.completeWith(roundTrip);
        replies.now(new Event.Pong("after"));
        roundTrip.completeExceptionally(new IllegalStateException("redis went away"));
        assertThat(members.lines(member)).containsExactly(
                "!!! internal-error: the server could not complete this request", "*** pong after");
    }

    @Test
    void eachReplyUsesTheFormatOfItsOwnCommandAndOnlyTheFirstCompletionCounts() {
        TcpLineMember member = members.member("x");
        OrderedReplies replies = TestMembers.replies(member);
        ReplySlot asText = replies.reserve();
        member.format(OutputFormat.JSON);
        replies.now(new Event.Pong("json"));
        asText.complete(new Event.Pong("text"));
        asText.complete(new Event.Pong("again"));
        assertThat(members.lines(member)).containsExactly("*** pong text", "{\"type\":\"pong\",\"token\":\"json\"}");
    }
}
