package io.chorus.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Docker HEALTHCHECK probe against a real server: 0 while up, 1 while draining or unreachable. */
@Timeout(60)
class HealthProbeTest {

    @Test
    void exitsZeroWhileUpAndOneWhileDraining() throws Exception {
        try (ChorusServer server = TestServers.start(b -> b)) {
            String url = TestServers.base(server) + "/health";
            assertThat(HealthProbe.probe(url)).isZero();
            server.health().draining();
            assertThat(HealthProbe.probe(url)).isEqualTo(1);
        }
    }

    @Test
    void exitsOneWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThat(HealthProbe.probe("http://127.0.0.1:" + port + "/health")).isEqualTo(1);
        assertThat(HealthProbe.probe("not a url")).isEqualTo(1);
    }

    @Test
    void theDefaultUrlFollowsTheEnvironment() {
        assertThat(HealthProbe.defaultUrl(null, null)).isEqualTo("http://127.0.0.1:8080/health");
        assertThat(HealthProbe.defaultUrl(null, "9000")).isEqualTo("http://127.0.0.1:9000/health");
        assertThat(HealthProbe.defaultUrl("9100", "9000")).isEqualTo("http://127.0.0.1:9100/health");
        assertThat(HealthProbe.defaultUrl("off", "9000")).isEqualTo("http://127.0.0.1:9000/health");
    }
}
