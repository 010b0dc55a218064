package io.chorus.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.JsonEventDecoder;
import io.chorus.protocol.event.NoticeKind;
import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.testing.RunningProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two chat client jars talking through pipes, as a script would run them. */
@Timeout(90)
class ChatClientJarIT {

    private static final Path JAR = RunningProcess.jar("client", "chorus-client.jar");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static ChorusServer server;
    private static String port;

    @BeforeAll
    static void start() throws InterruptedException {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().build());
        port = Integer.toString(server.port(ChorusServer.Kind.CHAT_TCP));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static RunningProcess client(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", port));
        all.addAll(List.of(args));
        // TERM as on a colour terminal: only stdout being a pipe must keep the output plain.
        return RunningProcess.start(RunningProcess.javaJar(JAR, all.toArray(String[]::new)),
                Map.of("TERM", "xterm-256color"));
    }

    @Test
    void twoPipedClientsChatAndTheReceiverShowsSenderTextAndPrivateMessages() throws Exception {
        try (RunningProcess bob = client("--nick", "bob", "--room", "dev");
             RunningProcess alice = client("--nick", "alice", "--room", "#Dev")) {
            bob.awaitStdout("#dev --> bob joined", WAIT);
            alice.awaitStdout("#dev --> alice joined", WAIT);

            alice.type("hello bob, caf\u00e9\n/msg bob psst\n/me waves\n");
            alice.closeStdin();
            assertThat(alice.awaitExit(WAIT)).isZero();

            bob.awaitStdout("^\\d\\d:\\d\\d:\\d\\d #dev <alice> hello bob, caf\u00e9$", WAIT);
            bob.awaitStdout("^\\d\\d:\\d\\d:\\d\\d \\[private\\] <alice> psst$", WAIT);
            bob.awaitStdout("^\\d\\d:\\d\\d:\\d\\d #dev \\* alice waves$", WAIT);
            bob.awaitStdout("#dev <-- alice quit", WAIT);
            bob.type("/who dev\n");
            bob.awaitStdout("\\*\\*\\* #dev: bob \\(1 member\\)", WAIT);
            bob.closeStdin();
            assertThat(bob.awaitExit(WAIT)).isZero();

            assertThat(alice.stdout()).contains(alice.stdout().stream()
                    .filter(line -> line.endsWith("[private to bob] <alice> psst")).findFirst().orElseThrow());
            for (RunningProcess client : List.of(alice, bob)) {
                assertThat(client.stdout()).noneMatch(line -> line.indexOf('\u001b') >= 0);
                assertThat(client.stderr()).isEmpty();
            }
        }
    }

    @Test
    void jsonPrintsOneDecodableEventPerLine() throws Exception {
        try (RunningProcess carol = client("--nick", "carol", "--json")) {
            carol.type("/ping tok\n");
            carol.awaitStdout("\"type\":\"pong\"", WAIT);
            carol.closeStdin();
            assertThat(carol.awaitExit(WAIT)).isZero();
            List<Event> events = carol.stdout().stream().map(JsonEventDecoder::decode).toList();
            assertThat(events).contains(new Event.Pong("tok"), Event.Notice.of(NoticeKind.BYE, "bye"));
            assertThat(events.get(0)).isInstanceOf(Event.Welcome.class);
        }
    }

    @Test
    void aTakenNickIsOneLineAndExitCodeThree() throws Exception {
        try (RunningProcess dave = client("--nick", "dave")) {
            dave.awaitStdout("is now known as dave", WAIT);
            try (RunningProcess impostor = client("--nick", "DAVE")) {
                assertThat(impostor.awaitExit(WAIT)).isEqualTo(3);
                assertThat(impostor.stderr()).containsExactly("cannot take nick DAVE: DAVE is already in use");
            }
            dave.closeStdin();
            assertThat(dave.awaitExit(WAIT)).isZero();
        }
    }

    @Test
    void badUsageIsExitCodeTwo() throws Exception {
        try (RunningProcess client = client("--nick", "no spaces allowed!")) {
            assertThat(client.awaitExit(WAIT)).isEqualTo(2);
            assertThat(client.stderr()).hasSize(1);
            assertThat(client.stderr().get(0)).startsWith("chorus-client: bad --nick");
        }
    }
}
