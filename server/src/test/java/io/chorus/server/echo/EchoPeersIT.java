package io.chorus.server.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.testing.Peers;
import io.chorus.testing.RunningProcess;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real peers on the echo port: the classic example's client in Node.js ({@code clients/node/echo-client.js})
 * and Python ({@code clients/python/echo_client.py}), which send {@code Hello, server!} with no newline
 * and never end their side, and {@code nc} in both echo modes.
 */
@Timeout(90)
class EchoPeersIT {

    /** Generous: the programs start cold on a machine that may be busy building. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static ChorusServer start(EchoMode mode) throws InterruptedException {
        return ChorusServer.start(ServerConfig.builder().ephemeralLoopback().chatPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).echoMode(mode).echoPrefix("Echo: ").build());
    }

    /** A script under clients/; see {@link RunningProcess#clientScript}. */
    private static String script(String relative) {
        return RunningProcess.clientScript(relative).toString();
    }

    private static void assertTheExampleExchange(RunningProcess client) throws InterruptedException {
        assertThat(client.awaitExit(WAIT)).as("exit code; stderr: %s", client.stderr()).isZero();
        assertThat(client.stdout()).containsExactly("Connected to server", "Received: Echo: Hello, server!",
                "Connection closed");
    }

    @Test
    void theNodeExampleClientGetsItsEcho() throws Exception {
        Peers.require("node", "nodejs");
        try (ChorusServer server = start(ServerConfig.DEFAULT_ECHO_MODE);
             RunningProcess node = RunningProcess.start("node", script("node/echo-client.js"),
                     Integer.toString(server.port(ChorusServer.Kind.ECHO_TCP)), "127.0.0.1")) {
            assertTheExampleExchange(node);
        }
    }

    @Test
    void thePythonExampleClientGetsItsEcho() throws Exception {
        Peers.require("python3", "python3");
        try (ChorusServer server = start(ServerConfig.DEFAULT_ECHO_MODE);
             RunningProcess python = RunningProcess.start("python3", script("python/echo_client.py"),
                     Integer.toString(server.port(ChorusServer.Kind.ECHO_TCP)), "127.0.0.1")) {
            assertTheExampleExchange(python);
        }
    }

    @Test
    void ncInRawModeGetsAnswersWithoutNewlines() throws Exception {
        Peers.require("nc", "netcat-openbsd");
        try (ChorusServer server = start(EchoMode.RAW);
             RunningProcess nc = RunningProcess.start("nc", "-N", "127.0.0.1",
                     Integer.toString(server.port(ChorusServer.Kind.ECHO_TCP)))) {
            nc.type("Hello, server!");
            nc.awaitStdout("^Echo: Hello, server!$", WAIT);
            nc.type(" and more\n");
            nc.awaitStdout("^Echo: Hello, server!Echo:  and more$", WAIT);
            // -N: closing stdin half-closes the socket; the server then closes and nc exits.
            nc.closeStdin();
            assertThat(nc.awaitExit(WAIT)).isZero();
            assertThat(nc.stdout()).containsExactly("Echo: Hello, server!Echo:  and more");
        }
    }

    @Test
    void ncInLineModeGetsOneReplyPerLine() throws Exception {
        Peers.require("nc", "netcat-openbsd");
        try (ChorusServer server = start(EchoMode.LINE);
             RunningProcess nc = RunningProcess.start("nc", "-N", "127.0.0.1",
                     Integer.toString(server.port(ChorusServer.Kind.ECHO_TCP)))) {
            nc.type("one\r\ntwo\nunfinished");
            nc.awaitStdout("^Echo: two$", WAIT);
            nc.closeStdin();
            assertThat(nc.awaitExit(WAIT)).isZero();
            // The unfinished line is echoed when the input ends, so nothing the peer sent is lost.
            assertThat(nc.stdout()).containsExactly("Echo: one", "Echo: two", "Echo: unfinished");
        }
    }
}
