package io.chorus.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connection limits as a client sees them: one error line, then the connection closes. */
@Timeout(60)
class LimitsIT {

    @Test
    void totalConnectionLimitRefusesWithOneLine() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .maxConnections(5).maxConnectionsPerIp(0).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            List<LineClient> open = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                LineClient c = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP));
                c.readUntil("Welcome");
                open.add(c);
            }
            try (LineClient refused = LineClient.connect(server.port(ChorusServer.Kind.ECHO_TCP))) {
                assertThat(refused.readLine()).isEqualTo("!!! too-many-connections: the server is full (5 connections); try again later");
                assertThat(refused.readLine()).isNull();
            }
            assertThat(server.refusedConnections()).isEqualTo(1);
            open.get(0).close();
            org.awaitility.Awaitility.await().until(() -> server.liveConnections() == 4);
            try (LineClient accepted = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP))) {
                assertThat(accepted.readLine()).startsWith("*** Welcome");
            }
            for (LineClient c : open) {
                c.close();
            }
        }
    }

    @Test
    void perAddressLimitCountsLoopback() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .maxConnectionsPerIp(3).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            List<LineClient> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                LineClient c = LineClient.connect(port);
                c.readUntil("Welcome");
                open.add(c);
            }
            try (LineClient refused = LineClient.connect(port)) {
                assertThat(refused.readLine()).isEqualTo("!!! too-many-connections: too many connections from 127.0.0.1 (at most 3)");
                assertThat(refused.readLine()).isNull();
            }
            for (LineClient c : open) {
                c.close();
            }
        }
    }

    @Test
    void idleTimeoutClosesSilentClientsButNotPingingOnes() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .idleTimeout(java.time.Duration.ofMillis(800)).build();
        try (ChorusServer server = ChorusServer.start(config);
             LineClient silent = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP));
             LineClient pinging = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP))) {
            for (int i = 0; i < 5; i++) {
                Thread.sleep(300);
                pinging.send("/ping " + i);
                pinging.readUntil("*** pong " + i);
            }
            assertThat(silent.readUntil("!!!")).isEqualTo("!!! idle-timeout: nothing received for 800 ms; send /ping to stay connected");
            assertThat(silent.awaitClosed()).isTrue();
            pinging.send("/ping last");
            assertThat(pinging.readUntil("*** pong")).isEqualTo("*** pong last");
        }
    }
}
