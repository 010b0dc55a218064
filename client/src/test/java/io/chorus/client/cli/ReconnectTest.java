package io.chorus.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.client.ChorusClient;
import io.chorus.client.ClientOptions;
import io.chorus.client.EventRecorder;
import io.chorus.protocol.event.Event;
import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The interactive client through a proxy that drops its connection while the server keeps running, or
 * while the server restarts: it reconnects, takes its nick back, rejoins, shows what was said meanwhile
 * exactly once, and explains the reconnect in one line.
 */
@Timeout(60)
class ReconnectTest {

    private ChorusServer server;
    private CuttableProxy proxy;
    private ChorusClient bob;

    @AfterEach
    void stop() throws Exception {
        if (bob != null) {
            bob.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private record Alice(ScriptedConsole console, CompletableFuture<Integer> exit, ByteArrayOutputStream err) {
    }

    private Alice startAlice() throws Exception {
        ScriptedConsole console = new ScriptedConsole();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InteractiveChat.Settings settings = new InteractiveChat.Settings(ClientOptions.of("127.0.0.1", proxy.port()),
                "alice", List.of("dev"), new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 100),
                Duration.ofSeconds(5));
        InteractiveChat chat = new InteractiveChat(settings, console, new PrintStream(err, true, StandardCharsets.UTF_8),
                new EventFormatter(false, false, Clock.systemDefaultZone()), Clock.systemDefaultZone());
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            try {
                return chat.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        console.await("#dev --> alice joined");
        return new Alice(console, exit, err);
    }

    private EventRecorder startBob() throws Exception {
        EventRecorder events = new EventRecorder();
        bob = ChorusClient.connect(ClientOptions.of("127.0.0.1", server.port(ChorusServer.Kind.CHAT_TCP)), events)
                .get(10, TimeUnit.SECONDS);
        bob.nick("bob").get(10, TimeUnit.SECONDS);
        bob.join("dev").get(10, TimeUnit.SECONDS);
        return events;
    }

    private void start(int historySize) throws Exception {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().historySize(historySize).build());
        proxy = new CuttableProxy(server.port(ChorusServer.Kind.CHAT_TCP));
    }

    @Test
    void reconnectsRejoinsAndShowsWhatWasSaidMeanwhileOnce() throws Exception {
        start(ServerConfig.DEFAULT_HISTORY_SIZE);
        EventRecorder bobEvents = startBob();
        Alice alice = startAlice();
        alice.console().type("hi bob");
        bobEvents.await(Event.Message.class, m -> m.text().equals("hi bob"));
        bob.say("before the drop").get(10, TimeUnit.SECONDS);
        alice.console().await("#dev <bob> before the drop");

        proxy.refuse(true);
        proxy.cut();
        bobEvents.await(Event.Leave.class, l -> l.nick().equals("alice") && l.quit());
        bob.say("while you were away 1").get(10, TimeUnit.SECONDS);
        bob.me("waits").get(10, TimeUnit.SECONDS);
        bob.say("while you were away 2").get(10, TimeUnit.SECONDS);
        bob.ping().get(10, TimeUnit.SECONDS);
        proxy.refuse(false);

        String report = alice.console().await("reconnected to 127\\.0\\.0\\.1:\\d+ as alice; .*#dev 3 missed");
        // Same server run, nothing dropped: a note, no warning, no restart.
        assertThat(report).contains("*** reconnected").doesNotContain("restarted").doesNotContain("lost");
        bobEvents.await(Event.Join.class, j -> j.nick().equals("alice"));
        bob.say("after the drop").get(10, TimeUnit.SECONDS);
        alice.console().await("#dev <bob> after the drop");
        alice.console().type("back again");
        bobEvents.await(Event.Message.class, m -> m.text().equals("back again") && m.from().equals("alice"));
        alice.console().await("#dev <alice> back again");
        alice.console().endInput();

        assertThat(alice.exit().get(20, TimeUnit.SECONDS)).isZero();
        List<String> chat = alice.console().output().stream()
                .filter(line -> line.contains("#dev <") || line.contains("#dev * "))
                .map(line -> line.substring(9))
                .toList();
        assertThat(chat).containsExactly(
                "#dev <alice> hi bob",
                "#dev <bob> before the drop",
                "#dev <bob> while you were away 1",
                "#dev * bob waits",
                "#dev <bob> while you were away 2",
                "#dev <bob> after the drop",
                "#dev <alice> back again");
        assertThat(alice.console().output()).anyMatch(line -> line.contains("connection to 127.0.0.1:"
                + proxy.port() + " lost; reconnecting"));
        List<String> output = alice.console().output();
        List<String> afterDrop = output.subList(output.indexOf(output.stream()
                .filter(line -> line.contains("lost; reconnecting")).findFirst().orElseThrow()), output.size());
        // The client's own bookkeeping (guest nick, rejoins, history markers) stays out of sight.
        assertThat(afterDrop).noneMatch(line -> line.contains("history") || line.contains("guest-")
                || line.contains("joined"));
        assertThat(alice.err().toString(StandardCharsets.UTF_8)).isEmpty();
        assertOneReportAndNothingThatContradictsIt(output);
    }

    @Test
    void saysPlainlyWhenTheServerNoLongerHoldsTheWholeGap() throws Exception {
        start(2);
        EventRecorder bobEvents = startBob();
        Alice alice = startAlice();
        bob.say("seen").get(10, TimeUnit.SECONDS);
        alice.console().await("#dev <bob> seen");

        proxy.refuse(true);
        proxy.cut();
        bobEvents.await(Event.Leave.class, l -> l.nick().equals("alice") && l.quit());
        for (int i = 1; i <= 4; i++) {
            bob.say("missed " + i).get(10, TimeUnit.SECONDS);
        }
        bob.ping().get(10, TimeUnit.SECONDS);
        proxy.refuse(false);

        String report = alice.console().await("reconnected to .* as alice; .*#dev 2 missed, earlier messages are lost");
        assertThat(report).contains("!!! reconnected").contains("#lobby nothing missed");
        assertThat(alice.console().output()).noneMatch(line -> line.contains("missed 1") || line.contains("missed 2"));
        alice.console().await("#dev <bob> missed 3");
        alice.console().await("#dev <bob> missed 4");
        bob.say("after the drop").get(10, TimeUnit.SECONDS);
        alice.console().await("#dev <bob> after the drop");
        alice.console().endInput();
        assertThat(alice.exit().get(20, TimeUnit.SECONDS)).isZero();
        assertOneReportAndNothingThatContradictsIt(alice.console().output());
    }

    @Test
    void explainsARestartOfTheServerInOneLine() throws Exception {
        start(ServerConfig.DEFAULT_HISTORY_SIZE);
        int chatPort = server.port(ChorusServer.Kind.CHAT_TCP);
        EventRecorder bobEvents = startBob();
        String firstRun = bobEvents.await(Event.Welcome.class).run();
        Alice alice = startAlice();
        bob.say("before the restart").get(10, TimeUnit.SECONDS);
        alice.console().await("#dev <bob> before the restart");

        // Alice's network stays down for the restart, so what bob says on the new server is missed.
        proxy.refuse(true);
        bob.close();
        server.close();
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().chatPort(chatPort).build());
        bobEvents = startBob();
        String secondRun = bobEvents.await(Event.Welcome.class).run();
        bob.say("while the server was new").get(10, TimeUnit.SECONDS);
        proxy.refuse(false);

        String report = alice.console().await("reconnected to 127\\.0\\.0\\.1:" + proxy.port() + " as alice");
        bobEvents.await(Event.Join.class, j -> j.nick().equals("alice") && j.room().equals("dev"));
        bob.say("after the restart").get(10, TimeUnit.SECONDS);
        alice.console().await("#dev <bob> after the restart");
        alice.console().endInput();
        assertThat(alice.exit().get(20, TimeUnit.SECONDS)).isZero();

        List<String> output = alice.console().output();
        assertOneReportAndNothingThatContradictsIt(output);
        if (firstRun != null && secondRun != null) {
            // A server that names its runs, with ids that keep increasing across restarts: the client
            // knows it restarted, and the resume finds what was said on the new run.
            assertThat(secondRun).isNotEqualTo(firstRun);
            assertThat(report).contains("(the server restarted)").containsPattern("#dev 1 missed");
            assertThat(output).anyMatch(line -> line.endsWith("#dev <bob> while the server was new"));
        } else {
            // A server that names no run: the client cannot know, and does not guess.
            assertThat(report).doesNotContain("restarted");
        }
        List<String> chat = output.stream().filter(line -> line.contains("#dev <bob>")).map(line -> line.substring(9)).toList();
        assertThat(chat).startsWith("#dev <bob> before the restart").endsWith("#dev <bob> after the restart");
    }

    /**
     * Exactly one line reports the reconnect, and no other line of the client's own talks about gaps,
     * renumbering or a restart: the report says it all.
     */
    private static void assertOneReportAndNothingThatContradictsIt(List<String> output) {
        assertThat(output.stream().filter(line -> line.contains("reconnected to"))).hasSize(1);
        assertThat(output).noneMatch(line -> line.contains("numbers its messages") || line.contains("no longer holds"));
    }

    @Test
    void withoutReconnectALostConnectionEndsWithExitCodeOne() throws Exception {
        start(ServerConfig.DEFAULT_HISTORY_SIZE);
        ScriptedConsole console = new ScriptedConsole();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InteractiveChat.Settings settings = new InteractiveChat.Settings(ClientOptions.of("127.0.0.1", proxy.port()),
                null, List.of(), new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 0), Duration.ofSeconds(5));
        InteractiveChat chat = new InteractiveChat(settings, console, new PrintStream(err, true, StandardCharsets.UTF_8),
                new EventFormatter(false, false, Clock.systemDefaultZone()), Clock.systemDefaultZone());
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            try {
                return chat.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        console.await("connected to Chorus as guest-");
        proxy.cut();

        assertThat(exit.get(20, TimeUnit.SECONDS)).isEqualTo(InteractiveChat.CONNECTION_FAILED);
        assertThat(err.toString(StandardCharsets.UTF_8).strip())
                .isEqualTo("connection to 127.0.0.1:" + proxy.port() + " lost");
    }
}
