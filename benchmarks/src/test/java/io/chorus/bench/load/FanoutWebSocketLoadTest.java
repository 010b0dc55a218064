package io.chorus.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code load fanout --ws-port}: subscribers on Chorus's {@code /ws}, the publisher on the chat port, through
 * the CLI's own command line against in-process Chorus; every delivery is counted, and a refused upgrade
 * is an error rather than a hang.
 */
class FanoutWebSocketLoadTest {

    private static ServerConfig config() {
        return ServerConfig.builder().ephemeralLoopback().ioThreads(1).rateLimit(RateLimit.OFF)
                .maxConnectionsPerIp(0).idleTimeout(Duration.ZERO).shutdownGrace(Duration.ofSeconds(1)).build();
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void webSocketSubscribersGetEveryMessageAPublisherSendsOverTcp() throws Exception {
        try (ChorusServer server = ChorusServer.start(config())) {
            LoadRun run = new LoadRun("load", "fanout", "--port", String.valueOf(server.port(ChorusServer.Kind.CHAT_TCP)),
                    "--ws-port", String.valueOf(server.port(ChorusServer.Kind.HTTP)),
                    "--subscribers", "10", "--rate", "200", "--room", "bench", "--settle", "0.3",
                    "--warmup", "0.3", "--duration", "1.5", "--timeout", "3", "--threads", "1");

            FanoutResult result = run.<FanoutLoadCommand>mode("fanout").result();
            assertThat(run.exitCode).as(run.toString()).isZero();
            // Ready means each subscriber saw its JSON join event, which only a WebSocket member gets.
            assertThat(result.ready()).isEqualTo(10);
            assertThat(result.delivered()).as(run.toString()).isPositive().isEqualTo(result.expected());
            assertThat(result.lost()).isZero();
            assertThat(result.errors()).as(run.toString()).isZero();
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aPathThatIsNotAWebSocketEndpointIsReportedAsErrors() throws Exception {
        try (ChorusServer server = ChorusServer.start(config())) {
            LoadRun run = new LoadRun("load", "fanout", "--port", String.valueOf(server.port(ChorusServer.Kind.CHAT_TCP)),
                    "--ws-port", String.valueOf(server.port(ChorusServer.Kind.HTTP)), "--ws-path", "/not-here",
                    "--subscribers", "3", "--rate", "100", "--settle", "0", "--warmup", "0",
                    "--duration", "0.5", "--timeout", "1", "--threads", "1");

            FanoutResult result = run.<FanoutLoadCommand>mode("fanout").result();
            assertThat(run.exitCode).isEqualTo(1);
            assertThat(result.ready()).isZero();
        }
    }
}
