package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chat over {@code /ws} against the real server on loopback sockets, with Netty's WebSocket client (and a
 * hand-made one for frames no real client sends): JSON events, commands in the TCP grammar, the same rooms
 * as TCP users, the frame limits and refusals, the origin check, and the slow-consumer cut.
 */
@Timeout(120)
class ChatWebSocketTest {

    private static final int MAX_LINE = 2048;
    private static final AtomicInteger names = new AtomicInteger();
    private static ChorusServer server;
    private static int http;
    private static int tcp;

    @BeforeAll
    static void start() throws InterruptedException {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).maxLineBytes(MAX_LINE).rateLimit(RateLimit.OFF)
                // The burst below leaves the stalled reader over the soft limit for longer than the grace,
                // while the readers that keep reading stay under it.
                .maxQueueBytes(1 << 20).slowConsumerGrace(Duration.ofSeconds(2))
                .maxConnectionsPerIp(0).build());
        http = server.port(ChorusServer.Kind.HTTP);
        tcp = server.port(ChorusServer.Kind.CHAT_TCP);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String name(String base) {
        return base + names.incrementAndGet();
    }

    private static boolean type(JsonNode e, String type) {
        return e.path("type").asText().equals(type);
    }

    @Test
    void welcomeAndRepliesAreJsonFramesAndEachTextFrameIsACommandLine() throws Exception {
        try (NettyWsUser user = NettyWsUser.open(http, null)) {
            user.handshake.get(20, TimeUnit.SECONDS);
            JsonNode welcome = user.next();
            assertThat(welcome.path("type").asText()).isEqualTo("welcome");
            assertThat(welcome.path("room").asText()).isEqualTo("lobby");
            assertThat(welcome.path("nick").asText()).startsWith("guest-");
            JsonNode join = user.next();
            assertThat(join.path("type").asText()).isEqualTo("join");
            assertThat(join.path("nick").asText()).isEqualTo(welcome.path("nick").asText());

            user.send("/ping hello");
            JsonNode pong = user.next(e -> type(e, "pong"));
            assertThat(pong.path("token").asText()).isEqualTo("hello");
            // One JSON event per frame, without a trailing newline.
            assertThat(user.rawTexts).noneMatch(t -> t.endsWith("\n"));

            user.send("/frobnicate");
            assertThat(user.next(e -> type(e, "error")).path("code").asText()).isEqualTo("unknown-command");

            // A frame with LF-separated lines is those lines, as the same bytes would be on TCP.
            user.send("/ping one\r\n/ping two\n");
            assertThat(user.next(e -> type(e, "pong")).path("token").asText()).isEqualTo("one");
            assertThat(user.next(e -> type(e, "pong")).path("token").asText()).isEqualTo("two");

            // A message split into fragments is joined into one line.
            user.sendFrame(new TextWebSocketFrame(false, 0, "/ping fr"));
            user.sendFrame(new ContinuationWebSocketFrame(true, 0, "agments"));
            assertThat(user.next(e -> type(e, "pong")).path("token").asText()).isEqualTo("fragments");

            user.send("/quit done");
            assertThat(user.next(e -> type(e, "notice")).path("text").asText()).isEqualTo("bye");
            assertThat(user.awaitClose()).isEqualTo(1000);
        }
    }

    @Test
    void aWebSocketUserAndATcpUserChatBothWaysInOneRoom() throws Exception {
        String room = name("mixed");
        try (ChatUser bob = ChatUser.in(tcp, name("tcpbob"), room);
             NettyWsUser alice = NettyWsUser.in(http, name("wsalice"), room)) {
            bob.readUntil(alice.nick + " joined #" + room);

            alice.send("hello from the browser side");
            assertThat(bob.readUntil("<" + alice.nick + ">")).isEqualTo("#" + room + " <" + alice.nick
                    + "> hello from the browser side");

            bob.send("hello from nc");
            JsonNode message = alice.next(e -> type(e, "message"));
            assertThat(message.path("room").asText()).isEqualTo(room);
            assertThat(message.path("from").asText()).isEqualTo(bob.nick);
            assertThat(message.path("text").asText()).isEqualTo("hello from nc");
            assertThat(message.path("id").asLong()).isPositive();

            // Echo is off by default, as on TCP: the WebSocket user's own line did not come back.
            alice.send("/who " + room);
            JsonNode who = alice.next(e -> !type(e, "message") || !e.path("from").asText().equals(bob.nick));
            assertThat(who.path("type").asText()).isEqualTo("who");
            assertThat(who.path("nicks")).extracting(JsonNode::asText).containsExactlyInAnyOrder(alice.nick, bob.nick);

            // Private messages both ways, and the nick registry is shared.
            alice.send("/msg " + bob.nick + " psst");
            assertThat(bob.readUntil("*" + alice.nick + "*")).isEqualTo("*" + alice.nick + "* psst");
            bob.send("/msg " + alice.nick + " back at you");
            JsonNode pm = alice.next(e -> type(e, "private"));
            assertThat(pm.path("from").asText()).isEqualTo(bob.nick);
            assertThat(pm.path("text").asText()).isEqualTo("back at you");
            bob.send("/nick " + alice.nick);
            assertThat(bob.readUntil("!!!")).isEqualTo("!!! nick-taken: " + alice.nick + " is already in use");

            // History is shared: the WebSocket user asks for what the room said.
            alice.send("/history " + room + " since 0");
            JsonNode replay = alice.next(e -> type(e, "message") && e.path("replay").asBoolean());
            assertThat(replay.path("text").asText()).isEqualTo("hello from the browser side");

            // When the WebSocket user goes, the TCP user sees it leave.
            alice.close();
            assertThat(bob.readUntil(alice.nick + " quit #" + room)).contains(alice.nick);
        }
    }

    @Test
    void aFrameLongerThanMaxLineIsRefusedWith1009AndTheServerStaysUp() throws Exception {
        try (NettyWsUser big = NettyWsUser.connect(http)) {
            big.send("x".repeat(MAX_LINE + 1));
            assertThat(big.awaitClose()).isEqualTo(1009);
        }
        // Fragments adding up past the limit are refused the same way.
        try (NettyWsUser fragments = NettyWsUser.connect(http)) {
            fragments.sendFrame(new TextWebSocketFrame(false, 0, "y".repeat(MAX_LINE / 2 + 1)));
            fragments.sendFrame(new ContinuationWebSocketFrame(true, 0, "y".repeat(MAX_LINE / 2 + 1)));
            assertThat(fragments.awaitClose()).isEqualTo(1009);
        }
        // A line of exactly the limit is fine, and the server still answers.
        try (NettyWsUser next = NettyWsUser.connect(http)) {
            next.send("/ping " + "z".repeat(MAX_LINE - 6));
            assertThat(next.next(e -> type(e, "pong")).path("token").asText()).hasSize(MAX_LINE - 6);
        }
    }

    @Test
    void aClientStillSendingAHugeFrameReads1009InsteadOfAReset() throws Exception {
        // The server refuses at the frame header, while megabytes are still on their way: it must read and
        // drop them until the client closes, or the kernel's reset can overtake the close frame.
        byte[] huge = new byte[5 * 1024 * 1024];
        java.util.Arrays.fill(huge, (byte) 'x');
        try (RawWebSocket raw = RawWebSocket.open(http, 0)) {
            raw.writeFrame(0x1, huge, true);
            assertThat(raw.readUntilClosed()).isEqualTo(1009);
        }
        try (NettyWsUser next = NettyWsUser.connect(http)) {
            next.send("/ping after-huge");
            assertThat(next.next(e -> type(e, "pong")).path("token").asText()).isEqualTo("after-huge");
        }
    }

    @Test
    void aBinaryFrameGets1003() throws Exception {
        try (NettyWsUser user = NettyWsUser.connect(http)) {
            user.sendFrame(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
            assertThat(user.awaitClose()).isEqualTo(1003);
        }
    }

    @Test
    void malformedFramesCloseTheConnectionAndTheServerStaysUp() throws Exception {
        // A client frame without a mask: RFC 6455 says the server must close (1002, protocol error).
        try (RawWebSocket unmasked = RawWebSocket.open(http, 0)) {
            unmasked.writeFrame(0x1, "/ping x".getBytes(StandardCharsets.UTF_8), false);
            assertThat(unmasked.readUntilClosed()).isIn(1002, -1);
        }
        // A reserved opcode.
        try (RawWebSocket reserved = RawWebSocket.open(http, 0)) {
            reserved.writeFrame(0x3, "??".getBytes(StandardCharsets.UTF_8), true);
            assertThat(reserved.readUntilClosed()).isIn(1002, -1);
        }
        // Text that is not UTF-8.
        try (RawWebSocket invalid = RawWebSocket.open(http, 0)) {
            invalid.writeFrame(0x1, new byte[] {(byte) 0xc3, (byte) 0x28}, true);
            assertThat(invalid.readUntilClosed()).isIn(1007, -1);
        }
        try (NettyWsUser next = NettyWsUser.connect(http)) {
            next.send("/ping still-here");
            assertThat(next.next(e -> type(e, "pong")).path("token").asText()).isEqualTo("still-here");
        }
    }

    @Test
    void aForeignOriginIsRefused() throws Exception {
        try (NettyWsUser evil = NettyWsUser.open(http, "http://evil.example")) {
            assertThatThrownBy(() -> evil.handshake.get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .satisfies(t -> assertThat(NettyWsUser.refused(t.getCause()) || t.getCause().getMessage().contains("403"))
                            .as("refused: %s", t.getCause()).isTrue());
        }
        // Same host is fine.
        try (NettyWsUser same = NettyWsUser.open(http, "http://127.0.0.1:" + http)) {
            same.handshake.get(20, TimeUnit.SECONDS);
            assertThat(same.next().path("type").asText()).isEqualTo("welcome");
        }
    }

    @Test
    void aWebSocketReaderThatNeverReadsIsCutOffWhileTheOthersAreServed() throws Exception {
        String room = name("firehose");
        // 12 MB: more than the kernel buffers of the stalled connection can hide from the server.
        int lines = 12_000;
        String padding = "p".repeat(1000);
        try (RawWebSocket stalled = RawWebSocket.open(http, 4096);
             NettyWsUser reader = NettyWsUser.in(http, name("reader"), room);
             ChatUser tcpReader = ChatUser.in(tcp, name("tcpreader"), room);
             ChatUser sender = ChatUser.in(tcp, name("sender"), room)) {
            String stalledNick = name("stalled");
            stalled.sendText("/nick " + stalledNick);
            stalled.sendText("/join " + room);
            await().atMost(Duration.ofSeconds(20)).until(() -> server.chat().orElseThrow().nicks().find(stalledNick).isPresent());
            sender.readUntil(stalledNick + " joined #" + room);

            // The TCP reader reads all along, as a healthy client does, while the test reads the others.
            CompletableFuture<List<String>> tcpLines = CompletableFuture.supplyAsync(() -> {
                List<String> got = new ArrayList<>(lines);
                try {
                    for (int i = 0; i < lines; i++) {
                        got.add(tcpReader.readUntil("<" + sender.nick + ">"));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return got;
            });
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < lines; i++) {
                batch.append(i).append(' ').append(padding).append('\n');
                if (batch.length() > 64 * 1024) {
                    sender.client.sendRaw(batch.toString());
                    batch.setLength(0);
                }
            }
            sender.client.sendRaw(batch.toString());

            // The readers get every line, in order.
            for (int i = 0; i < lines; i++) {
                int n = i;
                JsonNode m = reader.next(e -> type(e, "message"));
                assertThat(m.path("text").asText()).isEqualTo(n + " " + padding);
            }
            List<String> got = tcpLines.get(60, TimeUnit.SECONDS);
            for (int i = 0; i < lines; i++) {
                assertThat(got.get(i)).endsWith("> " + i + " " + padding);
            }
            // The stalled one is gone from the server: its nick is free and the room no longer lists it.
            await().atMost(Duration.ofSeconds(30)).until(() -> server.chat().orElseThrow().nicks().find(stalledNick).isEmpty());
            assertThat(stalled.readUntilClosed()).isIn(1008, -1);
        }
    }
}
