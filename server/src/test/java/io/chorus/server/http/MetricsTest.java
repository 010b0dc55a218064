package io.chorus.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.metrics.ChorusMetrics;
import io.chorus.testing.LineClient;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code /metrics} as Prometheus scrapes it: the families exist, and counters follow known traffic. */
@Timeout(60)
class MetricsTest {

    private ChorusServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String scrape() throws Exception {
        RawHttp.Response response = RawHttp.get(server.port(ChorusServer.Kind.HTTP), "/metrics");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        return response.body();
    }

    /** The value of one sample line, e.g. {@code chorus_connections_opened_total{listener="http"}}. */
    private static double sample(String text, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + labels) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as(name + labels + " in\n" + text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void everyFamilyIsThereBeforeAnyTraffic() throws Exception {
        server = TestServers.start(b -> b);
        String text = scrape();
        assertThat(text).contains("# TYPE jvm_memory_used_bytes gauge", "jvm_threads_live_threads",
                "jvm_gc_", "process_uptime_seconds", "process_cpu_usage", "process_files_open_files");
        for (String family : List.of("chorus_messages_in_total", "chorus_messages_out_total",
                "chorus_fanout_deliveries_total", "chorus_slow_consumer_cutoffs_total", "chorus_rate_limited_lines_total",
                "chorus_rooms", "chorus_outbound_queue_bytes", "chorus_history_memory_bytes")) {
            assertThat(sample(text, family, "")).as(family).isZero();
        }
        assertThat(sample(text, "chorus_errors_total", "{code=\"nick-taken\"}")).isZero();
        assertThat(sample(text, "chorus_errors_total", "{code=\"other\"}")).isZero();
        assertThat(sample(text, "chorus_connections_open", "{listener=\"chat tcp\"}")).isZero();
        assertThat(sample(text, "chorus_connections_refused_total", "{listener=\"http\"}")).isZero();
    }

    @Test
    void connectionAndByteCountersFollowTraffic() throws Exception {
        server = TestServers.start(b -> b);
        int n = 5;
        List<WsClient> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            WsClient ws = WsClient.open(server.port(ChorusServer.Kind.HTTP), "/ws/echo");
            ws.socket.sendText("ping " + i, true).join();
            assertThat(ws.next().text()).isEqualTo("ping " + i);
            clients.add(ws);
        }
        try (LineClient chat = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP))) {
            chat.readUntil("Welcome");
            String text = scrape();
            // The scrape's own connection is the one more.
            assertThat(sample(text, "chorus_connections_opened_total", "{listener=\"http\"}")).isEqualTo(n + 1);
            assertThat(sample(text, "chorus_connections_open", "{listener=\"http\"}")).isEqualTo(n + 1);
            assertThat(sample(text, "chorus_connections_opened_total", "{listener=\"chat tcp\"}")).isEqualTo(1);
            assertThat(sample(text, "chorus_connections_open", "{listener=\"chat tcp\"}")).isEqualTo(1);
            assertThat(sample(text, "chorus_network_received_bytes_total", "{listener=\"http\"}")).isGreaterThan(n * 6);
            assertThat(sample(text, "chorus_network_sent_bytes_total", "{listener=\"chat tcp\"}"))
                    .isGreaterThan("*** Welcome".length());
        }
        for (WsClient ws : clients) {
            ws.socket.sendClose(1000, "").join();
            ws.awaitClose();
        }
        await().until(() -> server.metrics().listener("http").openCount() == 0
                && server.metrics().listener("chat tcp").openCount() == 0);
        String after = scrape();
        assertThat(sample(after, "chorus_connections_open", "{listener=\"chat tcp\"}")).isZero();
        assertThat(sample(after, "chorus_connections_opened_total", "{listener=\"http\"}")).isEqualTo(n + 2);
    }

    @Test
    void theChatCoreApiMovesItsFamilies() throws Exception {
        server = TestServers.start(b -> b);
        ChorusMetrics m = server.metrics();
        m.messageIn();
        m.messagesOut(3);
        m.fanOut(40);
        m.slowConsumerCutoff();
        m.rateLimitedLine();
        m.error("nick-taken");
        m.error("nick-taken");
        m.error("made-up-code");
        m.roomsFrom(() -> 7);
        m.outboundQueueBytes(4096);
        m.outboundQueueBytes(-1024);
        m.historyBytes(500);
        String text = scrape();
        assertThat(sample(text, "chorus_messages_in_total", "")).isEqualTo(1);
        assertThat(sample(text, "chorus_messages_out_total", "")).isEqualTo(3);
        assertThat(sample(text, "chorus_fanout_deliveries_total", "")).isEqualTo(40);
        assertThat(sample(text, "chorus_slow_consumer_cutoffs_total", "")).isEqualTo(1);
        assertThat(sample(text, "chorus_rate_limited_lines_total", "")).isEqualTo(1);
        assertThat(sample(text, "chorus_errors_total", "{code=\"nick-taken\"}")).isEqualTo(2);
        assertThat(sample(text, "chorus_errors_total", "{code=\"other\"}")).isEqualTo(1);
        assertThat(text).doesNotContain("made-up-code");
        assertThat(sample(text, "chorus_rooms", "")).isEqualTo(7);
        assertThat(sample(text, "chorus_outbound_queue_bytes", "")).isEqualTo(3072);
        assertThat(sample(text, "chorus_history_memory_bytes", "")).isEqualTo(500);
    }
}
