package io.chorus.client.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.client.ChorusClientException;
import io.chorus.protocol.event.ErrorCode;
import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.JsonEventEncoder;
import io.chorus.protocol.event.NoticeKind;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client handler answers requests from error codes, notice kinds and their {@code room} and
 * {@code nick} fields: the sentences here are deliberately not the server's, and nothing depends on them.
 */
class ChatClientHandlerTest {

    private final List<Event> seen = new ArrayList<>();
    private ChatClientHandler handler;
    private EmbeddedChannel channel;

    @BeforeEach
    void connect() {
        handler = new ChatClientHandler("test:1", Duration.ofSeconds(30), seen::add);
        channel = new EmbeddedChannel(handler);
        assertThat((String) channel.readOutbound()).isEqualTo("/format json");
        receive(new Event.Welcome("guest-1", "lobby", "chorus", "run-7"));
        assertThat(handler.welcome()).isCompleted();
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void receive(Event event) {
        channel.writeInbound(JsonEventEncoder.INSTANCE.encodeToString(event).strip());
    }

    @Test
    void theWelcomeRunIsKept() {
        assertThat(handler.run()).isEqualTo("run-7");
    }

    @Test
    void aRefusedLeaveIsFoundByTheRoomOfTheError() {
        CompletableFuture<Void> leaveDev = new CompletableFuture<>();
        CompletableFuture<Void> leaveOps = new CompletableFuture<>();
        handler.leave("dev", leaveDev);
        handler.leave("ops", leaveOps);
        receive(Event.Error.aboutRoom(ErrorCode.NOT_IN_ROOM, "tu n'es pas dans ce salon", "ops"));

        assertThat(leaveOps).isCompletedExceptionally();
        assertThat(leaveOps.handle((v, e) -> ((ChorusClientException) e).code()).join()).isEqualTo("not-in-room");
        assertThat(leaveDev).isNotDone();
    }

    @Test
    void aRefusedLeaveFromAServerThatNamesNoRoomIsTheOneForARoomWeAreNotIn() {
        CompletableFuture<Void> leaveLobby = new CompletableFuture<>();
        CompletableFuture<Void> leaveDev = new CompletableFuture<>();
        handler.leave("lobby", leaveLobby);
        handler.leave("dev", leaveDev);
        receive(new Event.Error("not-in-room", "whatever the sentence"));

        assertThat(leaveDev).isCompletedExceptionally();
        assertThat(leaveLobby).isNotDone();
    }

    @Test
    void aRefusedJoinIsFoundByItsRoom() {
        CompletableFuture<Void> joinA = new CompletableFuture<>();
        CompletableFuture<Void> joinB = new CompletableFuture<>();
        handler.join("a", joinA);
        handler.join("b", joinB);
        receive(Event.Error.aboutRoom(ErrorCode.TOO_MANY_ROOMS, "zu viele Räume", "b"));

        assertThat(joinB).isCompletedExceptionally();
        assertThat(joinA).isNotDone();
    }

    @Test
    void theCurrentRoomNoticeIsReadFromItsFields() {
        receive(new Event.Join("dev", "guest-1"));
        assertThat(handler.currentRoom()).isEqualTo("dev");
        receive(Event.Notice.of(NoticeKind.CURRENT_ROOM, "any words at all", "lobby", null));
        assertThat(handler.currentRoom()).isEqualTo("lobby");
        // A notice without a kind is for people only, whatever it says.
        receive(new Event.Notice("#dev is now your current room"));
        assertThat(handler.currentRoom()).isEqualTo("lobby");
    }

    @Test
    void joiningARoomWeAreInIsAnsweredAtOnceAndMakesItCurrent() {
        receive(new Event.Join("dev", "guest-1"));
        CompletableFuture<Void> join = new CompletableFuture<>();
        handler.join("lobby", join);
        assertThat(join).isCompleted();
        assertThat(handler.currentRoom()).isEqualTo("lobby");
        assertThat((String) channel.readOutbound()).isEqualTo("/join lobby");
    }

    @Test
    void aTakenNickFailsTheNickRequestByCode() {
        CompletableFuture<String> nick = new CompletableFuture<>();
        handler.nick("bob", nick);
        receive(Event.Error.aboutNick(ErrorCode.NICK_TAKEN, "déjà pris", "bob"));
        assertThat(nick).isCompletedExceptionally();
        assertThat(nick.handle((v, e) -> e.getMessage()).join()).isEqualTo("déjà pris");
    }

    @Test
    void askingForTheNickWeHaveNeedsNoRoundTrip() {
        CompletableFuture<String> nick = new CompletableFuture<>();
        handler.nick("guest-1", nick);
        assertThat(nick).isCompletedWithValue("guest-1");
        assertThat((Object) channel.readOutbound()).isNull();
    }

    @Test
    void anErrorCodeFromANewerServerReachesTheListenerAndFailsNothing() {
        CompletableFuture<Void> leave = new CompletableFuture<>();
        handler.leave("dev", leave);
        receive(new Event.Error("from-the-future", "something new", "dev", null));
        assertThat(leave).isNotDone();
        assertThat(seen).last().isEqualTo(new Event.Error("from-the-future", "something new", "dev", null));
    }
}
