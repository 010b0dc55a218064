package io.chorus.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.testing.RunningProcess;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The packaged client jar against a real server, as a script would run it. */
@Timeout(60)
class ClientJarIT {

    private static final Path JAR = RunningProcess.jar("client", "chorus-client.jar");
    private static ChorusServer server;

    @BeforeAll
    static void start() throws InterruptedException {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static RunningProcess client(String... args) throws Exception {
        return RunningProcess.start(RunningProcess.javaJar(JAR, args), Map.of());
    }

    @Test
    void echoesArgumentsOverTcp() throws Exception {
        String port = Integer.toString(server.port(ChorusServer.Kind.ECHO_TCP));
        try (RunningProcess client = client("--host", "127.0.0.1", "--port", port, "hello", "w\u00f6rld")) {
            assertThat(client.awaitExit(Duration.ofSeconds(20))).isZero();
            assertThat(client.stdout()).containsExactly("hello", "w\u00f6rld");
            assertThat(client.stderr()).isEmpty();
        }
    }

    @Test
    void echoesStdinUntilItEnds() throws Exception {
        String port = Integer.toString(server.port(ChorusServer.Kind.ECHO_TCP));
        List<String> lines = new ArrayList<>();
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            lines.add("line " + i);
            input.append("line ").append(i).append(i % 2 == 0 ? "\r\n" : "\n");
        }
        try (RunningProcess client = client("--host", "127.0.0.1", "--port", port)) {
            client.type(input.toString());
            client.closeStdin();
            assertThat(client.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(client.stdout()).containsExactlyElementsOf(lines);
        }
    }

    @Test
    void sendsDatagramsWithUdp() throws Exception {
        String port = Integer.toString(server.port(ChorusServer.Kind.ECHO_UDP));
        try (RunningProcess client = client("--host", "127.0.0.1", "--udp", "--port", port, "one", "two")) {
            assertThat(client.awaitExit(Duration.ofSeconds(20))).isZero();
            assertThat(client.stdout()).containsExactly("one", "two");
        }
    }

    @Test
    void refusedConnectionIsOneClearLineAndExitCodeOne() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        try (RunningProcess client = client("--host", "127.0.0.1", "--port", Integer.toString(closedPort), "x")) {
            assertThat(client.awaitExit(Duration.ofSeconds(20))).isEqualTo(1);
            assertThat(client.stderr()).containsExactly(
                    "cannot connect to 127.0.0.1:" + closedPort + ": connection refused");
            assertThat(client.stdout()).isEmpty();
        }
    }
}
