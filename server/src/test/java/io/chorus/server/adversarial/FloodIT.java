package io.chorus.server.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A burst of 1,000 lines against the default limits (20 lines/s, bursts of 50): the room gets the
 * burst and the trickle the rate allows, the rest is dropped, and the sender is told once per flood.
 */
@Timeout(60)
class FloodIT {

    private static final int LINES = 1000;
    private static final Pattern GUEST = Pattern.compile("Welcome to \\S+, (guest-\\d+)!");
    private static final String RATE_LIMITED = "!!! rate-limited: slow down: at most 20 lines per second (bursts of 50);"
            + " lines over the limit are dropped";

    @Test
    void thousandLineBurstIsLimitedAndTheSenderIsToldOnce() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().build();
        assertThat(config.rateLimit()).isEqualTo(RateLimit.DEFAULT);
        RateLimit rate = config.rateLimit();
        try (ChorusServer server = ChorusServer.start(config)) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            Footprint baseline = Footprint.now();
            Inbox observer = Inbox.of(LineClient.connect(port), "observer");
            observer.awaitContaining("joined #lobby");
            Inbox flooder = Inbox.of(LineClient.connect(port), "flooder");
            // The flooder sends nothing before its flood, so its bucket is full: exactly one burst available.
            Matcher welcome = GUEST.matcher(flooder.awaitContaining("Welcome"));
            assertThat(welcome.find()).isTrue();
            String nick = welcome.group(1);
            observer.awaitContaining(nick + " joined #lobby");

            StringBuilder flood = new StringBuilder();
            for (int i = 0; i < LINES; i++) {
                flood.append("flood ").append(i).append(i % 2 == 0 ? "\n" : "\r\n");
            }
            long start = System.nanoTime();
            flooder.client().sendRaw(flood.toString());
            List<Integer> received = new ArrayList<>();
            long lastAt = start;
            String prefix = "#lobby <" + nick + "> flood ";
            for (Inbox.Arrival arrival : observer.drainArrivalsUntilQuiet(Duration.ofMillis(1500))) {
                if (arrival.line().startsWith(prefix)) {
                    received.add(Integer.parseInt(arrival.line().substring(prefix.length())));
                    lastAt = arrival.nanos();
                }
            }
            double elapsed = (lastAt - start) / 1e9;
            long allowed = (long) Math.floor(rate.burst() + rate.perSecond() * elapsed + 1e-9);
            List<String> toFlooder = flooder.drainUntilQuiet(Duration.ofMillis(200)).stream()
                    .filter(line -> line.startsWith("!!!")).toList();
            System.out.printf("flood: %d lines sent, %d delivered within %.3f s (at most %d allowed), errors to sender: %s%n",
                    LINES, received.size(), elapsed, allowed, toFlooder);

            assertThat(received.size()).as("messages the room got from the flooder")
                    .isGreaterThanOrEqualTo(rate.burst()).isLessThanOrEqualTo((int) allowed);
            assertThat(received.subList(0, rate.burst())).as("the burst is the first 50 lines, in order")
                    .isEqualTo(java.util.stream.IntStream.range(0, rate.burst()).boxed().toList());
            assertThat(received).isSorted().doesNotHaveDuplicates();
            assertThat(toFlooder).as("what the flooder was told").containsExactly(RATE_LIMITED);

            // Once the bucket has refilled, the flooder is an ordinary user again...
            Thread.sleep((long) (rate.burst() / rate.perSecond() * 1000) + 300);
            flooder.send("/ping after");
            assertThat(flooder.awaitContaining("pong")).isEqualTo("*** pong after");
            // ...and a second flood is told again, once.
            flooder.client().sendRaw(flood.toString());
            observer.drainUntilQuiet(Duration.ofMillis(1000));
            assertThat(flooder.drainUntilQuiet(Duration.ofMillis(200)).stream().filter(line -> line.startsWith("!!!")))
                    .containsExactly(RATE_LIMITED);

            observer.close();
            flooder.close();
            Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
        }
    }

    @Test
    void echoPortIsNotRateLimited() throws Exception {
        try (ChorusServer server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().build());
             LineClient client = LineClient.connect(server.port(ChorusServer.Kind.ECHO_TCP))) {
            StringBuilder flood = new StringBuilder();
            for (int i = 0; i < LINES; i++) {
                flood.append("echo ").append(i).append('\n');
            }
            client.sendRaw(flood.toString());
            for (int i = 0; i < LINES; i++) {
                assertThat(client.readLine()).isEqualTo("echo " + i);
            }
        }
    }
}
