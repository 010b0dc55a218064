package io.chorus.server.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.server.echo.EchoMode;
import io.chorus.testing.LeakGuard;
import io.chorus.testing.LineClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Minutes of connection churn and steady chat against one server, then a leak, connection, session
 * and descriptor check. Opt-in: runs only with {@code -Psoak}, which sets {@code chorus.soak=true};
 * {@code -Dchorus.soak.minutes=N} sets the length (default 3).
 */
@EnabledIfSystemProperty(named = "chorus.soak", matches = "true")
@Timeout(value = 65, unit = TimeUnit.MINUTES)
class SoakIT {

    private static final int CHATTERS = 8;
    private static final int CHURNERS = 8;
    private static final Duration CHAT_INTERVAL = Duration.ofMillis(20);
    private static final long SEED = 0x50A6L;
    /** Allocator memory the server may hold at the end of the soak, whatever its length. */
    private static final long MEMORY_BOUND = 64L * 1024 * 1024;

    @Test
    void churnAndChatForMinutesLeaveNothingBehind() throws Exception {
        double minutes = Double.parseDouble(System.getProperty("chorus.soak.minutes", "3"));
        long deadline = System.nanoTime() + (long) (minutes * 60e9);
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .rateLimit(RateLimit.OFF).echoMode(EchoMode.LINE).maxConnectionsPerIp(0).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            int chatPort = server.port(ChorusServer.Kind.CHAT_TCP);
            int echoPort = server.port(ChorusServer.Kind.ECHO_TCP);
            Footprint baseline = Footprint.now();
            System.out.printf("soak: %.1f minutes, %d chatters, %d churners; baseline %s%n", minutes, CHATTERS,
                    CHURNERS, baseline);

            List<Inbox> chatters = new ArrayList<>();
            for (int i = 0; i < CHATTERS; i++) {
                Inbox chatter = Inbox.of(LineClient.connect(chatPort), "chatter-" + i);
                chatter.send("/nick s" + i).send("/join soak").send("/leave lobby");
                chatter.awaitContaining("s" + i + " left #lobby");
                chatters.add(chatter);
            }
            for (Inbox chatter : chatters.subList(0, CHATTERS - 1)) {
                chatter.awaitContaining("s" + (CHATTERS - 1) + " joined #soak");
            }

            AtomicLong churned = new AtomicLong();
            AtomicInteger failures = new AtomicInteger();
            ExecutorService churn = Executors.newFixedThreadPool(CHURNERS);
            List<Future<?>> churners = new ArrayList<>();
            for (int c = 0; c < CHURNERS; c++) {
                Random random = new Random(SEED + c);
                churners.add(churn.submit(() -> {
                    while (System.nanoTime() < deadline) {
                        try {
                            churnOnce(random, chatPort, echoPort);
                            churned.incrementAndGet();
                        } catch (Exception | AssertionError e) {
                            failures.incrementAndGet();
                            System.out.println("soak: churn failure: " + e);
                        }
                    }
                    return null;
                }));
            }

            int[] sent = new int[CHATTERS];
            long nextReport = System.nanoTime();
            try (Footprint.PeakSampler sampler = new Footprint.PeakSampler()) {
                while (System.nanoTime() < deadline) {
                    for (int i = 0; i < CHATTERS; i++) {
                        chatters.get(i).send("n" + sent[i]++);
                    }
                    Thread.sleep(CHAT_INTERVAL.toMillis());
                    if (System.nanoTime() >= nextReport) {
                        System.out.printf("soak: churned %d, live %d, sessions %d, rooms %d, %s, peak %s%n",
                                churned.get(), server.liveConnections(), server.chat().get().sessions(),
                                server.chat().get().rooms().size(), Footprint.now(), Footprint.mib(sampler.peak()));
                        nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    }
                }
                for (Future<?> churner : churners) {
                    churner.get(60, TimeUnit.SECONDS);
                }
                System.out.printf("soak: allocator peak %s%n", Footprint.mib(sampler.peak()));
            } finally {
                churn.shutdownNow();
            }

            // Every chatter got every other chatter's messages, in order.
            for (int i = 0; i < CHATTERS; i++) {
                int[] next = new int[CHATTERS];
                next[i] = sent[i];
                chatters.get(i).await(line -> {
                    if (line.startsWith("#soak <s")) {
                        int from = Integer.parseInt(line.substring("#soak <s".length(), line.indexOf('>')));
                        assertThat(line).isEqualTo("#soak <s" + from + "> n" + next[from]++);
                    }
                    return Arrays.equals(next, sent);
                }, Duration.ofSeconds(60));
            }
            for (Inbox chatter : chatters) {
                chatter.close();
            }
            long fds = Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(60));
            long memory = Footprint.nettyBytes();
            List<String> leaks = LeakGuard.collect();
            System.out.printf("soak: done: churned %d connections (%d failures), %d chat messages each from %d chatters;"
                    + " fds baseline %d, end %d; allocators end %s; leaks %d%n", churned.get(), failures.get(),
                    sent[0], CHATTERS, baseline.fds(), fds, Footprint.mib(memory), leaks.size());
            assertThat(leaks).isEmpty();
            assertThat(failures.get()).as("churn steps that went wrong").isZero();
            assertThat(memory).as("allocator memory at the end").isLessThan(MEMORY_BOUND);
        }
    }

    /** One short-lived connection that ends in one of many ways, polite or not. */
    private static void churnOnce(Random random, int chatPort, int echoPort) throws Exception {
        int kind = random.nextInt(4);
        if (kind == 0) {
            boolean chat = random.nextBoolean();
            AbruptResetIT.Ending ending = AbruptResetIT.Ending.values()[random.nextInt(AbruptResetIT.Ending.values().length)];
            AbruptResetIT.connectAndEnd(chat ? chatPort : echoPort, chat, ending, "half " + random.nextInt(), new AtomicInteger());
        } else if (kind == 1) {
            try (LineClient echo = LineClient.connect(echoPort)) {
                int lines = 1 + random.nextInt(20);
                for (int i = 0; i < lines; i++) {
                    echo.send("echo " + i);
                }
                for (int i = 0; i < lines; i++) {
                    assertThat(echo.readLine()).isEqualTo("echo " + i);
                }
            }
        } else {
            // A polite chat visit: join a room or two, talk, ask for history, quit.
            try (LineClient chat = LineClient.connect(chatPort)) {
                chat.readUntil("joined #lobby");
                String room = "churn-" + random.nextInt(50);
                chat.send("/join " + room);
                chat.send("hello from a visitor");
                chat.send("/history 5");
                chat.readUntil("end of history for #" + room);
                if (kind == 2) {
                    chat.send("/quit bye");
                    chat.readUntil("*** bye");
                    assertThat(chat.awaitClosed()).isTrue();
                } else {
                    chat.reset();
                }
            }
        }
    }
}
