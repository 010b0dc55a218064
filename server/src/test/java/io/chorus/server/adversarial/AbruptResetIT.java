package io.chorus.server.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.server.echo.EchoMode;
import io.chorus.testing.LineClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thousands of connections on the chat and echo ports that end badly: reset at once, reset after half
 * a line, half-closed in the middle of a line. Afterwards the server holds no connection, no chat
 * session and no descriptor for any of them, and the clients that behaved lost nothing.
 */
@Timeout(120)
class AbruptResetIT {

    private static final int CONNECTIONS = 5000;
    private static final int THREADS = 16;
    private static final long SEED = 0x5EED_0005L;

    /** How one connection of the storm ends. */
    enum Ending {
        /** Connect, then RST straight away (SO_LINGER 0). */
        RESET_AT_ONCE,
        /** Send half a line, then RST. */
        RESET_MID_LINE,
        /** Wait for the server to speak (chat greeting, or an echoed line), then RST. */
        RESET_AFTER_REPLY,
        /** Send half a line, shutdownOutput, read until the server closes, close. */
        HALF_CLOSE_MID_LINE,
        /** Send half a line, shutdownOutput, then RST without waiting. */
        HALF_CLOSE_THEN_RESET
    }

    @Test
    void fiveThousandAbruptEndingsLeaveNothingBehind() throws Exception {
        // Line echo: a half-closer's unterminated line comes back with an LF, which the check below relies on.
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .rateLimit(RateLimit.OFF).echoMode(EchoMode.LINE).maxConnectionsPerIp(0).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            int chatPort = server.port(ChorusServer.Kind.CHAT_TCP);
            int echoPort = server.port(ChorusServer.Kind.ECHO_TCP);
            Footprint baseline = Footprint.now();

            // Two well-behaved users in their own room, talking all through the storm.
            Inbox alice = calmUser(chatPort, "alice");
            Inbox bob = calmUser(chatPort, "bob");
            alice.awaitContaining("bob joined #calm");

            Random random = new Random(SEED);
            Map<Ending, AtomicInteger> endings = new EnumMap<>(Ending.class);
            for (Ending ending : Ending.values()) {
                endings.put(ending, new AtomicInteger());
            }
            AtomicInteger echoedHalfLines = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            long start = System.nanoTime();
            int said = 0;
            long peak;
            try (Footprint.PeakSampler sampler = new Footprint.PeakSampler()) {
                List<Future<?>> storm = new ArrayList<>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    boolean chat = i % 2 == 0;
                    Ending ending = Ending.values()[random.nextInt(Ending.values().length)];
                    String half = "half a line " + i + " " + "z".repeat(random.nextInt(200));
                    endings.get(ending).incrementAndGet();
                    storm.add(pool.submit(() -> {
                        connectAndEnd(chat ? chatPort : echoPort, chat, ending, half, echoedHalfLines);
                        return null;
                    }));
                }
                for (Future<?> connection : storm) {
                    while (!connection.isDone()) {
                        alice.send("calm " + said++);
                        Thread.sleep(5);
                    }
                    connection.get();
                }
                peak = sampler.peak();
            } finally {
                pool.shutdownNow();
            }
            long stormMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            // Only the two calm users are left, and they lost nothing.
            await("only alice and bob left").atMost(Duration.ofSeconds(30))
                    .until(() -> server.liveConnections() == 2 && server.chat().get().sessions() == 2);
            int expected = said;
            int[] next = {0};
            bob.await(line -> {
                if (line.startsWith("#calm <alice> ")) {
                    assertThat(line).isEqualTo("#calm <alice> calm " + next[0]++);
                }
                return next[0] == expected;
            }, Duration.ofSeconds(30));
            Footprint afterStorm = Footprint.now();

            // A newcomer is served as usual on both ports.
            try (LineClient newcomer = LineClient.connect(chatPort); LineClient echo = LineClient.connect(echoPort)) {
                assertThat(newcomer.readLine()).startsWith("*** Welcome to Chorus, guest-");
                newcomer.send("/ping still-here");
                assertThat(newcomer.readUntil("*** pong")).isEqualTo("*** pong still-here");
                echo.send("still echoing");
                assertThat(echo.readLine()).isEqualTo("still echoing");
            }
            alice.close();
            bob.close();
            long fds = Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(30));

            System.out.printf("abrupt resets: %d connections in %d ms %s; %d half lines echoed back; calm messages %d;"
                    + " fds baseline %d, right after the storm %d, after close %d; allocators %s -> peak %s%n",
                    CONNECTIONS, stormMillis, endings, echoedHalfLines.get(), said, baseline.fds(), afterStorm.fds(),
                    fds, Footprint.mib(baseline.allocatorBytes()), Footprint.mib(peak));
            assertThat(echoedHalfLines.get()).as("echo half-closers that got their half line back")
                    .isGreaterThan(0);
            assertThat(stormMillis).isLessThan(60_000);
        }
    }

    private static Inbox calmUser(int port, String nick) throws Exception {
        Inbox user = Inbox.of(LineClient.connect(port), nick);
        user.send("/nick " + nick).send("/join calm").send("/leave lobby");
        user.awaitContaining(nick + " left #lobby");
        return user;
    }

    static void connectAndEnd(int port, boolean chat, Ending ending, String half, AtomicInteger echoedHalfLines)
            throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(10_000);
            switch (ending) {
                case RESET_AT_ONCE -> {
                }
                case RESET_MID_LINE -> write(socket, half);
                case RESET_AFTER_REPLY -> {
                    if (!chat) {
                        write(socket, "ping\n");
                    }
                    assertThat(socket.getInputStream().read()).isNotNegative();
                }
                case HALF_CLOSE_MID_LINE -> {
                    write(socket, half);
                    socket.shutdownOutput();
                    String received = readToEnd(socket.getInputStream());
                    if (!chat) {
                        // The echo port answers what it got, even without the final LF, before it closes.
                        assertThat(received).isEqualTo(half + "\n");
                        echoedHalfLines.incrementAndGet();
                    } else {
                        assertThat(received).startsWith("*** Welcome");
                    }
                    socket.close();
                    return;
                }
                case HALF_CLOSE_THEN_RESET -> {
                    write(socket, half);
                    socket.shutdownOutput();
                }
            }
            socket.setSoLinger(true, 0);
        } finally {
            socket.close();
        }
    }

    private static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    private static String readToEnd(InputStream in) throws IOException {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (SocketException reset) {
            throw new AssertionError("the server reset a half-closed connection instead of closing it", reset);
        }
    }
}
