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
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Raw echo (the default) under streams with no newline at all: 50 MB both ways with memory bounded,
 * and a peer that sends without ever reading, which must stall without growing the server.
 */
@Timeout(180)
class RawEchoStreamIT {

    private static final int CHUNK = 64 * 1024;
    /** Growth of the allocators allowed while the stream passes: a few chunks, nowhere near the stream. */
    private static final long MEMORY_BOUND = 24L * 1024 * 1024;

    private static ServerConfig rawEchoOnly() {
        return ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .chatPort(ServerConfig.DISABLED).echoMode(EchoMode.RAW).maxConnectionsPerIp(0).build();
    }

    /** Seeded bytes with every LF turned into another byte, so the stream holds no line at all. */
    private static byte[] chunk(Random random) {
        byte[] chunk = new byte[CHUNK];
        random.nextBytes(chunk);
        for (int i = 0; i < chunk.length; i++) {
            if (chunk[i] == '\n') {
                chunk[i] = 'n';
            }
        }
        return chunk;
    }

    /** Writes {@code total} bytes of seeded chunks, counting them in {@code sent}; returns their CRC. */
    private static long write(Socket socket, long total, long seed, AtomicLong sent) {
        Random random = new Random(seed);
        CRC32 crc = new CRC32();
        try {
            OutputStream out = socket.getOutputStream();
            while (sent.get() < total) {
                byte[] chunk = chunk(random);
                out.write(chunk);
                crc.update(chunk);
                sent.addAndGet(chunk.length);
            }
            out.flush();
            return crc.getValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads exactly {@code total} bytes and returns their CRC; fails if the connection ends first. */
    private static long read(Socket socket, long total) throws IOException {
        InputStream in = socket.getInputStream();
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[CHUNK];
        long received = 0;
        while (received < total) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, total - received));
            assertThat(n).as("connection ended after %d of %d bytes", received, total).isPositive();
            crc.update(buffer, 0, n);
            received += n;
        }
        return crc.getValue();
    }

    @Test
    void fiftyMegabytesWithoutANewlineGoBothWaysInBoundedMemory() throws Exception {
        long total = 50L * 1024 * 1024;
        try (ChorusServer server = ChorusServer.start(rawEchoOnly())) {
            Footprint baseline = Footprint.now();
            long peak;
            try (Footprint.PeakSampler sampler = new Footprint.PeakSampler();
                 Socket socket = new Socket("127.0.0.1", server.port(ChorusServer.Kind.ECHO_TCP))) {
                socket.setSoTimeout(30_000);
                CompletableFuture<Long> sentCrc = CompletableFuture.supplyAsync(
                        () -> write(socket, total, 50, new AtomicLong()));
                long receivedCrc = read(socket, total);
                assertThat(receivedCrc).as("CRC of the 50 MB that came back").isEqualTo(sentCrc.get(60, TimeUnit.SECONDS));
                peak = sampler.peak();
            }
            System.out.printf("raw echo 50 MB both ways: allocators %s -> peak %s (+%s)%n",
                    Footprint.mib(baseline.allocatorBytes()), Footprint.mib(peak),
                    Footprint.mib(peak - baseline.allocatorBytes()));
            assertThat(peak - baseline.allocatorBytes()).as("allocator growth while streaming").isLessThan(MEMORY_BOUND);
            Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
        }
    }

    @Test
    void aPeerThatNeverReadsStallsWithoutGrowingTheServerAndLosesNothing() throws Exception {
        long total = 96L * 1024 * 1024;
        try (ChorusServer server = ChorusServer.start(rawEchoOnly())) {
            Footprint baseline = Footprint.now();
            long peak;
            try (Footprint.PeakSampler sampler = new Footprint.PeakSampler();
                 Socket socket = new Socket()) {
                socket.setReceiveBufferSize(64 * 1024);
                socket.connect(new java.net.InetSocketAddress("127.0.0.1", server.port(ChorusServer.Kind.ECHO_TCP)));
                socket.setSoTimeout(30_000);
                AtomicLong sent = new AtomicLong();
                CompletableFuture<Long> sentCrc = CompletableFuture.supplyAsync(() -> write(socket, total, 96, sent));

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
                long stalledAt = sent.get();
                long stalledPeak = sampler.peak();
                assertThat(sentCrc).as("the writer cannot finish while nobody reads").isNotDone();
                assertThat(stalledAt).isLessThan(total);
                assertThat(stalledPeak - baseline.allocatorBytes()).as("allocator growth while stalled")
                        .isLessThan(MEMORY_BOUND);

                // Reading again resumes the flow, and every byte comes back.
                long receivedCrc = read(socket, total);
                assertThat(receivedCrc).isEqualTo(sentCrc.get(60, TimeUnit.SECONDS));
                peak = sampler.peak();
                System.out.printf("raw echo, reader that stops: writer stalled after %s; allocators %s -> peak %s (+%s)%n",
                        Footprint.mib(stalledAt), Footprint.mib(baseline.allocatorBytes()), Footprint.mib(peak),
                        Footprint.mib(peak - baseline.allocatorBytes()));
            }
            assertThat(peak - baseline.allocatorBytes()).as("allocator growth overall").isLessThan(MEMORY_BOUND);
            Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
        }
    }
}
