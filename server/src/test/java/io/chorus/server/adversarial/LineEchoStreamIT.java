package io.chorus.server.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.server.echo.EchoMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Line echo under a peer that sends lines without ever reading: the server stops reading it instead of
 * queueing its echoes, stays within bounded memory, and once the peer reads again every line comes
 * back, in order. Without a prefix, LF lines take the path where the bytes read are written back as
 * they are; CR LF lines and a prefix take the copying path; lines are cut across reads at random.
 */
@Timeout(180)
class LineEchoStreamIT {

    private static final int CHUNK = 64 * 1024;
    /** Growth of the allocators allowed: a few chunks and socket queues, nowhere near the stream. */
    private static final long MEMORY_BOUND = 24L * 1024 * 1024;
    private static final long TOTAL = 48L * 1024 * 1024;

    private static ServerConfig lineEchoOnly(String prefix) {
        return ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .chatPort(ServerConfig.DISABLED).echoMode(EchoMode.LINE).echoPrefix(prefix)
                .maxConnectionsPerIp(0).build();
    }

    /** Seeded lines, written in 64 KiB chunks that cut lines anywhere, with the CRC of the echo they must get. */
    private record Traffic(String prefix, boolean crlf, long seed) {

        /** Writes lines until {@code TOTAL} bytes are sent, counting in {@code sent}; returns the expected echo's CRC and length. */
        long[] write(Socket socket, AtomicLong sent) {
            Random random = new Random(seed);
            CRC32 expected = new CRC32();
            long expectedBytes = 0;
            byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
            byte[] chunk = new byte[CHUNK];
            int filled = 0;
            try {
                OutputStream out = socket.getOutputStream();
                while (sent.get() < TOTAL) {
                    byte[] line = new byte[random.nextInt(120)];
                    for (int i = 0; i < line.length; i++) {
                        line[i] = (byte) ('!' + random.nextInt(94));
                    }
                    byte[] terminator = crlf && random.nextBoolean() ? new byte[] {'\r', '\n'} : new byte[] {'\n'};
                    expected.update(head);
                    expected.update(line);
                    expected.update('\n');
                    expectedBytes += head.length + line.length + 1;
                    for (byte[] part : new byte[][] {line, terminator}) {
                        for (byte b : part) {
                            chunk[filled++] = b;
                            if (filled == CHUNK) {
                                out.write(chunk);
                                sent.addAndGet(CHUNK);
                                filled = 0;
                            }
                        }
                    }
                }
                if (filled > 0) {
                    out.write(chunk, 0, filled);
                    sent.addAndGet(filled);
                }
                out.flush();
                socket.shutdownOutput();
                return new long[] {expected.getValue(), expectedBytes};
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Reads until the server closes, returning the CRC and the number of bytes received. */
    private static long[] readAll(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[CHUNK];
        long received = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            crc.update(buffer, 0, n);
            received += n;
        }
        return new long[] {crc.getValue(), received};
    }

    @ParameterizedTest(name = "prefix ''{0}''")
    @ValueSource(strings = {"", "> "})
    void aPeerThatNeverReadsStallsWithoutGrowingTheServerAndLosesNoLine(String prefix) throws Exception {
        for (boolean crlf : new boolean[] {false, true}) {
            try (ChorusServer server = ChorusServer.start(lineEchoOnly(prefix))) {
                Footprint baseline = Footprint.now();
                long peak;
                try (Footprint.PeakSampler sampler = new Footprint.PeakSampler();
                     Socket socket = new Socket()) {
                    socket.setReceiveBufferSize(64 * 1024);
                    socket.connect(new InetSocketAddress("127.0.0.1", server.port(ChorusServer.Kind.ECHO_TCP)));
                    socket.setSoTimeout(30_000);
                    AtomicLong sent = new AtomicLong();
                    Traffic traffic = new Traffic(prefix, crlf, 42 + prefix.length());
                    CompletableFuture<long[]> expected = CompletableFuture.supplyAsync(() -> traffic.write(socket, sent));

                    // The writer stalls once the echoes fill our receive buffer, the server's queue and the
                    // kernel's buffers: the server has stopped reading from us.
                    AtomicLong lastSeen = new AtomicLong(-1);
                    int[] unchanged = {0};
                    await("the writer stalls").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                            .until(() -> {
                                long now = sent.get();
                                unchanged[0] = now > 0 && now == lastSeen.getAndSet(now) ? unchanged[0] + 1 : 0;
                                return unchanged[0] >= 3;
                            });
                    assertThat(expected).as("the writer cannot finish while nobody reads").isNotDone();
                    assertThat(sent.get()).isLessThan(TOTAL);
                    assertThat(sampler.peak() - baseline.allocatorBytes()).as("allocator growth while stalled")
                            .isLessThan(MEMORY_BOUND);

                    // Reading again resumes the flow; the half-close ends it, and every line has come back.
                    long[] received = readAll(socket);
                    long[] wanted = expected.get(60, TimeUnit.SECONDS);
                    assertThat(received[1]).as("bytes echoed").isEqualTo(wanted[1]);
                    assertThat(received[0]).as("CRC of the echo").isEqualTo(wanted[0]);
                    peak = sampler.peak();
                }
                assertThat(peak - baseline.allocatorBytes()).as("allocator growth overall").isLessThan(MEMORY_BOUND);
                Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
            }
        }
    }
}
