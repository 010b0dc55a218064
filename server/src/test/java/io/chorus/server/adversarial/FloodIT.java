package io.chorus.server.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
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
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final AtomicInteger CALLS = new AtomicInteger();
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
            // The first pong after the flood means the server has read the whole flood, and every
            // warning it wrote to the flooder came before that pong.
            List<String> toFlooder = errors(untilAnswered(flooder));
            // A line the flooder says after the flood reaches the room after every flood line the room took.
            List<Integer> received = new ArrayList<>();
            long lastAt = start;
            String prefix = "#lobby <" + nick + "> flood ";
            for (Inbox.Arrival arrival : untilHeardInRoom(flooder, observer, nick)) {
                if (arrival.line().startsWith(prefix)) {
                    received.add(Integer.parseInt(arrival.line().substring(prefix.length())));
                    lastAt = arrival.nanos();
                }
            }
            // An upper bound that only grows with a slow machine: the server took its tokens between the
            // send and the last arrival, so it cannot have let more through than burst + rate x that span.
            double elapsed = (lastAt - start) / 1e9;
            long allowed = (long) Math.floor(rate.burst() + rate.perSecond() * elapsed + 1e-9);
            System.out.printf("flood: %d lines sent, %d delivered within %.3f s (at most %d allowed), errors to sender: %s%n",
                    LINES, received.size(), elapsed, allowed, toFlooder);

            assertThat(received.size()).as("messages the room got from the flooder")
                    .isGreaterThanOrEqualTo(rate.burst()).isLessThanOrEqualTo((int) allowed);
            assertThat(received.subList(0, rate.burst())).as("the burst is the first 50 lines, in order")
                    .isEqualTo(java.util.stream.IntStream.range(0, rate.burst()).boxed().toList());
            assertThat(received).isSorted().doesNotHaveDuplicates();
            assertThat(toFlooder).as("what the flooder was told").containsExactly(RATE_LIMITED);

            // The limiter warns again only after a quiet spell long enough to refill the whole burst. This
            // pause lets the server's clock run that long; it waits for no event, and a longer one changes nothing.
            Thread.sleep((long) (rate.burst() / rate.perSecond() * 1000) + 300);
            // A second flood is told again, once.
            flooder.client().sendRaw(flood.toString());
            assertThat(errors(untilAnswered(flooder))).as("what the flooder was told the second time")
                    .containsExactly(RATE_LIMITED);
            // ...and afterwards the flooder is an ordinary user again: what it says reaches the room.
            untilHeardInRoom(flooder, observer, nick);

            observer.close();
            flooder.close();
            Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
        }
    }

    private static List<String> errors(List<String> lines) {
        return lines.stream().filter(line -> line.startsWith("!!!")).toList();
    }

    /**
     * Sends {@code /ping} every 100 ms until one is answered (pings the limiter drops get no answer), and
     * returns every line the client got up to that answer.
     */
    private static List<String> untilAnswered(Inbox client) {
        List<String> got = new ArrayList<>();
        AtomicInteger probe = new AtomicInteger();
        // A tag of its own, so an answer to an earlier call's ping is not taken for one to this call's.
        String tag = "probe-" + CALLS.incrementAndGet() + "-";
        await("a /ping answered after the flood").atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            client.send("/ping " + tag + probe.incrementAndGet());
            // Takes what has arrived so far; this is a poll, later lines are taken by the next one.
            got.addAll(client.drainUntilQuiet(Duration.ofMillis(20)));
            return got.stream().anyMatch(line -> line.startsWith("*** pong " + tag));
        });
        return got.subList(0, indexOfFirst(got, "*** pong " + tag) + 1);
    }

    /** Has {@code speaker} say a marker until {@code listener} hears one; returns what it heard up to it. */
    private static List<Inbox.Arrival> untilHeardInRoom(Inbox speaker, Inbox listener, String nick) {
        List<Inbox.Arrival> got = new ArrayList<>();
        AtomicInteger marker = new AtomicInteger();
        String tag = "marker-" + CALLS.incrementAndGet() + "-";
        String heard = "#lobby <" + nick + "> " + tag;
        await("a line after the flood heard in the room").atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            speaker.send(tag + marker.incrementAndGet());
            got.addAll(listener.drainArrivalsUntilQuiet(Duration.ofMillis(20)));
            return got.stream().anyMatch(a -> a.line().startsWith(heard));
        });
        return got.subList(0, indexOfFirst(got.stream().map(Inbox.Arrival::line).toList(), heard) + 1);
    }

    private static int indexOfFirst(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
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
