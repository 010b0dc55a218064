package io.chorus.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import java.io.DataInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code /ws/echo} over real sockets: echo, the frame limit, the Origin check and the keepalive. */
@Timeout(60)
class WebSocketEchoTest {

    private static final int MAX_LINE = 1024;
    private ChorusServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int port() {
        return server.port(ChorusServer.Kind.HTTP);
    }

    @Test
    void textAndBinaryFramesComeBackAsSent() throws Exception {
        server = TestServers.start(b -> b.maxLineBytes(MAX_LINE));
        WsClient ws = WsClient.open(port(), "/ws/echo");
        ws.socket.sendText("héllo 👋", true).join();
        assertThat(ws.next().text()).isEqualTo("héllo 👋");
        byte[] payload = new byte[MAX_LINE];
        new Random(7).nextBytes(payload);
        ws.socket.sendBinary(ByteBuffer.wrap(payload), true).join();
        assertThat(ws.next().binary()).isEqualTo(payload);
        // Fragments up to the limit each come back; the client joins them into one message.
        ws.socket.sendText("part one, ", false).join();
        ws.socket.sendText("part two", true).join();
        assertThat(ws.next().text()).isEqualTo("part one, part two");
        ws.socket.sendClose(1000, "bye").join();
        assertThat(ws.awaitClose()).isEqualTo(1000);
    }

    @Test
    void aFrameOverMaxLineIsClosedWith1009AndTheServerStaysUp() throws Exception {
        server = TestServers.start(b -> b.maxLineBytes(MAX_LINE));
        WsClient big = WsClient.open(port(), "/ws/echo");
        big.socket.sendText("x".repeat(MAX_LINE + 1), true);
        assertThat(big.awaitClose()).isEqualTo(1009);

        WsClient binary = WsClient.open(port(), "/ws/echo");
        binary.socket.sendBinary(ByteBuffer.wrap(new byte[MAX_LINE * 4]), true);
        assertThat(binary.awaitClose()).isEqualTo(1009);

        WsClient after = WsClient.open(port(), "/ws/echo");
        after.socket.sendText("still here", true).join();
        assertThat(after.next().text()).isEqualTo("still here");
    }

    @Test
    void aPlainRequestToTheEndpointGets426() throws Exception {
        server = TestServers.start(b -> b);
        assertThat(RawHttp.get(port(), "/ws/echo").status()).isEqualTo(426);
    }

    @Test
    void aCrossSiteOriginIsRefusedBeforeTheUpgrade() throws Exception {
        server = TestServers.start(b -> b);
        assertThat(upgrade("http://evil.example").status()).isEqualTo(403);
        assertThat(upgrade("null").status()).isEqualTo(403);
        assertThat(upgrade("http://127.0.0.1:" + (port() + 1)).status()).isEqualTo(403);
        assertThat(upgrade("http://127.0.0.1:" + port()).status()).isEqualTo(101);
        assertThat(upgrade(null).status()).isEqualTo(101);
    }

    @Test
    void allowedOriginsOpenTheDoorToListedSites() throws Exception {
        server = TestServers.start(b -> b.http(b.build().http().withAllowedOrigins(List.of("https://chat.example.com"))));
        assertThat(upgrade("https://chat.example.com").status()).isEqualTo(101);
        assertThat(upgrade("https://evil.example.com").status()).isEqualTo(403);
        assertThat(upgrade("http://127.0.0.1:" + port()).status()).isEqualTo(403);
    }

    private RawHttp.Response upgrade(String origin) throws Exception {
        try (RawHttp http = RawHttp.connect(port())) {
            http.send(handshake(origin));
            String head = http.readHead();
            int status = Integer.parseInt(head.split(" ")[1]);
            return new RawHttp.Response(status, head, java.util.Map.of(), "");
        }
    }

    private String handshake(String origin) {
        return "GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1:" + port() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n";
    }

    @Test
    void aLivePeerIsPingedAndKeptOpen() throws Exception {
        server = TestServers.start(b -> b.idleTimeout(Duration.ofMillis(400)));
        WsClient ws = WsClient.open(port(), "/ws/echo");
        // The JDK answers every ping with a pong; each pong resets the idle clock, so pings keep coming.
        await().atMost(Duration.ofSeconds(20)).until(() -> ws.pings.get() >= 3);
        assertThat(ws.closeCode).isNotDone();
        ws.socket.sendText("awake", true).join();
        assertThat(ws.next().text()).isEqualTo("awake");
    }

    @Test
    void aPeerThatNeverAnswersPingsIsClosedWith1001() throws Exception {
        server = TestServers.start(b -> b.idleTimeout(Duration.ofMillis(400)));
        try (RawHttp http = RawHttp.connect(port())) {
            http.send(handshake(null));
            assertThat(http.readHead()).startsWith("HTTP/1.1 101");
            DataInputStream in = new DataInputStream(http.input());
            int first = in.readUnsignedByte();
            assertThat(first & 0x0f).as("opcode of the first frame: ping").isEqualTo(0x9);
            in.readNBytes(in.readUnsignedByte() & 0x7f);
            int second = in.readUnsignedByte();
            assertThat(second & 0x0f).as("opcode of the second frame: close").isEqualTo(0x8);
            byte[] close = in.readNBytes(in.readUnsignedByte() & 0x7f);
            assertThat(((close[0] & 0xff) << 8) | (close[1] & 0xff)).isEqualTo(1001);
            assertThat(new String(close, 2, close.length - 2, StandardCharsets.UTF_8)).isEqualTo("idle timeout");
            assertThat(http.readByte()).isEqualTo(-1);
        }
    }
}
