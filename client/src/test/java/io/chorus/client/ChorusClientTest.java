package io.chorus.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chorus.protocol.event.Event;
import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client library against a real server on loopback. */
@Timeout(60)
class ChorusClientTest {

    private static ChorusServer server;
    private static int port;
    private static int nextNick;

    private final java.util.List<ChorusClient> clients = new java.util.ArrayList<>();

    @BeforeAll
    static void start() throws InterruptedException {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().build());
        port = server.port(ChorusServer.Kind.CHAT_TCP);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(ChorusClient::close);
    }

    private ChorusClient connect(EventRecorder events) throws Exception {
        ChorusClient client = ChorusClient.connect(ClientOptions.of("127.0.0.1", port), events)
                .get(10, TimeUnit.SECONDS);
        clients.add(client);
        return client;
    }

    private static synchronized String uniqueNick(String base) {
        return base + (++nextNick);
    }

    @Test
    void connectIsWelcomedAsAGuestInTheLobby() throws Exception {
        EventRecorder events = new EventRecorder();
        ChorusClient client = connect(events);

        assertThat(client.nick()).startsWith("guest-");
        assertThat(client.serverName()).isEqualTo(ServerConfig.DEFAULT_SERVER_NAME);
        assertThat(client.rooms()).containsExactly("lobby");
        assertThat(client.currentRoom()).isEqualTo("lobby");
        assertThat(events.all().get(0)).isInstanceOf(Event.Welcome.class);
        assertThat(client.ping().get(10, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void twoClientsChatInARoom() throws Exception {
        EventRecorder aliceEvents = new EventRecorder();
        EventRecorder bobEvents = new EventRecorder();
        ChorusClient alice = connect(aliceEvents);
        ChorusClient bob = connect(bobEvents);
        String aliceNick = uniqueNick("alice");
        String bobNick = uniqueNick("bob");
        String room = uniqueNick("dev");

        assertThat(alice.nick(aliceNick).get(10, TimeUnit.SECONDS)).isEqualTo(aliceNick);
        assertThat(bob.nick(bobNick).get(10, TimeUnit.SECONDS)).isEqualTo(bobNick);
        alice.join("#" + room.toUpperCase(java.util.Locale.ROOT)).get(10, TimeUnit.SECONDS);
        bob.join(room).get(10, TimeUnit.SECONDS);
        assertThat(alice.rooms()).containsExactly("lobby", room);
        assertThat(alice.currentRoom()).isEqualTo(room);
        aliceEvents.await(Event.Join.class, j -> j.room().equals(room) && j.nick().equals(bobNick));

        alice.say("hello, w\u00f6rld").get(10, TimeUnit.SECONDS);
        alice.say("/not a command").get(10, TimeUnit.SECONDS);
        bob.me("waves").get(10, TimeUnit.SECONDS);

        Event.Message hello = bobEvents.await(Event.Message.class, m -> m.text().equals("hello, w\u00f6rld"));
        assertThat(hello.room()).isEqualTo(room);
        assertThat(hello.from()).isEqualTo(aliceNick);
        assertThat(hello.replay()).isFalse();
        Event.Message slash = bobEvents.await(Event.Message.class, m -> m.text().startsWith("/"));
        assertThat(slash.text()).isEqualTo("/not a command");
        assertThat(slash.id()).isGreaterThan(hello.id());
        Event.Action wave = aliceEvents.await(Event.Action.class);
        assertThat(wave.from()).isEqualTo(bobNick);
        // Without /echo on, a sender does not get its own messages back.
        alice.ping().get(10, TimeUnit.SECONDS);
        assertThat(aliceEvents.all()).noneMatch(e -> e instanceof Event.Message);

        bob.leave(room).get(10, TimeUnit.SECONDS);
        assertThat(bob.rooms()).containsExactly("lobby");
        assertThat(bob.currentRoom()).isEqualTo("lobby");
        aliceEvents.await(Event.Leave.class, l -> l.nick().equals(bobNick) && !l.quit());
    }

    @Test
    void privateMessagesReachOnlyTheirTarget() throws Exception {
        EventRecorder aliceEvents = new EventRecorder();
        EventRecorder bobEvents = new EventRecorder();
        EventRecorder carolEvents = new EventRecorder();
        ChorusClient alice = connect(aliceEvents);
        ChorusClient bob = connect(bobEvents);
        ChorusClient carol = connect(carolEvents);
        String bobNick = bob.nick(uniqueNick("bob")).get(10, TimeUnit.SECONDS);

        alice.msg(bobNick, "psst \u2713").get(10, TimeUnit.SECONDS);

        Event.Private psst = bobEvents.await(Event.Private.class);
        assertThat(psst.from()).isEqualTo(alice.nick());
        assertThat(psst.to()).isEqualTo(bobNick);
        assertThat(psst.text()).isEqualTo("psst \u2713");
        carol.ping().get(10, TimeUnit.SECONDS);
        assertThat(carolEvents.all()).noneMatch(e -> e instanceof Event.Private);
    }

    @Test
    void refusedRequestsFailTheirFuturesAndArriveAsErrorEvents() throws Exception {
        EventRecorder aliceEvents = new EventRecorder();
        EventRecorder bobEvents = new EventRecorder();
        ChorusClient alice = connect(aliceEvents);
        ChorusClient bob = connect(bobEvents);
        String taken = alice.nick(uniqueNick("alice")).get(10, TimeUnit.SECONDS);

        assertThatThrownBy(() -> bob.nick(taken).join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(ChorusClientException.class)
                .hasMessage(taken + " is already in use")
                .extracting(e -> ((ChorusClientException) e).code()).isEqualTo("nick-taken");
        assertThat(bobEvents.await(Event.Error.class).code()).isEqualTo("nick-taken");
        assertThat(bob.nick()).startsWith("guest-");

        assertThatThrownBy(() -> bob.leave("nowhere").join())
                .cause().extracting(e -> ((ChorusClientException) e).code()).isEqualTo("not-in-room");
        assertThatThrownBy(() -> bob.nick("no spaces").join())
                .cause().extracting(e -> ((ChorusClientException) e).code()).isEqualTo("invalid-nick");

        bob.send("/frobnicate").get(10, TimeUnit.SECONDS);
        assertThat(bobEvents.await(Event.Error.class, e -> e.code().equals("unknown-command")).message())
                .contains("/frobnicate");
        bob.msg("nobody-here", "hi").get(10, TimeUnit.SECONDS);
        bobEvents.await(Event.Error.class, e -> e.code().equals("no-such-nick"));
        assertThatThrownBy(() -> bob.send("two\nlines")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void quitClosesTheConnectionAndLaterRequestsFail() throws Exception {
        ChorusClient client = connect(new EventRecorder());

        client.quit("done").get(10, TimeUnit.SECONDS);

        assertThat(client.isActive()).isFalse();
        assertThatThrownBy(() -> client.ping().join())
                .cause().extracting(e -> ((ChorusClientException) e).code()).isEqualTo(ChorusClientException.CLOSED);
    }

    @Test
    void refusedConnectionFailsWithOneClearLine() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        assertThatThrownBy(() -> ChorusClient.connect(ClientOptions.of("127.0.0.1", closedPort)).join())
                .cause().isInstanceOf(ChorusClientException.class)
                .hasMessage("cannot connect to 127.0.0.1:" + closedPort + ": connection refused");
    }

    @Test
    void aPortThatIsNotChatFailsWithoutAWelcome() {
        ClientOptions echo = ClientOptions.builder().host("127.0.0.1")
                .port(server.port(ChorusServer.Kind.ECHO_TCP)).welcomeTimeout(Duration.ofMillis(500)).build();
        assertThatThrownBy(() -> ChorusClient.connect(echo).join())
                .cause().isInstanceOf(ChorusClientException.class)
                .hasMessageContaining("no Chorus welcome from 127.0.0.1:")
                .extracting(e -> ((ChorusClientException) e).code()).isEqualTo(ChorusClientException.NO_WELCOME);
    }
}
