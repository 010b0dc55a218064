package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.testing.Peers;
import io.chorus.testing.RunningProcess;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two people chat with plain {@code nc} (netcat-openbsd), typing lines and reading what the server
 * prints, exactly as the README tells them to.
 */
@Timeout(60)
class NcChatIT {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private ChorusServer server;
    private String port;

    @BeforeEach
    void startServer() throws InterruptedException {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().build());
        port = Integer.toString(server.port(ChorusServer.Kind.CHAT_TCP));
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twoNcUsersChatInARoomAndPrivately() throws Exception {
        Peers.require("nc", "netcat-openbsd");
        // -N: when the test closes nc's stdin, nc half-closes the socket, as a person pressing Ctrl-D does.
        try (RunningProcess alice = RunningProcess.start("nc", "-N", "127.0.0.1", port)) {
            await(alice, "*** Welcome to Chorus, guest-", "! You are in #lobby. Type /help for commands.");
            alice.type("/nick alice\n");
            await(alice, "*** guest-", " is now known as alice");
            alice.type("/join #garden\n");
            await(alice, "*** alice joined #garden");
            try (RunningProcess bob = RunningProcess.start("nc", "-N", "127.0.0.1", port)) {
                chat(alice, bob);
            }
        }
    }

    /** Alice is in #garden; Bob has just connected. */
    private static void chat(RunningProcess alice, RunningProcess bob) throws Exception {
        await(bob, "*** Welcome to Chorus, guest-", "! You are in #lobby. Type /help for commands.");
        bob.type("/nick bob\r\n/join Garden\r\n"); // CRLF, as telnet-style clients send
        await(bob, "*** bob joined #garden");
        await(alice, "*** bob joined #garden");

        alice.type("hello bob, nice garden\n");
        await(bob, "#garden <alice> hello bob, nice garden");
        bob.type("hi alice 🌱 thanks\n");
        await(alice, "#garden <bob> hi alice 🌱 thanks");

        alice.type("/msg bob psst, just you\n");
        await(bob, "*alice* psst, just you");
        bob.type("/me waves\n");
        await(alice, "#garden * bob waves");

        // Escape sequences never reach the other terminal: the clear-screen vanishes, the text stays.
        alice.type("\u001b[2J\u001b[31mred?\u001b[0m no\u0007\n");
        await(bob, "#garden <alice> red? no");

        bob.type("/who\n");
        await(bob, "*** #garden: alice, bob (2 members)");

        // Alice presses Ctrl-D: her nc half-closes, the server closes, and nc exits.
        alice.closeStdin();
        assertThat(alice.awaitExit(WAIT)).as("alice's nc; stderr=%s", alice.stderr()).isZero();
        await(bob, "*** alice quit #garden (connection closed)");
        await(bob, "*** alice quit #lobby (connection closed)");

        bob.type("/quit see you\n");
        await(bob, "*** bye");
        bob.closeStdin();
        assertThat(bob.awaitExit(WAIT)).as("bob's nc; stderr=%s", bob.stderr()).isZero();

        // Lines from one room arrive in the order the room numbered them.
        assertThat(alice.stdout()).containsSubsequence(
                "*** alice joined #garden",
                "*** bob joined #garden",
                "#garden <bob> hi alice 🌱 thanks",
                "#garden * bob waves");
        assertThat(alice.stdout()).anyMatch(l -> l.matches("\\*\\*\\* guest-\\d+ joined #lobby"));
        assertThat(bob.stdout()).containsSubsequence(
                "*** bob joined #garden",
                "#garden <alice> hello bob, nice garden",
                "*alice* psst, just you",
                "#garden <alice> red? no",
                "*** #garden: alice, bob (2 members)",
                "*** alice quit #garden (connection closed)",
                "*** bye");
        // Nobody sees their own messages (echo is off by default), and no escape byte got through.
        assertThat(alice.stdout()).noneMatch(l -> l.contains("<alice>") || l.contains("\u001b") || l.contains("\u0007"));
        assertThat(bob.stdout()).noneMatch(l -> l.contains("<bob>") || l.contains("* bob waves")
                || l.contains("\u001b") || l.contains("\u0007"));
    }

    @Test
    void ncSeesErrorsAsBangLinesAndStaysConnected() throws Exception {
        Peers.require("nc", "netcat-openbsd");
        try (RunningProcess nc = RunningProcess.start("nc", "-N", "127.0.0.1", port)) {
            await(nc, "*** Welcome to Chorus, guest-", "");
            nc.type("/frobnicate\n/nick no spaces\n/msg nobody hi\n" + "x".repeat(5000) + "\n/ping still-here\n");
            nc.closeStdin();
            assertThat(nc.awaitExit(WAIT)).isZero();
            assertThat(nc.stdout()).containsSubsequence(
                    "!!! unknown-command: unknown command /frobnicate; try /help",
                    "!!! no-such-nick: nobody is not connected",
                    "!!! line-too-long: line longer than 4096 bytes was discarded",
                    "*** pong still-here");
            assertThat(nc.stdout()).anyMatch(l -> l.startsWith("!!! usage: ") && l.endsWith("/nick NAME"));
        }
    }

    @Test
    void repliesToPipedCommandsComeInCommandOrder() throws Exception {
        Peers.require("nc", "netcat-openbsd");
        // As printf '/nick zed\n/join t\n' | nc: both lines in one write, before anything is read.
        try (RunningProcess nc = RunningProcess.start("nc", "-N", "127.0.0.1", port)) {
            nc.type("/nick zed\n/join t\n/ping done\n");
            nc.closeStdin();
            assertThat(nc.awaitExit(WAIT)).as("nc; stderr=%s", nc.stderr()).isZero();
            List<String> out = nc.stdout();
            assertThat(out).hasSize(5);
            assertThat(out.get(0)).startsWith("*** Welcome to Chorus, guest-");
            assertThat(out.get(1)).matches("\\*\\*\\* guest-\\d+ joined #lobby");
            assertThat(out.get(2)).matches("\\*\\*\\* guest-\\d+ is now known as zed");
            assertThat(out.subList(3, 5)).containsExactly("*** zed joined #t", "*** pong done");
        }
    }

    /** Waits for a whole line that starts with {@code prefix} and ends with {@code suffix}. */
    private static void await(RunningProcess nc, String prefix, String suffix) throws InterruptedException {
        nc.awaitStdout("^" + Pattern.quote(prefix) + ".*" + Pattern.quote(suffix) + "$", WAIT);
    }

    /** Waits for exactly this line. */
    private static void await(RunningProcess nc, String line) throws InterruptedException {
        nc.awaitStdout("^" + Pattern.quote(line) + "$", WAIT);
    }
}
