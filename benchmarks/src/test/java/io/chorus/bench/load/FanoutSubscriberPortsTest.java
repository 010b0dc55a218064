package io.chorus.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.testing.LeakGuard;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code load fanout --subscriber-ports}: subscribers spread round robin over several ports (the nodes of
 * a cluster), publishers on {@code --port}, and the result per port, over real loopback sockets.
 */
@ExtendWith(LeakGuard.class)
class FanoutSubscriberPortsTest {

    private static String[] relayArgs(int port, String subscriberPorts, int subscribers, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("load", "fanout", "--port", String.valueOf(port),
                "--subscriber-ports", subscriberPorts, "--subscribers", String.valueOf(subscribers),
                "--rate", "300", "--size", "48",
                "--subscribe-line", "", "--publisher-line", "", "--publish-format", "{payload}",
                "--ready-line-contains", "welcome", "--settle", "0.2",
                "--warmup", "0.3", "--duration", "1", "--timeout", "3", "--threads", "1"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void subscribersAreSpreadRoundRobinAndCountedPerPort() throws Exception {
        // One relay with two listening ports sharing its members: a message from either reaches both.
        try (ChatRelayServer relay = new ChatRelayServer(2)) {
            int a = relay.port(0);
            int b = relay.port(1);
            LoadRun run = new LoadRun(relayArgs(a, a + "," + b, 21, "--json"));

            FanoutResult result = run.<FanoutLoadCommand>mode("fanout").result();
            assertThat(run.exitCode).as(run.toString()).isZero();
            // 11 subscribers (0, 2, ..., 20) and the publisher on A; 10 subscribers on B.
            assertThat(relay.accepted(0)).isEqualTo(12);
            assertThat(relay.accepted(1)).isEqualTo(10);
            assertThat(result.byPort()).extracting(FanoutResult.PortResult::port).containsExactly(a, b);
            assertThat(result.byPort()).extracting(FanoutResult.PortResult::subscribers).containsExactly(11, 10);
            assertThat(result.byPort()).extracting(FanoutResult.PortResult::ready).containsExactly(11, 10);
            long published = result.published();
            assertThat(published).as(run.toString()).isPositive();
            assertThat(result.byPort().get(0).delivered()).isEqualTo(published * 11);
            assertThat(result.byPort().get(1).delivered()).isEqualTo(published * 10);
            assertThat(result.byPort().get(0).lost(published)).isZero();
            assertThat(result.byPort().get(1).lost(published)).isZero();
            assertThat(result.byPort().get(0).delivered() + result.byPort().get(1).delivered())
                    .isEqualTo(result.delivered()).isEqualTo(result.latency().getTotalCount());
            String json = run.out.toString();
            assertThat(json).contains("\"subscriber_ports\":\"" + a + "," + b + "\"")
                    .contains("\"by_subscriber_port\":[{\"port\":" + a + ",\"subscribers\":11,\"ready\":11,\"delivered\":"
                            + published * 11 + ",\"lost\":0,\"latency_us\":{\"samples\":" + published * 11)
                    .contains("{\"port\":" + b + ",\"subscribers\":10,\"ready\":10,\"delivered\":" + published * 10);
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aPortWhoseSubscribersGetNothingShowsItsOwnLoss() throws Exception {
        // Two relays that know nothing of each other: a cluster whose link is down. The subscribers on the
        // publisher's relay get everything; the others are ready but get nothing, and the run fails.
        try (ChatRelayServer nodeA = new ChatRelayServer(); ChatRelayServer nodeB = new ChatRelayServer()) {
            LoadRun run = new LoadRun(relayArgs(nodeA.port(), nodeA.port() + "," + nodeB.port(), 6));

            FanoutResult result = run.<FanoutLoadCommand>mode("fanout").result();
            assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
            long published = result.published();
            assertThat(published).isPositive();
            FanoutResult.PortResult onA = result.byPort().get(0);
            FanoutResult.PortResult onB = result.byPort().get(1);
            assertThat(onA.ready()).isEqualTo(3);
            assertThat(onB.ready()).isEqualTo(3);
            assertThat(onA.lost(published)).isZero();
            assertThat(onB.delivered()).isZero();
            assertThat(onB.lost(published)).isEqualTo(published * 3).isEqualTo(result.lost());
            assertThat(run.out.toString())
                    .contains("subscriber ports")
                    .contains("port " + nodeB.port() + ": 3 subscribers, 3 ready")
                    .contains("0 delivered, " + String.format(java.util.Locale.ROOT, "%,d", published * 3) + " lost");
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void badSubscriberPortsAreUsageErrors() {
        LoadRun zero = new LoadRun("load", "fanout", "--port", "7000", "--subscriber-ports", "7000,0");
        assertThat(zero.exitCode).isEqualTo(2);
        assertThat(zero.err.toString()).contains("subscriber port must be 1-65535: 0");

        LoadRun withWs = new LoadRun("load", "fanout", "--port", "7000", "--subscriber-ports", "7000,7100",
                "--ws-port", "8080");
        assertThat(withWs.exitCode).isEqualTo(2);
        assertThat(withWs.err.toString()).contains("subscriber ports and a WebSocket port do not go together");

        LoadRun help = new LoadRun("load", "fanout", "--help");
        assertThat(help.exitCode).isZero();
        assertThat(help.out.toString()).contains("--subscriber-ports=PORT[,PORT...]").contains("round robin");
    }

    @Test
    void serverCpuAddsUpEveryPidAndIsUnknownIfOneIsGone() {
        long self = ProcessHandle.current().pid();
        ProcessCpu.Sample one = ProcessCpu.of(self);
        ProcessCpu.Sample twice = ProcessCpu.of(List.of(self, self));
        assertThat(one).isNotNull();
        assertThat(twice).isNotNull();
        // Read a moment apart, the second reading is at least the first; the pair is at least twice it.
        assertThat(twice.totalNanos()).isGreaterThanOrEqualTo(2 * one.totalNanos());
        assertThat(ProcessCpu.of(List.of(self, Long.MAX_VALUE))).isNull();
        assertThat(ProcessCpu.of(List.<Long>of())).isNull();
    }
}
