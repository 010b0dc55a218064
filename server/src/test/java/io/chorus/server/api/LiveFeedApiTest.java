package io.chorus.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.server.chat.Room;
import io.chorus.testing.LeakGuard;
import io.chorus.testing.LineClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The live-feed API over real sockets: publishing with keys, the message reaching a TCP member and an
 * SSE reader, SSE resume with {@code Last-Event-ID}, the history and rooms endpoints, and watchers kept
 * out of {@code /who} and cut off when slow.
 */
@Timeout(90)
@ExtendWith(LeakGuard.class)
class LiveFeedApiTest {

    static final String KEY = "feed-key-1";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();
    private ChorusServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private ChorusServer start(ApiKeys keys, UnaryOperator<ServerConfig.Builder> tweak) throws InterruptedException {
        ServerConfig config = tweak.apply(ServerConfig.builder().ephemeralLoopback()
                .echoPort(ServerConfig.DISABLED).udpPort(ServerConfig.DISABLED)).build();
        server = ChorusServer.builder(config).apiKeys(keys).start();
        return server;
    }

    private ChorusServer start() throws InterruptedException {
        return start(ApiKeys.parse(List.of(KEY + "=bot:alerts")), b -> b);
    }

    private String base() {
        return "http://127.0.0.1:" + server.port(ChorusServer.Kind.HTTP);
    }

    private HttpResponse<String> post(String path, String key, String contentType, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path)).timeout(WAIT)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(WAIT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> say(String room, String text) throws Exception {
        HttpResponse<String> response = post("/api/rooms/" + room + "/messages", KEY, "text/plain", text);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return response;
    }

    private Room room(String name) {
        return server.chat().orElseThrow().rooms().find(name).orElseThrow();
    }

    /** The id of the room's n-th message: ids are time-based, so each room numbers from its own first id. */
    private String id(String room, int n) {
        return Long.toString(room(room).firstId() - 1 + n);
    }

    private LineClient member(String nick, String room) throws Exception {
        LineClient client = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP)).timeout(WAIT);
        client.send("/nick " + nick);
        client.send("/join " + room);
        client.readUntil(nick + " joined #" + room);
        return client;
    }

    @Test
    void theApiIsOffWithoutKeys() throws Exception {
        start(ApiKeys.NONE, b -> b);
        HttpResponse<String> rooms = get("/api/rooms");
        assertThat(rooms.statusCode()).isEqualTo(404);
        assertThat(rooms.headers().firstValue("content-type")).contains("application/json; charset=utf-8");
        assertThat(rooms.body()).contains("\"error\":\"api-disabled\"", "--api-key");
        assertThat(post("/api/rooms/x/messages", KEY, "text/plain", "hi").statusCode()).isEqualTo(404);
    }

    @Test
    void publishingNeedsAValidKeyAndAnAllowedSender() throws Exception {
        start();
        HttpResponse<String> none = post("/api/rooms/news/messages", null, "text/plain", "hi");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(none.body()).contains("\"error\":\"unauthorized\"");
        HttpResponse<String> wrong = post("/api/rooms/news/messages", "feed-key-2", "text/plain", "hi");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));

        HttpResponse<String> sender = post("/api/rooms/news/messages", KEY, "application/json", "{\"text\":\"hi\",\"from\":\"mallory\"}");
        assertThat(sender.statusCode()).isEqualTo(403);
        assertThat(sender.body()).contains("\"error\":\"forbidden-sender\"", "bot, alerts");
        HttpResponse<String> badJson = post("/api/rooms/news/messages", KEY, "application/json", "{\"text\": ");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(badJson.body()).contains("\"error\":\"bad-json\"");
        assertThat(post("/api/rooms/news/messages", KEY, "application/json", "{\"from\":\"bot\"}").body())
                .contains("\"error\":\"bad-json\"", "\\\"text\\\"");
        HttpResponse<String> badRoom = post("/api/rooms/no%20such/messages", KEY, "text/plain", "hi");
        assertThat(badRoom.statusCode()).isEqualTo(400);
        assertThat(badRoom.body()).contains("\"error\":\"invalid-room\"");
        assertThat(post("/api/rooms/news/messages", KEY, "text/plain", "\u001b[2J").body()).contains("empty-message");
        assertThat(post("/api/rooms/news/messages", KEY, "text/plain", "a\nb").body()).contains("multi-line");
        assertThat(post("/api/rooms/news/messages", KEY, "text/plain", "x".repeat(5000)).body()).contains("line-too-long");
        assertThat(get("/api/rooms/news/messages").statusCode()).isEqualTo(405);
        // None of these published anything.
        assertThat(server.chat().orElseThrow().rooms().find("news")).isEmpty();
    }

    @Test
    void aPublishedMessageReachesATcpMemberAndAnSseReader() throws Exception {
        start();
        try (LineClient alice = member("alice", "news");
                SseReader feed = SseReader.open(server.port(ChorusServer.Kind.HTTP), "/api/rooms/news/events")) {
            assertThat(feed.status()).isEqualTo(200);
            assertThat(feed.header("content-type")).isEqualTo("text/event-stream; charset=utf-8");
            assertThat(feed.header("cache-control")).isEqualTo("no-cache");
            assertThat(feed.header("transfer-encoding")).isEqualTo("chunked");
            await().atMost(WAIT).until(() -> room("news").watcherCount() == 1);

            HttpResponse<String> text = say("news", "rain at noon");
            assertThat(text.body()).contains("\"id\":" + id("news", 1), "\"room\":\"news\"", "\"from\":\"bot\"");
            HttpResponse<String> json = post("/api/rooms/%23News/messages", KEY, "application/json",
                    "{\"text\":\"storm \\u26a1\",\"from\":\"alerts\"}");
            assertThat(json.statusCode()).isEqualTo(201);
            assertThat(json.body()).contains("\"id\":" + id("news", 2), "\"from\":\"alerts\"");

            assertThat(alice.readUntil("#news <bot>")).isEqualTo("#news <bot> rain at noon");
            assertThat(alice.readUntil("#news <alerts>")).isEqualTo("#news <alerts> storm \u26a1");
            SseReader.SseEvent first = feed.next();
            assertThat(first.id()).isEqualTo(id("news", 1));
            assertThat(first.data()).startsWith("{\"type\":\"message\",\"room\":\"news\",\"from\":\"bot\",\"text\":\"rain at noon\",\"id\":" + id("news", 1) + ",");
            SseReader.SseEvent second = feed.next();
            assertThat(second.id()).isEqualTo(id("news", 2));
            assertThat(second.data()).contains("\"from\":\"alerts\"", "\"text\":\"storm \u26a1\"");

            // A TCP member's line reaches the feed as well, with its id.
            alice.send("hello feed");
            SseReader.SseEvent third = feed.next();
            assertThat(third.id()).isEqualTo(id("news", 3));
            assertThat(third.data()).contains("\"from\":\"alice\"", "\"text\":\"hello feed\"");
        }
    }

    @Test
    void anSseReaderThatReconnectsWithLastEventIdGetsExactlyTheMissedEvents() throws Exception {
        start();
        int port = server.port(ChorusServer.Kind.HTTP);
        try (SseReader feed = SseReader.open(port, "/api/rooms/ticks/events")) {
            await().atMost(WAIT).until(() -> room("ticks").watcherCount() == 1);
            for (int i = 1; i <= 3; i++) {
                say("ticks", "tick " + i);
            }
            assertThat(feed.next(3)).extracting(SseReader.SseEvent::id).containsExactly(id("ticks", 1), id("ticks", 2), id("ticks", 3));
        }
        await().atMost(WAIT).until(() -> room("ticks").watcherCount() == 0);
        for (int i = 4; i <= 6; i++) {
            say("ticks", "tick " + i);
        }
        try (SseReader resumed = SseReader.open(port, "/api/rooms/ticks/events", id("ticks", 3), 0)) {
            List<SseReader.SseEvent> missed = resumed.next(4);
            assertThat(missed).extracting(SseReader.SseEvent::id).containsExactly(id("ticks", 4), id("ticks", 5), id("ticks", 6), null);
            assertThat(missed.get(0).data()).contains("\"text\":\"tick 4\"", "\"replay\":true");
            assertThat(missed.get(3).data())
                    .isEqualTo("{\"type\":\"history\",\"room\":\"ticks\",\"complete\":true,\"messages\":3,\"first\":"
                            + id("ticks", 4) + ",\"last\":" + id("ticks", 6) + "}");
            // Then live, with nothing repeated.
            say("ticks", "tick 7");
            SseReader.SseEvent live = resumed.next();
            assertThat(live.id()).isEqualTo(id("ticks", 7));
            assertThat(live.data()).doesNotContain("replay");
        }
        // ?since= does the same for a first connection.
        try (SseReader since = SseReader.open(port, "/api/rooms/ticks/events?since=" + id("ticks", 5))) {
            assertThat(since.next(3)).extracting(SseReader.SseEvent::id).containsExactly(id("ticks", 6), id("ticks", 7), null);
        }
    }

    @Test
    void historyHasTheCompleteFlag() throws Exception {
        start(ApiKeys.parse(List.of(KEY + "=bot")), b -> b.historySize(3).rateLimit(RateLimit.OFF));
        for (int i = 1; i <= 5; i++) {
            say("log", "entry " + i);
        }
        HttpResponse<String> since = get("/api/rooms/log/history?since=" + id("log", 3));
        assertThat(since.statusCode()).isEqualTo(200);
        assertThat(since.body()).contains("\"complete\":true", "\"count\":2", "\"first\":" + id("log", 4), "\"last\":" + id("log", 5),
                "\"text\":\"entry 4\"", "\"text\":\"entry 5\"").doesNotContain("entry 3");
        // The first two messages were dropped (history 3): everything from the start is not complete.
        assertThat(get("/api/rooms/log/history?since=0").body()).contains("\"complete\":false", "\"count\":3", "\"first\":" + id("log", 3));
        assertThat(get("/api/rooms/log/history?limit=2").body()).contains("\"complete\":true", "\"first\":" + id("log", 4),
                "\"last\":" + id("log", 5));
        assertThat(get("/api/rooms/log/history?since=" + id("log", 3) + "&limit=1").body()).contains("\"count\":1",
                "\"first\":" + id("log", 4), "\"last\":" + id("log", 4));
        assertThat(get("/api/rooms/log/history?since=x").statusCode()).isEqualTo(400);
        HttpResponse<String> missing = get("/api/rooms/nowhere/history");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("\"error\":\"no-such-room\"");
    }

    @Test
    void watchersAreCountedApartAndNotShownInWho() throws Exception {
        start();
        try (LineClient alice = member("alice", "ops");
                LineClient bob = member("bob", "ops");
                SseReader feed = SseReader.open(server.port(ChorusServer.Kind.HTTP), "/api/rooms/ops/events")) {
            await().atMost(WAIT).until(() -> room("ops").watcherCount() == 1);
            HttpResponse<String> rooms = get("/api/rooms");
            assertThat(rooms.statusCode()).isEqualTo(200);
            assertThat(rooms.body()).contains("{\"name\":\"ops\",\"members\":2,\"watchers\":1,\"last_id\":" + id("ops", 0) + "}");
            // /rooms counts the watcher apart from the members.
            alice.send("/rooms");
            assertThat(alice.readUntil("*** rooms: ")).contains("#ops (2, 1 watcher)");
            alice.send("/who ops");
            assertThat(alice.readUntil("*** #ops: ")).isEqualTo("*** #ops: alice, bob (2 members)");
            // The watcher is in nobody's /who, and its arrival was announced to nobody.
            bob.send("/who");
            assertThat(bob.readUntil("*** #ops: ")).isEqualTo("*** #ops: alice, bob (2 members)");
        }
        await().atMost(WAIT).until(() -> room("ops").watcherCount() == 0);
        assertThat(get("/api/rooms").body()).contains("\"watchers\":0");
    }

    @Test
    void publishesCountAgainstTheRateLimitPerKey() throws Exception {
        start(ApiKeys.parse(List.of(KEY, "other-key")), b -> b.rateLimit(new RateLimit(0.0001, 2)));
        say("r", "one");
        say("r", "two");
        HttpResponse<String> third = post("/api/rooms/r/messages", KEY, "text/plain", "three");
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("retry-after")).contains("1");
        assertThat(third.body()).contains("\"error\":\"rate-limited\"");
        // Another key has a bucket of its own.
        assertThat(post("/api/rooms/r/messages", "other-key", "text/plain", "four").statusCode()).isEqualTo(201);
        assertThat(room("r").lastMessageId()).isEqualTo(room("r").firstId() + 2);
    }

    @Test
    void aSecondRequestOnAFeedConnectionIsNotAnsweredInsideTheStream() throws Exception {
        start();
        try (SseReader feed = SseReader.open(server.port(ChorusServer.Kind.HTTP), "/api/rooms/calm/events")) {
            assertThat(feed.nextComment()).isEqualTo(": watching #calm");
            await().atMost(WAIT).until(() -> room("calm").watcherCount() == 1);
            feed.sendRaw("GET /api/rooms HTTP/1.1\r\nHost: x\r\n\r\n");
            say("calm", "still a feed");
            SseReader.SseEvent event = feed.next();
            assertThat(event.id()).isEqualTo(id("calm", 1));
            assertThat(event.data()).contains("\"text\":\"still a feed\"");
        }
    }

    @Test
    void anIdleFeedGetsKeepaliveComments() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).idleTimeout(Duration.ofMillis(300)).build();
        server = ChorusServer.builder(config).apiKeys(ApiKeys.parse(List.of(KEY))).apiKeepalive(Duration.ofMillis(50)).start();
        try (SseReader feed = SseReader.open(server.port(ChorusServer.Kind.HTTP), "/api/rooms/quiet/events")) {
            assertThat(feed.nextComment()).isEqualTo(": watching #quiet");
            // Pings keep coming well past the HTTP idle timeout, which does not apply to a feed.
            for (int i = 0; i < 12; i++) {
                assertThat(feed.nextComment()).isEqualTo(": ping");
            }
            say("quiet", "finally");
            assertThat(feed.next().data()).contains("\"text\":\"finally\"");
        }
    }

    @Test
    void aSlowSseReaderIsCutOff() throws Exception {
        start(ApiKeys.parse(List.of(KEY)), b -> b.maxQueueBytes(64 * 1024).rateLimit(RateLimit.OFF));
        int port = server.port(ChorusServer.Kind.HTTP);
        try (LineClient alice = member("alice", "firehose");
                SseReader slow = SseReader.open(port, "/api/rooms/firehose/events", null, 4096)) {
            await().atMost(WAIT).until(() -> room("firehose").watcherCount() == 1);
            String line = "x".repeat(2000);
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                burst.append(line).append('\n');
            }
            // The reader never reads: once more than --max-queue is queued for it, it is cut off.
            for (int round = 0; round < 40 && room("firehose").watcherCount() > 0; round++) {
                alice.sendRaw(burst.toString());
            }
            await().atMost(WAIT).until(() -> room("firehose").watcherCount() == 0);
            assertThat(server.metrics().registry().get("chorus.slow.consumer.cutoffs").counter().count()).isEqualTo(1);
            // The chat member that reads is not affected.
            alice.send("/ping still-here");
            alice.readUntil("still-here");
        }
    }
}
