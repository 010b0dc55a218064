package io.chorus.server.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.server.echo.EchoMode;
import io.chorus.testing.LineClient;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Invalid UTF-8, terminal escape sequences and random bytes (from a seeded {@link Random}) on the chat
 * and echo ports. The server survives, the senders get error lines at most, the other users lose
 * nothing, and no control character or escape ever reaches another user.
 */
@Timeout(120)
class GarbageIT {

    private static final long SEED = 0x6A5BA6EL;
    private static final int GARBAGE_SENDERS = 3;
    private static final int GARBAGE_BYTES = 512 * 1024;
    private static final int MAX_LINE = ServerConfig.DEFAULT_MAX_LINE_BYTES;
    private static final String TOO_LONG = "!!! line-too-long: line longer than 4096 bytes was discarded";
    /** The only errors a garbage sender may get on the chat port. */
    private static final Set<String> ALLOWED_ERRORS = Set.of("unknown-command", "empty-message", "line-too-long",
            "usage", "invalid-nick", "invalid-room", "no-such-nick", "no-such-room", "too-many-rooms", "nick-taken");

    /** Byte sequences that are not UTF-8, or that are control sequences once decoded. */
    private static final byte[][] NASTY = {
        {(byte) 0xC0, (byte) 0xAF},                       // overlong '/'
        {(byte) 0xC0, (byte) 0x80},                       // overlong NUL
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80},          // UTF-16 surrogate encoded as UTF-8
        {(byte) 0x80, (byte) 0xBF},                       // lone continuation bytes
        {(byte) 0xE2, (byte) 0x82},                       // truncated three-byte sequence
        {(byte) 0xF5, (byte) 0xFE, (byte) 0xFF},          // bytes that never occur in UTF-8
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
        bytes("\u001b[2J\u001b[H"),                       // clear screen, cursor home
        bytes("\u001b]0;pwned\u0007"),                    // set the window title
        bytes("\u001b]8;;http://evil\u001b\\"),           // hyperlink, ST-terminated
        bytes("\u009b31m"),                               // C1 CSI, as UTF-8
        bytes("\u0085\u0007\u0000\u007f\u0008\u000b\f"), // NEL, BEL, NUL, DEL, BS, VT, FF
        bytes("\r"),                                      // a lone CR
        bytes("\u001bP1;2|junk\u001b\\"),                 // DCS
    };

    @Test
    void garbageOnTheChatPortNeverReachesOthersAsControlCharacters() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .echoPort(ServerConfig.DISABLED).rateLimit(RateLimit.OFF).maxConnectionsPerIp(0).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            Footprint baseline = Footprint.now();

            Inbox alice = Inbox.of(LineClient.connect(port), "alice");
            alice.send("/nick alice");
            alice.awaitContaining("is now known as alice");
            RawObserver text = RawObserver.connect(port, "/nick text-reader", false);
            RawObserver json = RawObserver.connect(port, "/nick json-reader\n/format json", true);

            List<Inbox> senders = new ArrayList<>();
            for (int i = 0; i < GARBAGE_SENDERS; i++) {
                Inbox sender = Inbox.of(LineClient.connect(port), "garbage-" + i);
                sender.send("/nick garbage-" + i);
                sender.awaitContaining("is now known as garbage-" + i);
                senders.add(sender);
            }
            alice.awaitContaining("is now known as garbage-" + (GARBAGE_SENDERS - 1));

            Random random = new Random(SEED);
            List<CompletableFuture<Void>> floods = new ArrayList<>();
            for (Inbox sender : senders) {
                byte[] garbage = garbage(random, GARBAGE_BYTES);
                long splitSeed = random.nextLong();
                floods.add(CompletableFuture.runAsync(() -> writeInPieces(sender.client(), garbage, new Random(splitSeed))));
            }
            int said = 0;
            while (floods.stream().anyMatch(f -> !f.isDone()) || said < 300) {
                alice.send("hello " + said++);
                Thread.sleep(3);
            }
            CompletableFuture.allOf(floods.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            // Each garbage sender is still connected and answered in order; then alice says a last word.
            for (int i = 0; i < senders.size(); i++) {
                Inbox sender = senders.get(i);
                sender.client().sendRaw("\n/ping after-garbage-" + i + "\n");
                String pong = "*** pong after-garbage-" + i;
                sender.await(pong::equals, Duration.ofSeconds(30));
                for (String line : sender.seen()) {
                    if (line.startsWith("!!! ")) {
                        assertThat(line.substring(4, line.indexOf(':'))).as(line).isIn(ALLOWED_ERRORS);
                    }
                }
            }
            alice.send("last");
            for (RawObserver observer : List.of(text, json)) {
                observer.awaitLast(Duration.ofSeconds(30));
                assertThat(observer.violations).as("lines with control characters or invalid UTF-8").isEmpty();
                assertThat(observer.fromAlice).as("alice's messages, in order").isEqualTo(said);
                assertThat(observer.fromGarbage.get()).as("garbage lines delivered, cleaned").isPositive();
            }
            System.out.printf("garbage (chat): %d senders x %d KiB; alice said %d; delivered cleaned garbage lines:"
                    + " text %d, json %d%n", GARBAGE_SENDERS, GARBAGE_BYTES / 1024, said, text.fromGarbage.get(),
                    json.fromGarbage.get());

            for (Inbox sender : senders) {
                sender.close();
            }
            alice.close();
            text.close();
            json.close();
            Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
        }
    }

    @Test
    void garbageOnTheEchoPortComesBackByteForByteLineByLine() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .chatPort(ServerConfig.DISABLED).echoMode(EchoMode.LINE).maxConnectionsPerIp(0).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            int port = server.port(ChorusServer.Kind.ECHO_TCP);
            Footprint baseline = Footprint.now();
            Random random = new Random(SEED + 1);
            List<CompletableFuture<Void>> senders = new ArrayList<>();
            for (int i = 0; i < GARBAGE_SENDERS; i++) {
                byte[] garbage = garbage(random, GARBAGE_BYTES);
                long splitSeed = random.nextLong();
                senders.add(CompletableFuture.runAsync(() -> echoesExactly(port, garbage, new Random(splitSeed))));
            }
            try (LineClient bystander = LineClient.connect(port)) {
                int sent = 0;
                while (senders.stream().anyMatch(f -> !f.isDone()) || sent < 100) {
                    bystander.send("plain " + sent);
                    assertThat(bystander.readLine()).isEqualTo("plain " + sent);
                    sent++;
                }
            }
            CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
        }
    }

    /** Sends {@code garbage} in random pieces, half-closes, and checks the reply against the reference splitter. */
    private static void echoesExactly(int port, byte[] garbage, Random split) {
        try (LineClient client = LineClient.connect(port)) {
            client.timeout(Duration.ofSeconds(30));
            CompletableFuture<byte[]> reply = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.socket().getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writeInPieces(client, garbage, split);
            client.socket().shutdownOutput();
            byte[] got = reply.get(60, TimeUnit.SECONDS);
            byte[] expected = expectedEcho(garbage);
            if (!Arrays.equals(got, expected)) {
                throw new AssertionError("echo differs at byte " + Arrays.mismatch(got, expected) + " of "
                        + expected.length + " (got " + got.length + ")");
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** What the echo port must answer: each LF line without one CR before the LF, or the error for a long one. */
    private static byte[] expectedEcho(byte[] input) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int start = 0;
        for (int i = 0; i < input.length; i++) {
            if (input[i] == '\n') {
                int end = i > start && input[i - 1] == '\r' ? i - 1 : i;
                if (end - start > MAX_LINE) {
                    out.writeBytes(bytes(TOO_LONG));
                } else {
                    out.write(input, start, end - start);
                }
                out.write('\n');
                start = i + 1;
            }
        }
        assertThat(start).as("garbage ends with LF").isEqualTo(input.length);
        return out.toByteArray();
    }

    /** Random bytes, nasty sequences, long lines, printable text, CRLF and LF; always ends with LF. */
    static byte[] garbage(Random random, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + MAX_LINE * 3);
        while (out.size() < size) {
            switch (random.nextInt(6)) {
                case 0 -> {
                    byte[] noise = new byte[1 + random.nextInt(300)];
                    random.nextBytes(noise);
                    out.writeBytes(noise);
                }
                case 1, 2 -> out.writeBytes(NASTY[random.nextInt(NASTY.length)]);
                case 3 -> out.writeBytes(bytes("text " + random.nextInt(1000) + " "));
                case 4 -> out.writeBytes(random.nextBoolean() ? bytes("\r\n") : bytes("\n"));
                default -> {
                    if (random.nextInt(20) == 0) {
                        // A line a little over or under the limit.
                        byte[] line = new byte[MAX_LINE - 2 + random.nextInt(5)];
                        Arrays.fill(line, (byte) ('a' + random.nextInt(26)));
                        out.writeBytes(line);
                        out.write('\n');
                    }
                }
            }
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void writeInPieces(LineClient client, byte[] data, Random split) {
        try {
            OutputStream out = client.socket().getOutputStream();
            int at = 0;
            while (at < data.length) {
                int n = Math.min(data.length - at, 1 + split.nextInt(8192));
                out.write(data, at, n);
                at += n;
            }
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** True for the characters no other user may ever receive: C0 but TAB, DEL, C1 (ESC and CSI among them). */
    private static boolean isControl(int c) {
        return (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f);
    }

    private static int firstControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (isControl(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A chat user that reads raw bytes, so nothing is hidden by a lenient decoder: every line must be
     * strict UTF-8 without control characters; JSON lines are also parsed and their text checked.
     */
    private static final class RawObserver implements AutoCloseable {
        private static final ObjectMapper MAPPER = new ObjectMapper();

        final List<String> violations = new CopyOnWriteArrayList<>();
        final AtomicInteger fromGarbage = new AtomicInteger();
        volatile int fromAlice;
        private final LineClient client;
        private final boolean json;
        private final CompletableFuture<Void> sawLast = new CompletableFuture<>();
        private volatile String lastLine;
        private volatile String ended;
        private boolean inJson;

        private RawObserver(LineClient client, boolean json) {
            this.client = client;
            this.json = json;
        }

        static RawObserver connect(int port, String setup, boolean json) throws IOException {
            LineClient client = LineClient.connect(port);
            client.send(setup);
            RawObserver observer = new RawObserver(client, json);
            Thread reader = new Thread(observer::readAll, "raw-observer");
            reader.setDaemon(true);
            reader.start();
            return observer;
        }

        void awaitLast(Duration atMost) throws Exception {
            try {
                sawLast.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError((json ? "json" : "text") + " reader saw no last word from alice: "
                        + fromAlice + " from alice, " + fromGarbage + " from garbage senders, last line: " + lastLine
                        + ", ended: " + ended + ", violations: " + violations.size(), e);
            }
        }

        private void readAll() {
            try {
                client.timeout(Duration.ZERO);
                InputStream in = new BufferedInputStream(client.socket().getInputStream(), 64 * 1024);
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    if (b == '\n') {
                        check(line.toByteArray());
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
                ended = "EOF";
            } catch (IOException e) {
                ended = e.toString();
            } catch (Throwable t) {
                sawLast.completeExceptionally(t);
            }
        }

        private void check(byte[] raw) throws IOException {
            String line;
            try {
                line = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
            } catch (CharacterCodingException e) {
                violations.add("invalid UTF-8: " + Arrays.toString(raw));
                return;
            }
            if (firstControl(line) >= 0) {
                violations.add("control character at " + firstControl(line) + ": " + line);
            }
            lastLine = line;
            String from;
            String message;
            if (json && !inJson && !line.startsWith("{")) {
                return; // the greeting, before /format json took effect
            }
            if (json) {
                inJson = true;
                JsonNode event = MAPPER.readTree(line);
                from = event.path("from").asText("");
                message = event.path("text").asText("");
                if (firstControl(message) >= 0) {
                    violations.add("control character in JSON text: " + line);
                }
            } else {
                int close = line.indexOf("> ");
                boolean isMessage = line.startsWith("#lobby <") && close > 0;
                from = isMessage ? line.substring("#lobby <".length(), close) : "";
                message = isMessage ? line.substring(close + 2) : "";
            }
            if (from.startsWith("garbage-")) {
                fromGarbage.incrementAndGet();
            } else if (from.equals("alice")) {
                if (message.equals("last")) {
                    sawLast.complete(null);
                } else if (!message.equals("hello " + fromAlice++)) {
                    violations.add("out of order from alice: " + line);
                }
            }
        }

        @Override
        public void close() throws IOException {
            client.close();
        }
    }
}
