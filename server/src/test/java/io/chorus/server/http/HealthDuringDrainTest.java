package io.chorus.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.testing.LeakGuard;
import io.chorus.testing.LineClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A load balancer sees the drain: while a shutdown waits for a chat reader to take what was queued for
 * it, {@code /health} keeps answering 503 draining, on new connections and on one kept alive from
 * before, while the chat listener no longer accepts.
 */
@Timeout(120)
@ExtendWith(LeakGuard.class)
class HealthDuringDrainTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void healthAnswers503WhileTheChatDrainIsRunning() throws Exception {
        ChorusServer server = TestServers.start(b -> b.rateLimit(RateLimit.OFF).maxQueueBytes(256 << 20).maxQueueHardBytes(256L << 20)
                .shutdownGrace(Duration.ofSeconds(60)));
        int http = server.port(ChorusServer.Kind.HTTP);
        int chat = server.port(ChorusServer.Kind.CHAT_TCP);
        CompletableFuture<Void> closed = null;
        try (RawHttp keptAlive = RawHttp.connect(http);
                Socket slow = new Socket();
                LineClient sender = LineClient.connect(chat).timeout(WAIT)) {
            keptAlive.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(keptAlive.read().status()).isEqualTo(200);

            // A chat user that stops reading, with a small window, so what is sent to it queues on the server.
            slow.setReceiveBufferSize(4096);
            slow.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), chat));
            sender.readUntil("joined #lobby");
            String line = "y".repeat(2000) + "\n";
            for (int i = 0; i < 20 && queued(server) < (2 << 20); i++) {
                sender.sendRaw(line.repeat(500));
            }
            await().atMost(WAIT).until(() -> queued(server) > (1 << 20));

            closed = CompletableFuture.runAsync(server::close);
            await().atMost(WAIT).until(() -> RawHttp.get(http, "/health").status() == 503);
            RawHttp.Response fresh = RawHttp.get(http, "/health");
            assertThat(fresh.status()).isEqualTo(503);
            assertThat(fresh.body()).contains("\"status\":\"draining\"");
            keptAlive.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response kept = keptAlive.read();
            assertThat(kept.status()).isEqualTo(503);
            assertThat(kept.body()).contains("\"status\":\"draining\"");
            // The chat listener stopped accepting at once; the drain is still waiting for the slow reader.
            assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), chat).close())
                    .isInstanceOf(ConnectException.class);
            assertThat(closed).isNotDone();

            // The reader goes away: the drain finishes, and then HTTP stops too.
            slow.setSoLinger(true, 0);
            slow.close();
            closed.get();
            assertThatThrownBy(() -> RawHttp.get(http, "/health")).isInstanceOf(IOException.class);
        } finally {
            if (closed == null) {
                server.close();
            }
        }
    }

    private static double queued(ChorusServer server) {
        return server.metrics().registry().get("chorus.outbound.queue").gauge().value();
    }
}
