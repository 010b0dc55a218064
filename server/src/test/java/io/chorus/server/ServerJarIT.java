package io.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.testing.LineClient;
import io.chorus.testing.Peers;
import io.chorus.testing.RunningProcess;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The packaged server jar as users run it: options, environment, nc, SIGTERM. */
@Timeout(60)
class ServerJarIT {

    private static final Path JAR = RunningProcess.jar("server", "chorus-server.jar");
    private static final Duration STARTUP = Duration.ofSeconds(20);
    /** How long a test waits for the server to exit after SIGTERM: a bound for a hang, not a speed check. */
    private static final Duration EXIT = Duration.ofSeconds(50);

    private static RunningProcess startServer(Map<String, String> env, String... args) throws IOException {
        // The HTTP listener's default port 8080 may be taken on a shared machine; these tests do not use it.
        Map<String, String> withHttpOff = new java.util.HashMap<>(env);
        withHttpOff.putIfAbsent("CHORUS_HTTP_PORT", "off");
        return RunningProcess.start(RunningProcess.javaJar(JAR, args), withHttpOff);
    }

    private static int listeningPort(RunningProcess server, String listener) throws InterruptedException {
        Matcher m = server.awaitStdout("listening: " + listener + " 127\\.0\\.0\\.1:(\\d+)", STARTUP);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void startsFromEnvironmentEchoesAndExitsZeroOnSigterm() throws Exception {
        // A grace much longer than the wait for exit below: exiting in time means the drain finished by
        // itself, not that the grace ran out. No elapsed time is measured.
        Map<String, String> env = Map.of("CHORUS_HOST", "127.0.0.1", "CHORUS_ECHO_PORT", "0", "CHORUS_UDP_PORT", "0",
                "CHORUS_CHAT_PORT", "0", "CHORUS_ECHO_PREFIX", "Echo: ", "CHORUS_SHUTDOWN_GRACE", "600",
                "CHORUS_ECHO_MODE", "line");
        try (RunningProcess server = startServer(env)) {
            int tcp = listeningPort(server, "echo tcp");
            int udp = listeningPort(server, "echo udp");
            server.awaitStdout("INFO .*max connections: \\d+ \\(open-file limit \\d+\\)", STARTUP);
            try (LineClient client = LineClient.connect(tcp)) {
                client.sendRaw("hello\r\nworld\n");
                assertThat(client.readLine()).isEqualTo("Echo: hello");
                assertThat(client.readLine()).isEqualTo("Echo: world");
            }
            try (DatagramSocket socket = new DatagramSocket()) {
                socket.setSoTimeout(5000);
                byte[] payload = "dgram".getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(payload, payload.length, InetAddress.getByName("127.0.0.1"), udp));
                DatagramPacket reply = new DatagramPacket(new byte[64], 64);
                socket.receive(reply);
                // UDP echo puts the prefix before each datagram.
                assertThat(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8)).isEqualTo("Echo: dgram");
            }
            LineClient idle = LineClient.connect(tcp);
            LineClient chatter = LineClient.connect(listeningPort(server, "chat tcp"));
            chatter.readUntil("joined #lobby");
            server.terminate();
            assertThat(chatter.readLine()).isEqualTo("!!! shutting-down: the server is shutting down");
            assertThat(chatter.awaitClosed()).isTrue();
            chatter.close();
            assertThat(server.awaitExit(EXIT)).isZero();
            // The drain closed the live connection rather than leaving it hanging.
            assertThat(idle.awaitClosed()).isTrue();
            idle.close();
            assertThat(server.stdout()).as("stderr: %s", server.stderr()).anyMatch(l -> l.contains("stopped")).noneMatch(l -> l.contains("LEAK:"));
        }
    }

    @Test
    void ncTalksToTheEchoPort() throws Exception {
        Peers.require("nc", "netcat-openbsd");
        try (RunningProcess server = startServer(Map.of(), "--host", "127.0.0.1", "--echo-port", "0", "--udp-port", "off", "--chat-port", "off")) {
            int tcp = listeningPort(server, "echo tcp");
            try (RunningProcess nc = RunningProcess.start("nc", "-N", "127.0.0.1", Integer.toString(tcp))) {
                nc.type("hello\r\nworld\n");
                nc.closeStdin();
                assertThat(nc.awaitExit(Duration.ofSeconds(10))).isZero();
                assertThat(nc.stdout()).containsExactly("hello", "world");
            }
            assertThat(server.stdout()).noneMatch(l -> l.contains("listening: echo udp"));
            server.terminate();
            assertThat(server.awaitExit(EXIT)).isZero();
        }
    }

    @Test
    void theNodeExampleClientGetsItsEchoFromTheJarStartedAsTheIssueSays() throws Exception {
        Peers.require("node", "nodejs");
        // java -jar server/target/chorus-server.jar --echo-prefix "Echo: ", with ports that cannot collide.
        try (RunningProcess server = startServer(Map.of(), "--echo-prefix", "Echo: ", "--host", "127.0.0.1",
                "--echo-port", "0", "--udp-port", "off", "--chat-port", "off")) {
            int tcp = listeningPort(server, "echo tcp");
            try (RunningProcess node = RunningProcess.start("node", clientScript("node/echo-client.js"),
                    Integer.toString(tcp), "127.0.0.1")) {
                assertThat(node.awaitExit(Duration.ofSeconds(30))).as("stderr: %s", node.stderr()).isZero();
                assertThat(node.stdout()).contains("Received: Echo: Hello, server!");
            }
            server.terminate();
            assertThat(server.awaitExit(Duration.ofSeconds(10))).isZero();
        }
    }

    /** A script under clients/; see {@link RunningProcess#clientScript}. */
    private static String clientScript(String relative) {
        return RunningProcess.clientScript(relative).toString();
    }

    @Test
    void helpAndVersionDescribeTheServer() throws Exception {
        try (RunningProcess help = RunningProcess.start(RunningProcess.javaJar(JAR, "--help"), Map.of())) {
            assertThat(help.awaitExit(Duration.ofSeconds(20))).isZero();
            assertThat(String.join("\n", help.stdout()))
                    .contains("--echo-port", "--udp-port", "--chat-port", "--transport", "--history", "--max-line", "CHORUS_ECHO_PORT")
                    .contains("--echo-mode", "CHORUS_ECHO_MODE", "--udp-rate-limit");
            // picocli wraps to the terminal's width, so phrases are checked with the wrapping undone.
            assertThat(String.join(" ", help.stdout()).replaceAll("\\s+", " "))
                    .contains("raw is RFC 862 echo", "line splits the input on LF or CRLF", "0 = one per core");
        }
        try (RunningProcess version = RunningProcess.start(RunningProcess.javaJar(JAR, "--version"), Map.of())) {
            assertThat(version.awaitExit(Duration.ofSeconds(20))).isZero();
            assertThat(version.stdout()).anyMatch(l -> l.startsWith("Chorus "));
        }
    }

    @Test
    void badOptionsAndBusyPortsFailClearly() throws Exception {
        try (RunningProcess bad = RunningProcess.start(RunningProcess.javaJar(JAR, "--echo-port", "seventy"), Map.of())) {
            assertThat(bad.awaitExit(Duration.ofSeconds(20))).isEqualTo(2);
            assertThat(String.join("\n", bad.stderr())).contains("'seventy' is not a port");
        }
        try (RunningProcess bad = RunningProcess.start(RunningProcess.javaJar(JAR, "--echo-mode", "lines"), Map.of())) {
            assertThat(bad.awaitExit(Duration.ofSeconds(20))).isEqualTo(2);
            assertThat(String.join("\n", bad.stderr())).contains("echo mode must be raw or line: 'lines'");
        }
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             RunningProcess server = startServer(Map.of(), "--host", "127.0.0.1", "--echo-port",
                     Integer.toString(busy.getLocalPort()), "--udp-port", "off", "--chat-port", "off")) {
            assertThat(server.awaitExit(Duration.ofSeconds(20))).isEqualTo(1);
            assertThat(String.join("\n", server.stderr()))
                    .contains("cannot bind echo tcp on 127.0.0.1:" + busy.getLocalPort())
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void jarCarriesNativeTransportsAndOpenSslForX86AndArm() throws Exception {
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(JAR.toFile())) {
            List<String> natives = jar.stream().map(java.util.jar.JarEntry::getName)
                    .filter(n -> n.startsWith("META-INF/native/") && n.endsWith(".so")).toList();
            for (String cpu : List.of("x86_64", "aarch_64")) {
                assertThat(natives).as("native libraries for %s", cpu)
                        .anyMatch(n -> n.matches("META-INF/native/libnetty_transport_native_epoll_" + cpu + "\\.so"))
                        .anyMatch(n -> n.matches("META-INF/native/libnetty_transport_native_io_uring\\d*_" + cpu + "\\.so"))
                        .anyMatch(n -> n.matches("META-INF/native/libnetty_tcnative_linux_" + cpu + "\\.so"));
            }
        }
    }

    @Test
    void everyTransportServesEcho() throws Exception {
        for (String transport : List.of("nio", "epoll")) {
            try (RunningProcess server = startServer(Map.of(), "--host", "127.0.0.1", "--echo-port", "0",
                    "--udp-port", "off", "--chat-port", "off", "--transport", transport)) {
                server.awaitStdout("on " + transport + " transport", STARTUP);
                int tcp = listeningPort(server, "echo tcp");
                try (LineClient client = LineClient.connect(tcp)) {
                    client.send(transport);
                    assertThat(client.readLine()).isEqualTo(transport);
                }
                server.terminate();
                assertThat(server.awaitExit(EXIT)).isZero();
            }
        }
    }
}
