package io.chorus.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LeakGuard;
import io.chorus.testing.LineClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chat families of {@code /metrics} after known traffic over real sockets: N messages to a room of M
 * members show as exactly N in, N x (M - 1) out and fanned out, and refused lines and errors by code
 * are counted.
 */
@Timeout(90)
@ExtendWith(LeakGuard.class)
class ChatMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int MEMBERS = 4;
    private static final int MESSAGES = 25;

    private ChorusServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String scrape() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port(ChorusServer.Kind.HTTP) + "/metrics")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static double sample(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as(series + " in\n" + text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void countersShowExactlyTheTrafficSent() throws Exception {
        // A burst of 30 lines per connection, refilled so slowly that it never refills during the test.
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).rateLimit(new RateLimit(0.0001, 30)).build());
        int port = server.port(ChorusServer.Kind.CHAT_TCP);
        List<LineClient> members = new ArrayList<>();
        try (LineClient flooder = LineClient.connect(port).timeout(WAIT)) {
            flooder.readUntil("joined #lobby");
            for (int i = 0; i < MEMBERS; i++) {
                LineClient member = LineClient.connect(port).timeout(WAIT);
                members.add(member);
                member.send("/nick m" + i);
                member.send("/join metered");
                member.readUntil("m" + i + " joined #metered");
            }
            String before = scrape();
            assertThat(sample(before, "chorus_rooms")).isEqualTo(2); // lobby and metered

            // N messages to a room of M: each reaches the M - 1 others (echo is off).
            LineClient sender = members.get(0);
            for (int i = 1; i <= MESSAGES; i++) {
                sender.send("message " + i);
            }
            for (LineClient member : members.subList(1, MEMBERS)) {
                member.readUntil("#metered <m0> message " + MESSAGES);
            }
            sender.send("/frobnicate");
            sender.readUntil("unknown-command");
            // 35 lines against a burst of 30: 5 dropped, and the flooder told once.
            flooder.sendRaw("/ping\n".repeat(35));
            flooder.readUntil("rate-limited");
            await().atMost(WAIT).until(() -> sample(scrape(), "chorus_rate_limited_lines_total") == 5);
            String after = scrape();

            assertThat(delta(before, after, "chorus_messages_in_total")).isEqualTo(MESSAGES);
            assertThat(delta(before, after, "chorus_messages_out_total")).isEqualTo(MESSAGES * (MEMBERS - 1));
            assertThat(delta(before, after, "chorus_fanout_deliveries_total")).isEqualTo(MESSAGES * (MEMBERS - 1));
            assertThat(delta(before, after, "chorus_errors_total{code=\"unknown-command\"}")).isEqualTo(1);
            assertThat(delta(before, after, "chorus_errors_total{code=\"rate-limited\"}")).isEqualTo(1);
            assertThat(sample(after, "chorus_slow_consumer_cutoffs_total")).isZero();
            assertThat(sample(after, "chorus_history_memory_bytes")).isPositive();
            assertThat(sample(after, "chorus_watchers")).isZero();
        } finally {
            for (LineClient member : members) {
                member.close();
            }
        }
    }

    private static double delta(String before, String after, String series) {
        return sample(after, series) - sample(before, series);
    }
}
