package io.chorus.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.client.ClientOptions;
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
 * The interactive client against a server that keeps the restart contract (run in the welcome, ids
 * that keep increasing across restarts): a restart is reported once, in the reconnect line, with what
 * was recovered and that the gap is not complete; a plain network drop is not called a restart.
 */
@Timeout(60)
class RestartReportTest {

    private ContractChatServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private record Alice(ScriptedConsole console, CompletableFuture<Integer> exit) {
    }

    private Alice startAlice(int port) throws Exception {
        ScriptedConsole console = new ScriptedConsole();
        InteractiveChat.Settings settings = new InteractiveChat.Settings(ClientOptions.of("127.0.0.1", port),
                "alice", List.of("dev"), new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 100),
                Duration.ofSeconds(5));
        InteractiveChat chat = new InteractiveChat(settings, console,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new EventFormatter(false, false, Clock.systemDefaultZone()), Clock.systemDefaultZone());
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            try {
                return chat.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        console.await("#dev --> alice joined");
        return new Alice(console, exit);
    }

    @Test
    void aRestartIsOneLineThatSaysSoAndWhatWasRecovered() throws Exception {
        server = new ContractChatServer("run-1", 0, 1_000);
        int port = server.port();
        Alice alice = startAlice(port);
        server.say("dev", "bob", "before the restart");
        alice.console().await("#dev <bob> before the restart");

        // The new run is up, with what bob said on it, before the client's next attempt can land.
        server.close();
        server = new ContractChatServer("run-2", port, 5_000);
        server.say("dev", "bob", "on the new run 1");
        server.say("dev", "bob", "on the new run 2");

        String report = alice.console().await("reconnected to 127\\.0\\.0\\.1:" + port + " as alice");
        assertThat(report).isEqualTo(report.substring(0, 9) + "!!! reconnected to 127.0.0.1:" + port
                + " as alice (the server restarted); #lobby nothing missed, #dev 2 missed, earlier messages are lost");
        server.say("dev", "bob", "after the restart");
        alice.console().await("#dev <bob> after the restart");
        alice.console().endInput();
        assertThat(alice.exit().get(20, TimeUnit.SECONDS)).isZero();

        List<String> output = alice.console().output();
        assertThat(output.stream().filter(line -> line.contains("#dev <bob>")).map(line -> line.substring(9)))
                .containsExactly("#dev <bob> before the restart", "#dev <bob> on the new run 1",
                        "#dev <bob> on the new run 2", "#dev <bob> after the restart");
        assertThat(output.stream().filter(line -> line.contains("reconnected"))).hasSize(1);
        assertThat(output).noneMatch(line -> line.contains("numbers its messages") || line.contains("no longer holds")
                || line.contains("echo is on") || line.contains("current room"));
    }

    @Test
    void aDropWithinOneRunIsNotCalledARestart() throws Exception {
        server = new ContractChatServer("run-1", 0, 1_000);
        Alice alice = startAlice(server.port());
        server.say("dev", "bob", "before the drop");
        alice.console().await("#dev <bob> before the drop");

        server.cutConnections();

        String report = alice.console().await("reconnected to .* as alice");
        assertThat(report).contains("*** reconnected").doesNotContain("restarted").doesNotContain("lost")
                .contains("#dev nothing missed");
        alice.console().endInput();
        assertThat(alice.exit().get(20, TimeUnit.SECONDS)).isZero();
    }
}
