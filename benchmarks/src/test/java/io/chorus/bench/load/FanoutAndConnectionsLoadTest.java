package io.chorus.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.bench.baseline.BareEchoServer;
import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.server.support.TransportKind;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@code load fanout} against a relay that decorates lines like {@code ncat --chat} and against
 * in-process Chorus chat, and
 * {@code load connections} against the bare baseline, through the CLI's own command line.
 */
class FanoutAndConnectionsLoadTest {

    @Test
    @Timeout(value = 15, unit = TimeUnit.SECONDS)
    void fanoutCountsEveryDeliveryThroughADecoratingBroker() throws Exception {
        try (ChatRelayServer relay = new ChatRelayServer()) {
            LoadRun run = new LoadRun("load", "fanout", "--port", String.valueOf(relay.port()),
                    "--subscribers", "20", "--publishers", "2", "--rate", "400", "--size", "48",
                    "--subscribe-line", "", "--publisher-line", "", "--publish-format", "{payload}",
                    "--ready-line-contains", "welcome", "--settle", "0.2",
                    "--warmup", "0.3", "--duration", "1.5", "--timeout", "3", "--threads", "1", "--json");

            FanoutResult result = run.<FanoutLoadCommand>mode("fanout").result();
            assertThat(run.exitCode).as(run.toString()).isZero();
            assertThat(result.ready()).isEqualTo(20);
            assertThat(result.published()).as(run.toString()).isPositive();
            assertThat(result.expected()).isEqualTo(result.published() * 20);
            assertThat(result.delivered()).as(run.toString()).isEqualTo(result.expected());
            assertThat(result.lost()).isZero();
            assertThat(result.errors()).as(run.toString()).isZero();
            assertThat(result.silentSubscribers()).isZero();
            assertThat(result.latency().getTotalCount()).isEqualTo(result.delivered());
            assertThat(run.out.toString()).startsWith("{\"mode\":\"fanout\"").contains("\"lost\":0");
        }
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.SECONDS)
    void fanoutWithTheChorusRecipeFromCompareShIsLossless() throws Exception {
        // As in compare.sh: the per-connection chat rate limit would throttle the publisher.
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().ioThreads(1)
                .rateLimit(RateLimit.OFF).maxConnectionsPerIp(0).shutdownGrace(Duration.ofSeconds(1)).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            LoadRun run = new LoadRun("load", "fanout", "--port", String.valueOf(server.port(ChorusServer.Kind.CHAT_TCP)),
                    "--subscribers", "10", "--rate", "200", "--room", "bench",
                    "--subscribe-line", "/join {room}", "--publisher-line", "/join {room}", "--publish-format", "{payload}",
                    "--ready-line-contains", "joined #{room}", "--settle", "0.3",
                    "--warmup", "0.3", "--duration", "1.5", "--timeout", "3", "--threads", "1");

            FanoutResult result = run.<FanoutLoadCommand>mode("fanout").result();
            assertThat(run.exitCode).as(run.toString()).isZero();
            assertThat(result.ready()).isEqualTo(10);
            assertThat(result.delivered()).as(run.toString()).isPositive().isEqualTo(result.expected());
            assertThat(result.errors()).as(run.toString()).isZero();
        }
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.SECONDS)
    void fanoutReportsLossWhenSubscribersAreNotInTheRoom() throws Exception {
        // The publisher sends a format the relay passes on, but ready is never seen: nobody counts as ready,
        // which the run reports as errors rather than hanging.
        try (ChatRelayServer relay = new ChatRelayServer()) {
            LoadRun run = new LoadRun("load", "fanout", "--port", String.valueOf(relay.port()),
                    "--subscribers", "3", "--rate", "100", "--subscribe-line", "", "--publisher-line", "",
                    "--ready-line-contains", "never-sent", "--settle", "0", "--warmup", "0",
                    "--duration", "0.5", "--timeout", "1", "--threads", "1");

            FanoutResult result = run.<FanoutLoadCommand>mode("fanout").result();
            assertThat(run.exitCode).isEqualTo(1);
            assertThat(result.ready()).isZero();
            assertThat(result.errors()).isEqualTo(3);
        }
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.SECONDS)
    void connectionsOpensHoldsAndClosesThemAll() throws Exception {
        try (BareEchoServer server = BareEchoServer.start(
                new BareEchoServer.Config("127.0.0.1", 0, TransportKind.AUTO, 1, 4096))) {
            LoadRun run = new LoadRun("load", "connections", "--port", String.valueOf(server.port()),
                    "--connections", "200", "--rate", "0", "--duration", "0.5", "--threads", "1",
                    "--source-addresses", "127.0.0.1,127.0.0.2");

            ConnectionsResult result = run.<ConnectionsLoadCommand>mode("connections").result();
            assertThat(run.exitCode).as(run.toString()).isZero();
            assertThat(result.succeeded()).isEqualTo(200);
            assertThat(result.stillOpen()).isEqualTo(200);
            assertThat(result.connectLatency().getTotalCount()).isEqualTo(200);
            assertThat(run.out.toString()).contains("still open at end");
        }
    }
}
