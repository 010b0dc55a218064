package io.chorus.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One reader that never reads, among many that do, while megabytes are broadcast: the readers get
 * everything in order, the stalled one is cut off once it has stayed above the soft limit for the grace,
 * and the server's queue for it stays bounded by the hard limit meanwhile.
 */
@Timeout(120)
class SlowConsumerIT {

    private static final int FAST_READERS = 50;
    private static final int LINE_BYTES = 1000;
    private static final int LINES = 20_000; // about 20 MB broadcast

    @Test
    void stalledReaderIsCutOffAndTheOthersGetEverything() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).rateLimit(RateLimit.OFF).maxConnectionsPerIp(0).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            // The stalled reader: a small receive buffer, joins the room, then never reads again. Not below
            // the loopback MSS (64 KiB): with 4 KiB, what the kernel still holds for the closed connection
            // comes through zero-window probes, a few KiB every 200 ms (see BurstReadersIT).
            Socket stalled = new Socket();
            stalled.setReceiveBufferSize(128 * 1024);
            stalled.connect(new InetSocketAddress("127.0.0.1", port));
            stalled.getOutputStream().write("/nick stalled\n/join wire\n".getBytes(StandardCharsets.UTF_8));

            List<LineClient> readers = new ArrayList<>();
            for (int i = 0; i < FAST_READERS; i++) {
                LineClient reader = LineClient.connect(port);
                reader.send("/join wire");
                reader.readUntil("joined #wire");
                readers.add(reader);
            }
            LineClient sender = LineClient.connect(port);
            sender.send("/nick sender");
            sender.send("/join wire");
            sender.readUntil("sender joined #wire");

            String padding = "x".repeat(LINE_BYTES - 10);
            ExecutorService pool = Executors.newFixedThreadPool(FAST_READERS);
            try {
                List<Future<Integer>> counts = new ArrayList<>();
                for (LineClient reader : readers) {
                    counts.add(pool.submit(() -> {
                        int next = 0;
                        while (next < LINES) {
                            String line = reader.readLine();
                            if (line == null) {
                                throw new IOException("closed after " + next + " lines");
                            }
                            if (line.startsWith("#wire <sender> ")) {
                                assertThat(line).isEqualTo("#wire <sender> " + next + " " + padding);
                                next++;
                            }
                        }
                        return next;
                    }));
                }
                StringBuilder batch = new StringBuilder();
                for (int i = 0; i < LINES; i++) {
                    batch.append(i).append(' ').append(padding).append('\n');
                    if (batch.length() > 64 * 1024) {
                        sender.sendRaw(batch.toString());
                        batch.setLength(0);
                    }
                }
                sender.sendRaw(batch.toString());
                for (Future<Integer> count : counts) {
                    assertThat(count.get(90, TimeUnit.SECONDS)).isEqualTo(LINES);
                }
            } finally {
                pool.shutdownNow();
            }

            // The stalled reader is disconnected once it has stayed above the soft limit for the grace (its
            // nick is freed when its connection closes); reading what its socket holds then ends in EOF or a
            // reset. Reading before that would let it catch up, and a reader that catches up is not cut.
            var nicks = server.chat().orElseThrow().nicks();
            await().atMost(Duration.ofSeconds(60)).until(() -> nicks.find("stalled").isEmpty());
            stalled.setSoTimeout(10_000);
            assertThat(drainUntilClosed(stalled.getInputStream())).isTrue();
            stalled.close();
            for (LineClient reader : readers) {
                reader.close();
            }
            sender.close();
        }
    }

    private static boolean drainUntilClosed(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        try {
            while (in.read(buffer) >= 0) {
                // discard
            }
            return true;
        } catch (SocketException reset) {
            return true;
        }
    }
}
