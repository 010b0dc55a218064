package io.chorus.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Graceful shutdown: what was accepted is delivered, clients are told, and the server stops in time. */
@Timeout(60)
class DrainIT {

    /**
     * A grace far longer than the test's timeout: if the drain waited it out instead of finishing when
     * everything was delivered, the test would time out. Nothing here measures elapsed time.
     */
    private static final Duration GRACE = Duration.ofMinutes(10);

    @Test
    void acceptedMessagesAreDeliveredThenClientsAreToldThenClosed() throws Exception {
        ChorusServer server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback()
                .udpPort(ServerConfig.DISABLED).rateLimit(RateLimit.OFF).shutdownGrace(GRACE).build());
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
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            await("the drain finishes by itself instead of running out the grace").atMost(Duration.ofSeconds(50))
                    .until(closing::isDone);
            closing.join();
            for (int i = 0; i < 500; i++) {
                assertThat(reader.readUntil("<sender>")).isEqualTo("#lobby <sender> m" + i);
            }
            assertThat(reader.readLine()).isEqualTo("!!! shutting-down: the server is shutting down");
            assertThat(reader.readLine()).isNull();
        }
    }
}
