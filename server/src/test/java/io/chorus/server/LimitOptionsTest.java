package io.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chorus.server.limits.OutboundBudget;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The room-TTL, slow-consumer and memory options: their defaults, their checks and their flags. */
class LimitOptionsTest {

    private static final long MIB = 1024 * 1024;

    private static ServerConfig parse(String... args) {
        ChorusServerMain main = new ChorusServerMain();
        new CommandLine(main).parseArgs(args);
        return main.toConfig();
    }

    @Test
    void defaultsComeFromServerConfig() {
        ServerConfig config = parse();
        assertThat(config.roomTtl()).isEqualTo(ServerConfig.DEFAULT_ROOM_TTL).isEqualTo(Duration.ofSeconds(600));
        assertThat(config.maxQueueBytes()).isEqualTo(8 * MIB);
        assertThat(config.maxQueueHardBytes()).isEqualTo(32 * MIB);
        assertThat(config.slowConsumerGrace()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.maxOutboundMemory()).isEqualTo(ServerConfig.AUTO);
        assertThat(config.effectiveMaxOutboundMemory()).isEqualTo(OutboundBudget.defaultBudgetBytes());
        assertThat(config.historyMemory()).isEqualTo(64 * MIB);
        assertThat(config).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void flagsSetEveryNewOption() {
        ServerConfig config = parse("--room-ttl", "0", "--max-queue", "2097152", "--max-queue-hard", "4194304",
                "--slow-consumer-grace", "0.5", "--max-outbound-memory", "104857600", "--history-memory", "1048576");
        assertThat(config.roomTtl()).isZero();
        assertThat(config.slowConsumerPolicy().softLimitBytes()).isEqualTo(2 * MIB);
        assertThat(config.slowConsumerPolicy().hardLimitBytes()).isEqualTo(4 * MIB);
        assertThat(config.slowConsumerPolicy().graceNanos()).isEqualTo(Duration.ofMillis(500).toNanos());
        assertThat(config.effectiveMaxOutboundMemory()).isEqualTo(100 * MIB);
        assertThat(config.historyMemory()).isEqualTo(MIB);
    }

    @Test
    void inconsistentLimitsAreRefused() {
        assertThatThrownBy(() -> parse("--max-queue", "8388608", "--max-queue-hard", "1048576"))
                .hasMessageContaining("maxQueueHardBytes must be at least maxQueueBytes");
        assertThatThrownBy(() -> parse("--max-outbound-memory", "1048576"))
                .hasMessageContaining("maxOutboundMemory must be 0 (auto) or at least maxQueueHardBytes");
        assertThatThrownBy(() -> parse("--room-ttl", "-1")).hasMessageContaining("0 or more seconds");
        assertThatThrownBy(() -> parse("--history-memory", "10")).hasMessageContaining("historyMemory");
    }
}
