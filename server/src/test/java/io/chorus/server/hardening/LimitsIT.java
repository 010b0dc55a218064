package io.chorus.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.server.support.OpenFileLimit;
import io.chorus.testing.LineClient;
import io.chorus.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connection limits as a client sees them: one error line, then the connection closes; and the server
 * jar at its process's open-file limit, as an operator sees it in the log.
 */
@Timeout(120)
class LimitsIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The open-file limit the jar tests run under: small enough to reach with a few hundred sockets. */
    private static final int OPEN_FILE_LIMIT = 256;
    private static final int CLIENTS = 300;

    @Test
    void totalConnectionLimitRefusesWithOneLine() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .maxConnections(5).maxConnectionsPerIp(0).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            List<LineClient> open = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                LineClient c = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP));
                c.readUntil("Welcome");
                open.add(c);
            }
            try (LineClient refused = LineClient.connect(server.port(ChorusServer.Kind.ECHO_TCP))) {
                assertThat(refused.readLine()).isEqualTo("!!! too-many-connections: the server is full (5 connections); try again later");
                assertThat(refused.readLine()).isNull();
            }
            assertThat(server.refusedConnections()).isEqualTo(1);
            open.get(0).close();
            org.awaitility.Awaitility.await().until(() -> server.liveConnections() == 4);
            try (LineClient accepted = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP))) {
                assertThat(accepted.readLine()).startsWith("*** Welcome");
            }
            for (LineClient c : open) {
                c.close();
            }
        }
    }

    @Test
    void perAddressLimitCountsLoopback() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .maxConnectionsPerIp(3).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            List<LineClient> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                LineClient c = LineClient.connect(port);
                c.readUntil("Welcome");
                open.add(c);
            }
            try (LineClient refused = LineClient.connect(port)) {
                assertThat(refused.readLine()).isEqualTo("!!! too-many-connections: too many connections from 127.0.0.1 (at most 3)");
                assertThat(refused.readLine()).isNull();
            }
            for (LineClient c : open) {
                c.close();
            }
        }
    }

    /**
     * A silent client is told why and closed. That a client which keeps sending /ping stays connected
     * is a matter of timing, so it is checked with fake time in {@code ChatServerHandlerTest}; over
     * real sockets on a loaded machine any ping interval could be stretched past the timeout.
     */
    @Test
    void idleTimeoutClosesASilentClientWithOneLine() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .idleTimeout(Duration.ofMillis(300)).build();
        try (ChorusServer server = ChorusServer.start(config);
             LineClient silent = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP))) {
            silent.timeout(WAIT);
            assertThat(silent.readUntil("!!!")).isEqualTo("!!! idle-timeout: nothing received for 300 ms; send /ping to stay connected");
            assertThat(silent.awaitClosed()).isTrue();
            try (LineClient next = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP))) {
                assertThat(next.readLine()).startsWith("*** Welcome");
                next.send("/ping still-here");
                assertThat(next.readUntil("*** pong")).isEqualTo("*** pong still-here");
            }
        }
    }

    /** The server jar under {@code ulimit -n 256}, as an operator would start it on a small container. */
    private static RunningProcess startUnderOpenFileLimit(String... args) throws IOException {
        Path jar = RunningProcess.jar("server", "chorus-server.jar");
        List<String> command = new ArrayList<>(List.of("bash", "-c", "ulimit -n " + OPEN_FILE_LIMIT + " && exec \"$@\"", "bash"));
        command.addAll(RunningProcess.javaJar(jar, args));
        // Only the listeners a test names: the HTTP listener's fixed port 8080 would need a descriptor too.
        return RunningProcess.start(command, Map.of("CHORUS_HTTP_PORT", "off"));
    }

    private static void assertNoStackTraces(RunningProcess server) {
        assertThat(server.stdout()).as("server log")
                .noneMatch(l -> l.startsWith("\tat ") || l.contains("exceptionCaught()") || l.contains("Exception:"))
                .noneMatch(l -> l.contains("LEAK:"));
        assertThat(server.stderr()).as("server stderr").noneMatch(l -> l.startsWith("\tat "));
    }

    /** How many failed accepts one report line stands for: 1 for the first of a run, else its count. */
    private static long failuresIn(String report) {
        Matcher m = java.util.regex.Pattern.compile("; (\\d+) more failures").matcher(report);
        return m.find() ? Long.parseLong(m.group(1)) : 1;
    }

    @Test
    void theDefaultConnectionLimitLeavesRoomUnderTheOpenFileLimit() throws Exception {
        try (RunningProcess server = startUnderOpenFileLimit("--host", "127.0.0.1", "--echo-port", "off",
                "--udp-port", "off", "--chat-port", "0", "--max-connections-per-ip", "0")) {
            Matcher limit = server.awaitStdout("max connections: (\\d+) \\(open-file limit (\\d+)\\)", WAIT);
            assertThat(Long.parseLong(limit.group(2))).isEqualTo(OPEN_FILE_LIMIT);
            int maxConnections = Integer.parseInt(limit.group(1));
            assertThat(maxConnections).isEqualTo(OpenFileLimit.maxConnectionsFor(OPEN_FILE_LIMIT)).isLessThan(OPEN_FILE_LIMIT);
            int port = Integer.parseInt(server.awaitStdout("listening: chat tcp 127\\.0\\.0\\.1:(\\d+)", WAIT).group(1));

            List<LineClient> clients = new ArrayList<>();
            int welcomed = 0;
            List<String> refusals = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    LineClient client = LineClient.connect(port).timeout(WAIT);
                    clients.add(client);
                    String first = client.readLine();
                    if (first.startsWith("*** Welcome")) {
                        welcomed++;
                    } else {
                        refusals.add(first);
                    }
                }
                // Every connection past the limit was refused with a line, none waited unaccepted.
                assertThat(welcomed).isEqualTo(maxConnections);
                assertThat(refusals).hasSize(CLIENTS - maxConnections)
                        .allMatch(l -> l.startsWith("!!! too-many-connections") && l.contains("(" + maxConnections + " connections)"));
            } finally {
                for (LineClient client : clients) {
                    client.close();
                }
            }
            assertThat(server.stdout()).noneMatch(l -> l.contains("cannot accept"));
            assertNoStackTraces(server);
            server.terminate();
            assertThat(server.awaitExit(WAIT)).isZero();
        }
    }

    @Test
    void atTheDescriptorLimitFailedAcceptsAreCountedNotTracedAndServingResumes() throws Exception {
        for (String transport : List.of("epoll", "nio")) {
            try (RunningProcess server = startUnderOpenFileLimit("--host", "127.0.0.1", "--echo-port", "0",
                    "--udp-port", "off", "--chat-port", "off", "--transport", transport,
                    "--max-connections", "0", "--max-connections-per-ip", "0")) {
                server.awaitStdout("max connections: no limit \\(open-file limit " + OPEN_FILE_LIMIT + "\\)", WAIT);
                server.awaitStdout("WARN .*max connections: the open-file limit leaves room for about \\d+", WAIT);
                int port = Integer.parseInt(server.awaitStdout("listening: echo tcp 127\\.0\\.0\\.1:(\\d+)", WAIT).group(1));

                // More connections than descriptors: the kernel queues the rest, and accept fails with EMFILE.
                List<LineClient> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < CLIENTS; i++) {
                        clients.add(LineClient.connect(port).timeout(WAIT));
                    }
                    clients.get(0).send("first");
                    assertThat(clients.get(0).readLine()).isEqualTo("first");
                    server.awaitStdout("WARN .*cannot accept a connection: .*Too many open files; pausing accepts and retrying", WAIT);
                    // While the clients hold every descriptor, failures go on and are reported as a count.
                    Matcher count = server.awaitStdout("WARN .*cannot accept a connection: .*Too many open files; (\\d+) more"
                            + " failures in the last 10 s", WAIT);
                    assertThat(Long.parseLong(count.group(1))).isPositive();
                } finally {
                    for (LineClient client : clients) {
                        client.close();
                    }
                }
                // Descriptors are free again: the server accepts and serves without a restart.
                try (LineClient after = LineClient.connect(port).timeout(WAIT)) {
                    after.send("after the limit");
                    assertThat(after.readLine()).isEqualTo("after the limit");
                }
                List<String> reports = server.stdout().stream().filter(l -> l.contains("cannot accept")).toList();
                reports.forEach(l -> System.out.println(transport + ": " + l));
                assertThat(reports).allMatch(l -> l.contains(" WARN "));
                long failures = reports.stream().mapToLong(LimitsIT::failuresIn).sum();
                assertThat(failures).as("failed accepts, over %d log lines", reports.size()).isGreaterThan(reports.size());
                assertNoStackTraces(server);
                server.terminate();
                assertThat(server.awaitExit(WAIT)).isZero();
            }
        }
    }
}
