package io.chorus.server.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.server.echo.EchoMode;
import io.chorus.testing.LineClient;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client streams a 50 MB line that never ends: the server holds at most one line's worth of it,
 * tells the streamer once, and the chat around it goes on without losing a message.
 */
@Timeout(120)
class HugeLineIT {

    private static final long STREAM_BYTES = 50L * 1024 * 1024;
    private static final int CHUNK = 64 * 1024;
    private static final int CHATTERS = 4;
    private static final int MIN_ROUNDS = 100;
    /** Growth of the allocators allowed while 50 MB pass through: a few chunks, nowhere near the line. */
    private static final long MEMORY_BOUND = 24L * 1024 * 1024;
    private static final String TOO_LONG = "!!! line-too-long: line longer than 4096 bytes was discarded";

    @Test
    void fiftyMegabyteLineOnTheChatPortIsDiscardedWhileOthersChat() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .echoPort(ServerConfig.DISABLED).rateLimit(RateLimit.OFF).maxConnectionsPerIp(0).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            Footprint baseline = Footprint.now();
            Inbox streamer = Inbox.of(LineClient.connect(port), "streamer");
            streamer.awaitContaining("joined #lobby");

            List<Inbox> chatters = new ArrayList<>();
            for (int i = 0; i < CHATTERS; i++) {
                Inbox chatter = Inbox.of(LineClient.connect(port), "c" + i);
                chatter.send("/nick c" + i).send("/join talk");
                chatter.awaitContaining("c" + i + " joined #talk");
                chatters.add(chatter);
            }
            for (Inbox chatter : chatters.subList(0, CHATTERS - 1)) {
                chatter.awaitContaining("c" + (CHATTERS - 1) + " joined #talk");
            }

            long peak;
            int rounds = 0;
            long start = System.nanoTime();
            try (Footprint.PeakSampler sampler = new Footprint.PeakSampler()) {
                CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> streamWithoutNewline(streamer.client()));
                while (rounds < MIN_ROUNDS || !stream.isDone()) {
                    for (int i = 0; i < CHATTERS; i++) {
                        chatters.get(i).send("m" + rounds + " from c" + i);
                    }
                    rounds++;
                    Thread.sleep(2);
                }
                stream.get(60, TimeUnit.SECONDS);
                // The streamer ends its line and is an ordinary client again.
                streamer.client().sendRaw("\n/ping after\n");
                streamer.awaitContaining("*** pong after");
                peak = sampler.peak();
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(streamer.seen().stream().filter(line -> line.startsWith("!!!")))
                    .as("errors the streamer saw").containsExactly(TOO_LONG);
            for (int i = 0; i < CHATTERS; i++) {
                assertEveryMessageArrivedInOrder(chatters.get(i), i, rounds);
            }
            System.out.printf("huge line (chat): %d MB streamed in %d ms while %d chatters sent %d rounds;"
                    + " allocators %s -> peak %s (+%s)%n", STREAM_BYTES >> 20, millis, CHATTERS, rounds,
                    Footprint.mib(baseline.allocatorBytes()), Footprint.mib(peak), Footprint.mib(peak - baseline.allocatorBytes()));
            assertThat(peak - baseline.allocatorBytes()).as("allocator growth while streaming").isLessThan(MEMORY_BOUND);

            streamer.close();
            for (Inbox chatter : chatters) {
                chatter.close();
            }
            long fds = Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
            System.out.printf("huge line (chat): fds baseline %d, after close %d%n", baseline.fds(), fds);
        }
    }

    @Test
    void fiftyMegabyteLineOnTheEchoPortIsDiscardedAndTheConnectionStaysUsable() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .chatPort(ServerConfig.DISABLED).echoMode(EchoMode.LINE).maxConnectionsPerIp(0).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            int port = server.port(ChorusServer.Kind.ECHO_TCP);
            Footprint baseline = Footprint.now();
            long peak;
            try (Footprint.PeakSampler sampler = new Footprint.PeakSampler();
                 LineClient streamer = LineClient.connect(port);
                 LineClient bystander = LineClient.connect(port)) {
                CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> streamWithoutNewline(streamer));
                int sent = 0;
                while (sent < MIN_ROUNDS || !stream.isDone()) {
                    bystander.send("line " + sent);
                    assertThat(bystander.readLine()).isEqualTo("line " + sent);
                    sent++;
                }
                stream.get(60, TimeUnit.SECONDS);
                streamer.sendRaw("\nafter\n");
                assertThat(streamer.readLine()).isEqualTo(TOO_LONG);
                assertThat(streamer.readLine()).isEqualTo("after");
                peak = sampler.peak();
            }
            System.out.printf("huge line (echo): allocators %s -> peak %s (+%s)%n", Footprint.mib(baseline.allocatorBytes()),
                    Footprint.mib(peak), Footprint.mib(peak - baseline.allocatorBytes()));
            assertThat(peak - baseline.allocatorBytes()).as("allocator growth while streaming").isLessThan(MEMORY_BOUND);
            Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
        }
    }

    private static void streamWithoutNewline(LineClient client) {
        byte[] chunk = new byte[CHUNK];
        Arrays.fill(chunk, (byte) 'x');
        try {
            OutputStream out = client.socket().getOutputStream();
            for (long sent = 0; sent < STREAM_BYTES; sent += CHUNK) {
                out.write(chunk);
            }
            out.flush();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Chatter {@code self} saw every other chatter's messages, each sender's in the order it sent them. */
    private static void assertEveryMessageArrivedInOrder(Inbox chatter, int self, int rounds) throws InterruptedException {
        int[] next = new int[CHATTERS];
        next[self] = rounds;
        chatter.await(line -> {
            if (line.startsWith("#talk <c")) {
                int sender = line.charAt("#talk <c".length()) - '0';
                assertThat(line).isEqualTo("#talk <c" + sender + "> m" + next[sender] + " from c" + sender);
                next[sender]++;
            }
            return Arrays.stream(next).allMatch(n -> n == rounds);
        }, Duration.ofSeconds(30));
    }
}
