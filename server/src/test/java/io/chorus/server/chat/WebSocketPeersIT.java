package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import io.chorus.testing.Peers;
import io.chorus.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real WebSocket peers on {@code /ws} chatting with real TCP users: Python's {@code websockets}
 * (Debian's python3-websockets) with {@code nc}, and the Node {@code ws} example client
 * ({@code clients/node/chorus-ws-chat.js}) with a raw-socket TCP user, then a 5 MB frame from Node that
 * the server refuses with 1009 while it goes on answering. Skipped with a note when a peer is missing;
 * failing under CI, where {@code .ci/run} installs them.
 */
@Timeout(180)
class WebSocketPeersIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static final String PY_CHAT = """
            import asyncio, json, sys, websockets

            async def main(url, room):
                async with websockets.connect(url) as ws:
                    async def until(test):
                        while True:
                            event = json.loads(await ws.recv())
                            if test(event):
                                return event
                    await until(lambda e: e["type"] == "welcome")
                    await ws.send("/nick pyuser")
                    await until(lambda e: e["type"] == "nick" and e["new"] == "pyuser")
                    await ws.send("/join " + room)
                    await until(lambda e: e["type"] == "join" and e["nick"] == "pyuser")
                    await ws.send("h\\u00e9llo from python \\u2713")
                    m = await until(lambda e: e["type"] == "message" and e["from"] != "pyuser")
                    print("got:", m["room"], m["from"], m["text"].encode("utf-8").hex(), flush=True)
                    await ws.send("/quit done")
                    try:
                        while True:
                            await ws.recv()
                    except websockets.ConnectionClosed as closed:
                        print("closed:", closed.rcvd.code if closed.rcvd else closed.code, flush=True)

            asyncio.run(main(sys.argv[1], sys.argv[2]))
            """;

    private ChorusServer server;
    private int tcp;
    private int http;

    @BeforeEach
    void startServer() throws InterruptedException {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).build());
        tcp = server.port(ChorusServer.Kind.CHAT_TCP);
        http = server.port(ChorusServer.Kind.HTTP);
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void pythonWebsocketsAndNcChatInOneRoom() throws Exception {
        Peers.require("nc", "netcat-openbsd");
        String python = pythonWithWebsockets();
        Path script = Files.createTempFile("chorus-ws-chat", ".py");
        Files.writeString(script, PY_CHAT);
        script.toFile().deleteOnExit();
        try (RunningProcess nc = RunningProcess.start("nc", "-N", "127.0.0.1", Integer.toString(tcp))) {
            nc.type("/nick ncuser\n/join peers\n");
            nc.awaitStdout("^\\*\\*\\* ncuser joined #peers$", WAIT);
            try (RunningProcess py = RunningProcess.start(python, script.toString(),
                    "ws://127.0.0.1:" + http + "/ws", "peers")) {
                nc.awaitStdout("^\\*\\*\\* pyuser joined #peers$", WAIT);
                nc.awaitStdout("^#peers <pyuser> héllo from python ✓$", WAIT);
                nc.type("hello from nc ✓\n");
                assertThat(py.awaitExit(WAIT)).as("python: %s %s", py.stdout(), py.stderr()).isZero();
                assertThat(py.stdout()).containsExactly("got: peers ncuser " + hex("hello from nc ✓"), "closed: 1000");
                nc.awaitStdout("^\\*\\*\\* pyuser left #peers \\(done\\)$|^\\*\\*\\* pyuser quit #peers", WAIT);
            }
        }
    }

    @Test
    void nodeWsAndATcpUserChatAndA5MegabyteFrameIsRefusedWhileTheServerAnswers() throws Exception {
        Peers.require("node", "nodejs");
        Path client = nodeClient();
        Map<String, String> env = Map.of("NODE_PATH", "/usr/share/nodejs");
        requireNodeWs(client, env);
        try (LineClient bob = LineClient.connect(tcp)) {
            bob.timeout(WAIT);
            bob.send("/nick tcpbob");
            bob.readUntil("is now known as tcpbob");
            bob.send("/join peers2");
            bob.readUntil("tcpbob joined #peers2");
            try (RunningProcess node = RunningProcess.start(List.of("node", client.toString(), "--url",
                    "ws://127.0.0.1:" + http + "/ws", "--nick", "nodeuser", "--room", "peers2", "--wait-for", "tcpbob",
                    "--expect", "1"), env)) {
                node.type("héllo from node ✓\n").closeStdin();
                assertThat(bob.readUntil("<nodeuser>")).isEqualTo("#peers2 <nodeuser> héllo from node ✓");
                bob.send("hi node, tcp here ✓");
                assertThat(node.awaitExit(WAIT)).as("node: %s %s", node.stdout(), node.stderr()).isZero();
                assertThat(node.stdout()).contains("#peers2 <tcpbob> hi node, tcp here ✓");
            }

            // One 5 MB frame: refused with 1009 (--max-line), and the server goes on answering.
            try (RunningProcess big = RunningProcess.start(List.of("node", client.toString(), "--url",
                    "ws://127.0.0.1:" + http + "/ws", "--big", Integer.toString(5 * 1024 * 1024)), env)) {
                assertThat(big.awaitExit(WAIT)).as("node: %s %s", big.stdout(), big.stderr()).isZero();
                assertThat(big.stderr()).anyMatch(l -> l.startsWith("closed 1009"));
            }
            bob.send("/ping after-the-big-frame");
            assertThat(bob.readUntil("pong")).contains("after-the-big-frame");
            try (NettyWsUser next = NettyWsUser.connect(http)) {
                next.send("/ping ws-still-here");
                assertThat(next.next(e -> e.path("type").asText().equals("pong")).path("token").asText())
                        .isEqualTo("ws-still-here");
            }
        }
    }

    private static String hex(String text) {
        StringBuilder hex = new StringBuilder();
        for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }

    private static void skipOrFail(String message) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message);
        }
        Assumptions.abort(message);
    }

    /** Debian's python3 first: a pyenv or venv python on the PATH may lack the Debian module. */
    private static String pythonWithWebsockets() throws Exception {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import websockets").redirectErrorStream(true).start();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException notThere) {
                // try the next one
            }
        }
        skipOrFail("python3 with websockets is not installed (apt-get install -y python3-websockets)");
        return null;
    }

    private static Path nodeClient() {
        return RunningProcess.clientScript("node/chorus-ws-chat.js");
    }

    /** The ws package: clients/node/node_modules (npm install) or Debian's node-ws. */
    private static void requireNodeWs(Path client, Map<String, String> env) throws Exception {
        ProcessBuilder probe = new ProcessBuilder("node", "-e", "require('ws')").directory(client.getParent().toFile())
                .redirectErrorStream(true);
        probe.environment().putAll(env);
        Process p = probe.start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            skipOrFail("node's ws package is missing (cd clients/node && npm install --no-audit --no-fund,"
                    + " or apt-get install -y node-ws)");
        }
    }
}
