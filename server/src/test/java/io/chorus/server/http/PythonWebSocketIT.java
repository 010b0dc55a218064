package io.chorus.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real WebSocket peer from another language: Python's {@code websockets} (Debian's
 * python3-websockets) against {@code /ws/echo}, for text, binary and the 1009 refusal. Skipped with a
 * note when the package is missing; failing under CI, where {@code .ci/run} installs it.
 */
@Timeout(120)
class PythonWebSocketIT {

    private static final int MAX_LINE = 2048;

    private static final String SCRIPT = """
            import asyncio, sys, websockets

            async def main(url, limit):
                async with websockets.connect(url, max_size=None) as ws:
                    await ws.send("h\\u00e9llo \\U0001F44B from python")
                    print("text:", (await ws.recv()).encode("utf-8").hex(), flush=True)
                    await ws.send(bytes(range(256)))
                    echoed = await ws.recv()
                    print("binary:", echoed.hex() if isinstance(echoed, bytes) else "not-bytes", flush=True)
                    await ws.send("x" * (limit + 1))
                    try:
                        await ws.recv()
                        print("closed: none", flush=True)
                    except websockets.ConnectionClosed as e:
                        print("closed:", e.rcvd.code if e.rcvd else e.code, flush=True)

            asyncio.run(main(sys.argv[1], int(sys.argv[2])))
            """;

    /** Debian's python3 first: a pyenv or venv python on the PATH may lack the Debian module. */
    private static String python() throws Exception {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import websockets").redirectErrorStream(true).start();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (java.io.IOException notThere) {
                // try the next one
            }
        }
        String message = "python3 with websockets is not installed (apt-get install -y python3-websockets)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message);
        }
        Assumptions.abort(message);
        return null;
    }

    @Test
    void pythonWebsocketsEchoesTextAndBinaryAndGets1009() throws Exception {
        String python = python();
        try (ChorusServer server = TestServers.start(b -> b.maxLineBytes(MAX_LINE))) {
            Path script = Files.createTempFile("chorus-ws-echo", ".py");
            Files.writeString(script, SCRIPT);
            script.toFile().deleteOnExit();
            String url = "ws://127.0.0.1:" + server.port(ChorusServer.Kind.HTTP) + "/ws/echo";
            Process p = new ProcessBuilder(python, script.toString(), url, Integer.toString(MAX_LINE))
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("python finished").isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            String hello = "héllo 👋 from python";
            StringBuilder helloHex = new StringBuilder();
            for (byte b : hello.getBytes(StandardCharsets.UTF_8)) {
                helloHex.append(String.format("%02x", b));
            }
            StringBuilder allBytes = new StringBuilder();
            for (int i = 0; i < 256; i++) {
                allBytes.append(String.format("%02x", i));
            }
            assertThat(out.lines().toList()).containsExactly(
                    "text: " + helloHex, "binary: " + allBytes, "closed: 1009");
        }
    }
}
