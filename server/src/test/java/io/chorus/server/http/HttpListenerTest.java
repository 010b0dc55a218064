package io.chorus.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP listener over real sockets: routes, content types, safe static files, limits, idle, health. */
@Timeout(60)
class HttpListenerTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private ChorusServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(TestServers.base(server) + path)).timeout(Duration.ofSeconds(20))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePageWithContentTypesAndETags() throws Exception {
        server = TestServers.start(b -> b);
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<title>Chorus chat</title>", "id=\"message\"", "chorus.js");
        assertThat(page.headers().firstValue("content-security-policy").orElseThrow()).contains("script-src 'self'");
        assertThat(get("/index.html").body()).isEqualTo(page.body());
        HttpResponse<String> js = get("/chorus.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
        assertThat(js.body()).contains("textContent").doesNotContain("innerHTML");
        HttpResponse<String> css = get("/chorus.css?v=1");
        assertThat(css.headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");

        String etag = page.headers().firstValue("etag").orElseThrow();
        HttpResponse<String> again = client.send(HttpRequest.newBuilder(URI.create(TestServers.base(server) + "/"))
                .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();

        HttpResponse<String> missing = get("/nope.html");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(TestServers.base(server) + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    }

    @Test
    void headHasTheLengthButNoBody() throws Exception {
        server = TestServers.start(b -> b);
        int port = server.port(ChorusServer.Kind.HTTP);
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("HEAD /chorus.css HTTP/1.1\r\nHost: x\r\n\r\n");
            String head = http.readHead();
            assertThat(head).startsWith("HTTP/1.1 200").contains("content-type: text/css");
            // Keep-alive: the next request on the same connection is answered, so no body was in between.
            http.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            RawHttp.Response next = http.read();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.body()).contains("\"status\":\"up\"");
        }
    }

    /** Every way of spelling "up a directory" is a 404, never a file from elsewhere on the class path. */
    @ParameterizedTest
    @ValueSource(strings = {
        "/../log4j2.xml", "/..%2flog4j2.xml", "/%2e%2e/log4j2.xml", "/%2e%2e%2flog4j2.xml", "/%252e%252e%252flog4j2.xml",
        "/..\\log4j2.xml", "/..%5clog4j2.xml", "/%c0%ae%c0%ae/log4j2.xml", "/web/../log4j2.xml", "/./index.html/../../log4j2.xml",
        "/../io/chorus/server/ChorusServer.class", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/....//log4j2.xml", "//etc/passwd",
        "/chorus.js%00.html", "/index.html/..", "/%2fetc%2fpasswd", "/web/index.html", "/../web/index.html",
        "/..;/log4j2.xml", "/%u002e%u002e/log4j2.xml", "/.%2e/log4j2.xml", "/log4j2.xml"})
    void pathTraversalInEveryEncodingIsNotFound(String target) throws Exception {
        server = TestServers.start(b -> b);
        RawHttp.Response response = RawHttp.get(server.port(ChorusServer.Kind.HTTP), target);
        assertThat(response.status()).as(target).isIn(400, 404);
        assertThat(response.body()).as(target).doesNotContain("Configuration", "root:", "<html", "\u00ca\u00fe");
    }

    @Test
    void oversizedHeadersGet431AndALongRequestLine414() throws Exception {
        server = TestServers.start(b -> b.http(b.build().http().withLimits(1024, 1024)));
        int port = server.port(ChorusServer.Kind.HTTP);
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(2000) + "\r\n\r\n");
            assertThat(http.read().status()).isEqualTo(431);
            assertThat(http.readByte()).isEqualTo(-1);
        }
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(http.read().status()).isEqualTo(414);
        }
        // The server is still serving.
        assertThat(RawHttp.get(port, "/").status()).isEqualTo(200);
    }

    @Test
    void aBodyOverTheLimitGets413() throws Exception {
        server = TestServers.start(b -> b.http(b.build().http().withLimits(1024, 1024)));
        int port = server.port(ChorusServer.Kind.HTTP);
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + "b".repeat(5000));
            assertThat(http.read().status()).isEqualTo(413);
        }
        try (RawHttp http = RawHttp.connect(port)) {
            // Chunked, so the size is only known while reading.
            http.send("POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "800\r\n" + "c".repeat(2048) + "\r\n0\r\n\r\n");
            assertThat(http.read().status()).isEqualTo(413);
        }
        assertThat(RawHttp.get(port, "/health").status()).isEqualTo(200);
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        server = TestServers.start(b -> b.idleTimeout(Duration.ofMillis(300)));
        int port = server.port(ChorusServer.Kind.HTTP);
        try (RawHttp silent = RawHttp.connect(port)) {
            assertThat(silent.readByte()).isEqualTo(-1);
        }
        try (RawHttp afterOne = RawHttp.connect(port)) {
            afterOne.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(afterOne.read().status()).isEqualTo(200);
            assertThat(afterOne.readByte()).isEqualTo(-1);
        }
    }

    @Test
    void theConnectionLimitsApplyToHttp() throws Exception {
        server = TestServers.start(b -> b.maxConnectionsPerIp(2));
        int port = server.port(ChorusServer.Kind.HTTP);
        List<RawHttp> open = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            RawHttp http = RawHttp.connect(port);
            http.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(http.read().status()).isEqualTo(200);
            open.add(http);
        }
        try (RawHttp refused = RawHttp.connect(port)) {
            String line = new String(refused.input().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(line).startsWith("!!! too-many-connections");
        }
        // Counted once the limiter has returned, which may be just after the client saw the close.
        await().until(() -> server.metrics().listener("http").refusedCount() == 1);
        for (RawHttp http : open) {
            http.close();
        }
        await().until(() -> server.metrics().listener("http").openCount() == 0);
        assertThat(RawHttp.get(port, "/health").status()).isEqualTo(200);
    }

    @Test
    void healthIsUpThen503WhileDraining() throws Exception {
        server = TestServers.start(b -> b);
        HttpResponse<String> up = get("/health");
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
        assertThat(up.body()).contains("\"status\":\"up\"", "\"connections\":");

        server.health().degraded("redis link down");
        HttpResponse<String> degraded = get("/health");
        assertThat(degraded.statusCode()).isEqualTo(200);
        assertThat(degraded.body()).contains("\"status\":\"degraded\"", "redis link down");

        server.health().draining();
        server.health().up();
        HttpResponse<String> draining = get("/health");
        assertThat(draining.statusCode()).isEqualTo(503);
        assertThat(draining.body()).contains("\"status\":\"draining\"");
    }

    @Test
    void closeMarksTheServerDraining() throws Exception {
        server = TestServers.start(b -> b);
        assertThat(server.health().state()).isEqualTo(HealthStatus.State.UP);
        server.close();
        assertThat(server.health().state()).isEqualTo(HealthStatus.State.DRAINING);
    }

    @Test
    void anAdminPortTakesHealthAndMetricsOffThePublicPort() throws Exception {
        server = TestServers.start(b -> b.http(b.build().http().withPorts(ServerConfig.ANY_PORT, ServerConfig.DISABLED,
                ServerConfig.ANY_PORT)));
        int admin = server.port(ChorusServer.Kind.ADMIN);
        int http = server.port(ChorusServer.Kind.HTTP);
        assertThat(RawHttp.get(admin, "/health").status()).isEqualTo(200);
        assertThat(RawHttp.get(admin, "/metrics").body()).contains("chorus_connections_open");
        assertThat(RawHttp.get(admin, "/").status()).isEqualTo(404);
        assertThat(RawHttp.get(http, "/health").status()).isEqualTo(404);
        assertThat(RawHttp.get(http, "/metrics").status()).isEqualTo(404);
        assertThat(RawHttp.get(http, "/").status()).isEqualTo(200);
    }

    @Test
    void httpPortOffBindsNothing() throws Exception {
        server = TestServers.start(b -> b.http(b.build().http().withPorts(ServerConfig.DISABLED, ServerConfig.DISABLED,
                ServerConfig.DISABLED)));
        assertThat(server.address(ChorusServer.Kind.HTTP)).isEmpty();
        assertThat(server.address(ChorusServer.Kind.CHAT_TCP)).isPresent();
    }
}
