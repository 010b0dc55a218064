package io.chorus.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Graceful shutdown: what was accepted is delivered, clients are told, and the server stops in time. */
@Timeout(60)
class DrainIT {

    @Test
    void acceptedMessagesAreDeliveredThenClientsAreToldThenClosed() throws Exception {
        ChorusServer server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback()
                .udpPort(ServerConfig.DISABLED).rateLimit(RateLimit.OFF).shutdownGrace(Duration.ofSeconds(5)).build());
        int port = server.port(ChorusServer.Kind.CHAT_TCP);
        try (LineClient sender = LineClient.connect(port); LineClient reader = LineClient.connect(port)) {
            // Any join the reader sees proves it is in the lobby, so it will see everything said there next.
            reader.readUntil(" joined #lobby");
            sender.send("/nick sender");
            sender.send("/echo on");
            reader.readUntil("is now known as sender");
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 500; i++) {
                burst.append("m").append(i).append('\n');
            }
            sender.sendRaw(burst.toString());
            // Once the sender sees its last line come back, all 500 were accepted by the room.
            sender.readUntil("<sender> m499");
            long start = System.nanoTime();
            server.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            for (int i = 0; i < 500; i++) {
                assertThat(reader.readUntil("<sender>")).isEqualTo("#lobby <sender> m" + i);
            }
            assertThat(reader.readLine()).isEqualTo("!!! shutting-down: the server is shutting down");
            assertThat(reader.readLine()).isNull();
        }
    }
}
