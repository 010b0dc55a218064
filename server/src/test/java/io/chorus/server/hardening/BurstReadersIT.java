package io.chorus.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import io.chorus.testing.Peers;
import io.chorus.testing.RunningProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 9, item 2, the scenario as the issue ran it: 50 readers in Python (one thread each, reading its
 * socket in a loop), one reader that never reads, and a publisher writing 20,000 lines of 1,000 bytes as
 * fast as it can, against a server at its defaults apart from {@code --rate-limit 0} and
 * {@code --max-connections-per-ip 0}. Every Python reader gets every line in order; the silent one is cut.
 */
@Timeout(300)
class BurstReadersIT {

    private static final int READERS = 50;
    private static final int LINES = 20_000;
    private static final int LINE_BYTES = 1000;
    private static final String ROOM = "burst";

    @Test
    void fiftyPythonReadersGetTheWholeBurstInOrderAndTheSilentOneIsCut() throws Exception {
        Peers.require("python3", "python3");
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).rateLimit(RateLimit.OFF).maxConnectionsPerIp(0).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            Path script = Path.of(BurstReadersIT.class.getResource("/python/burst_readers.py").toURI());

            // The silent reader: joins, then never reads again. Its receive buffer is small, so it stalls
            // early, but not below the loopback MSS (64 KiB): with 4 KiB, the kernel sent what it still held
            // for the closed connection through zero-window probes, a few KiB every 200 ms, and draining
            // the 3 MB it held outlasted the test's timeout in 1 run of 5.
            Socket silent = new Socket();
            silent.setReceiveBufferSize(128 * 1024);
            silent.connect(new InetSocketAddress("127.0.0.1", port));
            silent.getOutputStream().write(("/nick silent\n/join " + ROOM + "\n").getBytes(StandardCharsets.UTF_8));

            try (RunningProcess readers = RunningProcess.start("python3", script.toString(), "127.0.0.1",
                    Integer.toString(port), ROOM, Integer.toString(READERS), Integer.toString(LINES), "pub");
                 LineClient publisher = LineClient.connect(port)) {
                readers.awaitStdout("^ready$", Duration.ofSeconds(120));
                publisher.send("/nick pub");
                publisher.readUntil("is now known as pub");
                publisher.send("/join " + ROOM);
                publisher.readUntil("pub joined #" + ROOM);

                String padding = "x".repeat(LINE_BYTES - 7);
                StringBuilder batch = new StringBuilder();
                for (int i = 0; i < LINES; i++) {
                    batch.append(i).append(' ').append(padding).append('\n');
                    if (batch.length() > 64 * 1024) {
                        publisher.sendRaw(batch.toString());
                        batch.setLength(0);
                    }
                }
                publisher.sendRaw(batch.toString());

                Matcher finished = readers.awaitStdout("^finished (\\d+) (\\d+)$", Duration.ofSeconds(240));
                List<String> report = readers.stdout();
                assertThat(report).as("python readers' report; stderr: %s", readers.stderr())
                        .filteredOn(line -> line.startsWith("fail")).isEmpty();
                assertThat(report).filteredOn(line -> line.startsWith("done")).hasSize(READERS)
                        .allMatch(line -> line.endsWith(" " + LINES));
                assertThat(finished.group(1)).isEqualTo(Integer.toString(READERS));
            }

            // The silent reader was disconnected (after the grace): its socket ends in EOF or a reset. If the
            // queue drained in time, the last thing in it is the slow-consumer line.
            // Reading before the cut would let it catch up, and a reader that catches up is not cut: wait
            // for its connection to close (its nick is freed then) before reading what its socket holds.
            var nicks = server.chat().orElseThrow().nicks();
            await().atMost(Duration.ofSeconds(120)).until(() -> nicks.find("silent").isEmpty());
            silent.setSoTimeout(120_000);
            String tail = drainUntilClosed(silent.getInputStream());
            System.out.println("silent reader's last line: " + tail);
            assertThat(tail).satisfiesAnyOf(
                    t -> assertThat(t).startsWith("!!! slow-consumer: "),
                    t -> assertThat(t).startsWith("#" + ROOM + " <pub> "),
                    t -> assertThat(t).isEqualTo("(reset)"));
            silent.close();
        }
    }

    /** Reads to the end; returns the last complete line, or {@code (reset)} for a reset. */
    static String drainUntilClosed(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                tail.write(buffer, 0, n);
                if (tail.size() > 8192) {
                    byte[] keep = tail.toByteArray();
                    tail.reset();
                    tail.write(keep, keep.length - 4096, 4096);
                }
            }
        } catch (SocketException reset) {
            return "(reset)";
        }
        // A connection closed while a write was under way can end in part of a line: skip that part.
        String text = tail.toString(StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        String[] lines = end < 0 ? new String[0] : text.substring(0, end).split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }
}
