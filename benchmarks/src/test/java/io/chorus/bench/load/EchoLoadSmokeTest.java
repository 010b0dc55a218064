package io.chorus.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.bench.baseline.BareEchoServer;
import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.server.support.TransportKind;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@code load echo} for about two seconds, through the same command line the CLI uses, against an
 * in-process Chorus echo listener and against the bare Netty baseline.
 */
class EchoLoadSmokeTest {

    private static String[] echoArgs(int port) {
        return new String[] {"load", "echo", "--host", "127.0.0.1", "--port", String.valueOf(port),
            "--connections", "4", "--pipeline", "8", "--size", "64", "--warmup", "0.5", "--duration", "1.5",
            "--timeout", "3", "--threads", "1", "--json"};
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.SECONDS)
    void echoLoadAgainstChorusIsCleanAndVerified() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().ioThreads(1)
                .shutdownGrace(Duration.ofSeconds(1)).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            LoadRun run = new LoadRun(echoArgs(server.port(ChorusServer.Kind.ECHO_TCP)));

            EchoResult result = run.<EchoLoadCommand>mode("echo").result();
            assertThat(run.exitCode).as(run.toString()).isZero();
            assertThat(result.messages()).as(run.toString()).isPositive();
            assertThat(result.errors()).as(run.toString()).isZero();
            assertThat(result.connected()).isEqualTo(4);
            assertThat(result.latency().getTotalCount()).isEqualTo(result.messages());
            assertThat(run.out.toString()).startsWith("{\"mode\":\"echo\"").contains("\"errors\":0");
            assertThat(run.err.toString()).contains("msg/s");
        }
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.SECONDS)
    void echoLoadAgainstBareBaselineIsCleanAndVerified() throws Exception {
        try (BareEchoServer server = BareEchoServer.start(
                new BareEchoServer.Config("127.0.0.1", 0, TransportKind.AUTO, 1, 4096))) {
            LoadRun run = new LoadRun(echoArgs(server.port()));

            EchoResult result = run.<EchoLoadCommand>mode("echo").result();
            assertThat(run.exitCode).as(run.toString()).isZero();
            assertThat(result.messages()).as(run.toString()).isPositive();
            assertThat(result.errors()).as(run.toString()).isZero();
        }
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.SECONDS)
    void pacedEchoLoadKeepsCloseToTheTargetRate() throws Exception {
        try (BareEchoServer server = BareEchoServer.start(
                new BareEchoServer.Config("127.0.0.1", 0, TransportKind.AUTO, 1, 4096))) {
            LoadRun run = new LoadRun("load", "echo", "--port", String.valueOf(server.port()), "--connections", "2",
                    "--pipeline", "4", "--rate", "500", "--warmup", "0.2", "--duration", "1.5", "--threads", "1");

            EchoResult result = run.<EchoLoadCommand>mode("echo").result();
            assertThat(result.errors()).as(run.toString()).isZero();
            // A generous band: the machine is shared, but a paced run must neither stall nor run unthrottled.
            assertThat(result.rate()).as(run.toString()).isBetween(250.0, 600.0);
            assertThat(run.out.toString()).contains("msg/s").contains("round trip");
        }
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.SECONDS)
    void echoLoadReportsAFailedConnectAsAnErrorAndStops() {
        // Port 1 on loopback: nothing listens there, so every connect is refused at once.
        LoadRun run = new LoadRun("load", "echo", "--port", "1", "--connections", "2", "--duration", "1",
                "--warmup", "0", "--timeout", "1", "--json");

        EchoResult result = run.<EchoLoadCommand>mode("echo").result();
        assertThat(run.exitCode).isEqualTo(1);
        assertThat(result.connectFailures()).isEqualTo(2);
        assertThat(result.firstError()).isNotNull();
    }

    @Test
    void loadRefusesANonLoopbackTarget() {
        LoadRun run = new LoadRun("load", "echo", "--host", "192.0.2.1", "--port", "7007");

        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err.toString()).contains("loopback");
    }
}
