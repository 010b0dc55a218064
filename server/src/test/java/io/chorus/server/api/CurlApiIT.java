package io.chorus.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LeakGuard;
import io.chorus.testing.LineClient;
import io.chorus.testing.Peers;
import io.chorus.testing.RunningProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The API as an operator uses it, with the real {@code curl} binary: publish with and without the key,
 * with a sender the key may not use and with broken JSON; and {@code curl -N} as a live feed that
 * shows a message a TCP user sent.
 */
@Timeout(90)
@ExtendWith(LeakGuard.class)
class CurlApiIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String KEY = "curl-key-7";

    private ChorusServer server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        Peers.require("curl", "curl");
        server = ChorusServer.builder(ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).build()).apiKeys(ApiKeys.parse(List.of(KEY + "=deploybot"))).start();
        base = "http://127.0.0.1:" + server.port(ChorusServer.Kind.HTTP);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Runs curl to completion; returns its output, the body followed by a last line with the status. */
    private List<String> curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-w", "\\n%{http_code}\\n"));
        command.addAll(List.of(args));
        try (RunningProcess curl = RunningProcess.start(command, java.util.Map.of())) {
            assertThat(curl.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(curl.process().exitValue()).as("curl stderr %s", curl.stderr()).isZero();
            return curl.stdout();
        }
    }

    @Test
    void publishWithCurl() throws Exception {
        String url = base + "/api/rooms/deploys/messages";
        List<String> noKey = curl("-d", "v1.2 is out", url);
        assertThat(noKey.get(noKey.size() - 1)).isEqualTo("401");
        assertThat(noKey.get(0)).contains("\"error\":\"unauthorized\"");

        List<String> wrongSender = curl("-H", "Authorization: Bearer " + KEY, "-H", "Content-Type: application/json",
                "-d", "{\"text\":\"v1.2 is out\",\"from\":\"ceo\"}", url);
        assertThat(wrongSender.get(wrongSender.size() - 1)).isEqualTo("403");

        List<String> badJson = curl("-H", "Authorization: Bearer " + KEY, "-H", "Content-Type: application/json",
                "-d", "{\"text\":", url);
        assertThat(badJson.get(badJson.size() - 1)).isEqualTo("400");
        assertThat(badJson.get(0)).contains("\"error\":\"bad-json\"");

        try (LineClient alice = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP)).timeout(WAIT)) {
            alice.send("/join deploys");
            alice.readUntil("joined #deploys");
            List<String> ok = curl("-H", "Authorization: Bearer " + KEY, "-d", "v1.2 is out", url);
            assertThat(ok.get(ok.size() - 1)).isEqualTo("201");
            // Ids are time-based: the room's first message has the room's first id.
            long first = server.chat().orElseThrow().rooms().find("deploys").orElseThrow().firstId();
            assertThat(ok.get(0)).isEqualTo("{\"id\":" + first + ",\"room\":\"deploys\",\"from\":\"deploybot\"}");
            assertThat(alice.readUntil("<deploybot>")).isEqualTo("#deploys <deploybot> v1.2 is out");
        }
    }

    @Test
    void curlNIsALiveFeed() throws Exception {
        try (RunningProcess feed = RunningProcess.start("curl", "-sS", "-N", base + "/api/rooms/ops/events");
                LineClient bob = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP)).timeout(WAIT)) {
            feed.awaitStdout("^: watching #ops$", WAIT);
            await().atMost(WAIT).until(() -> server.chat().orElseThrow().rooms().find("ops")
                    .map(r -> r.watcherCount() == 1).orElse(false));
            bob.send("/nick bob");
            bob.send("/join ops");
            bob.send("disk 91% on db-2");
            long first = server.chat().orElseThrow().rooms().find("ops").orElseThrow().firstId();
            feed.awaitStdout("^id: " + first + "$", WAIT);
            feed.awaitStdout("^data: \\{\"type\":\"message\",\"room\":\"ops\",\"from\":\"bob\",\"text\":\"disk 91% on db-2\",\"id\":"
                    + first + ",", WAIT);
            // The watcher's arrival was not announced, and bob's join was: the feed shows it, without an id.
            feed.awaitStdout("^data: \\{\"type\":\"join\",\"room\":\"ops\",\"nick\":\"bob\"\\}$", WAIT);
        }
    }
}
