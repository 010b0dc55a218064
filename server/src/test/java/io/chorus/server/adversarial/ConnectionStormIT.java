package io.chorus.server.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many clients connect at the same moment against {@code --max-connections N}: exactly N get in, every
 * other one reads the one refusal line and then EOF, and the counters come back to zero, twice over.
 */
@Timeout(90)
class ConnectionStormIT {

    private static final int LIMIT = 20;
    private static final int ATTEMPTS = 150;
    private static final String FULL = "!!! too-many-connections: the server is full (" + LIMIT
            + " connections); try again later";

    /** One attempt's outcome; an admitted connection is kept open until the wave is over. */
    private record Attempt(boolean admitted, boolean chat, LineClient client) {
    }

    @Test
    void exactlyTheLimitIsAdmittedAtATime() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .maxConnections(LIMIT).maxConnectionsPerIp(0).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            Footprint baseline = Footprint.now();
            for (int wave = 1; wave <= 2; wave++) {
                List<Attempt> attempts = storm(server);
                long admitted = attempts.stream().filter(Attempt::admitted).count();
                long admittedChat = attempts.stream().filter(a -> a.admitted() && a.chat()).count();
                assertThat(admitted).as("admitted in wave %d", wave).isEqualTo(LIMIT);
                assertThat(server.liveConnections()).isEqualTo(LIMIT);
                assertThat(server.chat().get().sessions()).isEqualTo((int) admittedChat);
                assertThat(server.refusedConnections()).isEqualTo((long) wave * (ATTEMPTS - LIMIT));
                System.out.printf("connection storm wave %d: %d attempts, %d admitted (%d chat), %d refused;"
                        + " fds now %d (baseline %d)%n", wave, ATTEMPTS, admitted, admittedChat,
                        ATTEMPTS - admitted, Footprint.openFds(), baseline.fds());
                for (Attempt attempt : attempts) {
                    if (attempt.admitted()) {
                        attempt.client().close();
                    }
                }
                Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
            }
        }
    }

    private static List<Attempt> storm(ChorusServer server) throws Exception {
        int chatPort = server.port(ChorusServer.Kind.CHAT_TCP);
        int echoPort = server.port(ChorusServer.Kind.ECHO_TCP);
        ExecutorService pool = Executors.newFixedThreadPool(ATTEMPTS);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Attempt>> futures = new ArrayList<>();
            for (int i = 0; i < ATTEMPTS; i++) {
                boolean chat = i % 2 == 0;
                futures.add(pool.submit(() -> {
                    go.await();
                    return chat ? chatAttempt(chatPort) : echoAttempt(echoPort);
                }));
            }
            go.countDown();
            List<Attempt> attempts = new ArrayList<>();
            for (Future<Attempt> future : futures) {
                attempts.add(future.get(60, TimeUnit.SECONDS));
            }
            return attempts;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Attempt chatAttempt(int port) throws IOException {
        LineClient client = LineClient.connect(port);
        String first = client.readLine();
        if (first != null && first.startsWith("*** Welcome")) {
            return new Attempt(true, true, client);
        }
        return refused(client, first, true);
    }

    /** The echo port says nothing to an admitted client, so silence for a moment means admitted. */
    private static Attempt echoAttempt(int port) throws IOException {
        LineClient client = LineClient.connect(port);
        client.timeout(Duration.ofMillis(1500));
        String first;
        try {
            first = client.readLine();
        } catch (SocketTimeoutException silence) {
            client.timeout(Duration.ofSeconds(10));
            client.send("probe");
            assertThat(client.readLine()).isEqualTo("probe");
            return new Attempt(true, false, client);
        }
        return refused(client, first, false);
    }

    private static Attempt refused(LineClient client, String first, boolean chat) throws IOException {
        try (client) {
            assertThat(first).isEqualTo(FULL);
            assertThat(client.readLine()).as("EOF after the refusal").isNull();
            return new Attempt(false, chat, null);
        }
    }
}
