package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every chat command and event over real sockets, in text and JSON, as a user of nc would see them. */
@Timeout(60)
class ChatIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger ROOMS = new AtomicInteger();
    private static ChorusServer server;
    private static int port;

    @BeforeAll
    static void start() throws InterruptedException {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).maxRoomsPerConnection(4).rateLimit(RateLimit.OFF).build());
        port = server.port(ChorusServer.Kind.CHAT_TCP);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String room() {
        return "room" + ROOMS.incrementAndGet();
    }

    private static String nick(String base) {
        return base + ROOMS.incrementAndGet();
    }

    private static JsonNode json(String line) throws IOException {
        return JSON.readTree(line);
    }

    private static JsonNode readJson(ChatUser user, String type) throws IOException {
        while (true) {
            JsonNode node = json(user.readLine());
            if (node.path("type").asText().equals(type)) {
                return node;
            }
        }
    }

    private static ChatUser jsonUser(String nick, String room) throws IOException {
        ChatUser user = ChatUser.in(port, nick, room);
        user.send("/format json");
        JsonNode welcome = json(user.readLine());
        assertThat(welcome.path("type").asText()).isEqualTo("welcome");
        assertThat(welcome.path("nick").asText()).isEqualTo(nick);
        assertThat(welcome.path("room").asText()).isEqualTo(room);
        return user;
    }

    @Test
    void newConnectionIsGreetedAsAGuestInTheLobby() throws IOException {
        try (LineClient client = LineClient.connect(port)) {
            assertThat(client.readLine()).matches(
                    "\\*\\*\\* Welcome to Chorus, guest-\\d+! You are in #lobby\\. Type /help for commands\\.");
            assertThat(client.readLine()).matches("\\*\\*\\* guest-\\d+ joined #lobby");
        }
    }

    @Test
    void roomMessageReachesOtherMembersButNotTheSenderOrOtherRooms() throws IOException {
        String room = room();
        String elsewhere = room();
        try (ChatUser alice = ChatUser.in(port, nick("alice"), room);
             ChatUser bob = ChatUser.in(port, nick("bob"), room);
             ChatUser carol = ChatUser.in(port, nick("carol"), elsewhere)) {
            alice.readUntil("*** " + bob.nick + " joined #" + room);
            alice.send("hello there");
            assertThat(bob.readLine()).isEqualTo("#" + room + " <" + alice.nick + "> hello there");
            assertThat(alice.nextLineBeforeWho(room)).startsWith("*** #" + room + ": ");
            assertThat(carol.nextLineBeforeWho(elsewhere)).isEqualTo("*** #" + elsewhere + ": " + carol.nick + " (1 member)");
        }
    }

    @Test
    void echoOnReturnsTheSendersOwnMessagesWithTheirIds() throws IOException {
        String room = room();
        try (ChatUser alice = jsonUser(nick("alice"), room)) {
            alice.send("/echo on");
            assertThat(readJson(alice, "notice").path("text").asText()).startsWith("echo is on");
            alice.send("first").send("second");
            JsonNode first = readJson(alice, "message");
            JsonNode second = readJson(alice, "message");
            assertThat(first.path("text").asText()).isEqualTo("first");
            assertThat(first.path("from").asText()).isEqualTo(alice.nick);
            assertThat(first.path("room").asText()).isEqualTo(room);
            assertThat(second.path("id").asLong()).isEqualTo(first.path("id").asLong() + 1);
            assertThat(Instant.parse(first.path("ts").asText())).isBeforeOrEqualTo(Instant.now());
        }
    }

    @Test
    void jsonEventsCarryTheFixedFields() throws IOException {
        String room = room();
        try (ChatUser alice = jsonUser(nick("alice"), room); ChatUser bob = jsonUser(nick("bob"), room)) {
            JsonNode join = readJson(alice, "join");
            assertThat(join.path("room").asText()).isEqualTo(room);
            assertThat(join.path("nick").asText()).isEqualTo(bob.nick);

            bob.send("/me waves");
            JsonNode action = readJson(alice, "action");
            assertThat(action.path("from").asText()).isEqualTo(bob.nick);
            assertThat(action.path("text").asText()).isEqualTo("waves");
            assertThat(action.has("id")).isTrue();
            assertThat(action.has("ts")).isTrue();

            bob.send("/msg " + alice.nick + " psst");
            JsonNode pm = readJson(alice, "private");
            assertThat(pm.path("from").asText()).isEqualTo(bob.nick);
            assertThat(pm.path("to").asText()).isEqualTo(alice.nick);
            assertThat(pm.path("text").asText()).isEqualTo("psst");
            assertThat(pm.has("ts")).isTrue();

            alice.send("/who");
            JsonNode who = readJson(alice, "who");
            assertThat(who.path("room").asText()).isEqualTo(room);
            List<String> nicks = new ArrayList<>();
            who.path("nicks").forEach(n -> nicks.add(n.asText()));
            assertThat(nicks).containsExactlyInAnyOrder(alice.nick, bob.nick);

            alice.send("/rooms");
            JsonNode rooms = readJson(alice, "rooms");
            boolean found = false;
            for (JsonNode r : rooms.path("rooms")) {
                if (r.path("name").asText().equals(room)) {
                    assertThat(r.path("members").asInt()).isEqualTo(2);
                    found = true;
                }
            }
            assertThat(found).as("rooms lists %s: %s", room, rooms).isTrue();

            alice.send("/ping abc");
            assertThat(readJson(alice, "pong").path("token").asText()).isEqualTo("abc");

            alice.send("/nick " + alice.nick + "x");
            JsonNode nickEvent = readJson(bob, "nick");
            assertThat(nickEvent.path("old").asText()).isEqualTo(alice.nick);
            assertThat(nickEvent.path("new").asText()).isEqualTo(alice.nick + "x");

            bob.send("/frobnicate");
            JsonNode error = readJson(bob, "error");
            assertThat(error.path("code").asText()).isEqualTo("unknown-command");
            assertThat(error.path("message").asText()).contains("/frobnicate");

            bob.send("/leave");
            JsonNode leave = readJson(alice, "leave");
            assertThat(leave.path("room").asText()).isEqualTo(room);
            assertThat(leave.path("nick").asText()).isEqualTo(bob.nick);
            assertThat(leave.has("reason")).isTrue();
        }
    }

    @Test
    void nickRulesAreEnforced() throws IOException {
        String room = room();
        try (ChatUser alice = ChatUser.in(port, nick("Alice"), room); ChatUser bob = ChatUser.in(port, nick("bob"), room)) {
            alice.readUntil("joined #" + room);
            bob.send("/nick " + alice.nick.toLowerCase());
            assertThat(bob.readLine()).isEqualTo("!!! nick-taken: " + alice.nick.toLowerCase() + " is already in use");
            bob.send("/nick bad name!");
            assertThat(bob.readLine()).startsWith("!!! ");
            bob.send("/nick " + "x".repeat(25));
            assertThat(bob.readLine()).startsWith("!!! invalid-nick: ");
            String renamed = nick("robert");
            bob.send("/nick " + renamed);
            assertThat(bob.readLine()).isEqualTo("*** " + bob.nick + " is now known as " + renamed);
            assertThat(alice.readLine()).isEqualTo("*** " + bob.nick + " is now known as " + renamed + " in #" + room);
        }
    }

    @Test
    void joinAndLeaveAreAnnouncedAndRoomsAreCaseInsensitive() throws IOException {
        String room = room();
        try (ChatUser alice = ChatUser.in(port, nick("alice"), room); ChatUser bob = ChatUser.connect(port)) {
            bob.send("/join #" + room.toUpperCase());
            assertThat(alice.readLine()).isEqualTo("*** " + bob.nick + " joined #" + room);
            bob.send("in the room");
            assertThat(alice.readLine()).isEqualTo("#" + room + " <" + bob.nick + "> in the room");
            bob.send("/leave #" + room);
            assertThat(alice.readLine()).isEqualTo("*** " + bob.nick + " left #" + room);
            bob.send("/leave " + room);
            assertThat(bob.readUntil("!!! ")).isEqualTo("!!! not-in-room: you are not in #" + room);
        }
    }

    @Test
    void privateMessagesReachOnlyTheirTarget() throws IOException {
        String room = room();
        try (ChatUser alice = ChatUser.in(port, nick("alice"), room);
             ChatUser bob = ChatUser.in(port, nick("bob"), room);
             ChatUser eve = ChatUser.in(port, nick("eve"), room)) {
            alice.send("/msg " + bob.nick.toUpperCase() + " meet at noon");
            assertThat(bob.readUntil("*" + alice.nick + "*")).isEqualTo("*" + alice.nick + "* meet at noon");
            assertThat(eve.nextLineBeforeWho(room)).startsWith("*** #" + room + ": ");
            alice.send("/msg nobody-here hi");
            assertThat(alice.readUntil("!!!")).isEqualTo("!!! no-such-nick: nobody-here is not connected");
        }
    }

    @Test
    void historyReplaysTheLastMessagesAndResumesSinceAnId() throws IOException {
        String room = room();
        try (ChatUser alice = jsonUser(nick("alice"), room)) {
            alice.send("/echo on");
            for (int i = 1; i <= 5; i++) {
                alice.send("msg " + i);
            }
            long thirdId = 0;
            for (int i = 1; i <= 5; i++) {
                JsonNode m = readJson(alice, "message");
                if (i == 3) {
                    thirdId = m.path("id").asLong();
                }
            }
            alice.send("/history 2");
            JsonNode a = readJson(alice, "message");
            JsonNode b = readJson(alice, "message");
            assertThat(List.of(a.path("text").asText(), b.path("text").asText())).containsExactly("msg 4", "msg 5");
            assertThat(a.path("replay").asBoolean()).isTrue();
            JsonNode end = readJson(alice, "history");
            assertThat(end.path("complete").asBoolean()).isTrue();
            assertThat(end.path("messages").asInt()).isEqualTo(2);

            alice.send("/history " + room + " since " + thirdId);
            assertThat(readJson(alice, "message").path("text").asText()).isEqualTo("msg 4");
            assertThat(readJson(alice, "message").path("text").asText()).isEqualTo("msg 5");
            JsonNode since = readJson(alice, "history");
            assertThat(since.path("complete").asBoolean()).isTrue();
            assertThat(since.path("room").asText()).isEqualTo(room);
        }
    }

    @Test
    void historyIsPartialOnceOldMessagesAreGoneAndPrivateToMembers() throws Exception {
        try (ChorusServer small = ChorusServer.start(ServerConfig.builder().ephemeralLoopback()
                .echoPort(ServerConfig.DISABLED).udpPort(ServerConfig.DISABLED).historySize(3).build())) {
            int smallPort = small.port(ChorusServer.Kind.CHAT_TCP);
            try (ChatUser alice = ChatUser.in(smallPort, "alice", "dev"); ChatUser outsider = ChatUser.connect(smallPort)) {
                alice.send("/echo on");
                alice.readUntil("echo is on");
                for (int i = 1; i <= 6; i++) {
                    alice.send("m" + i);
                    alice.readUntil("> m" + i);
                }
                alice.send("/history dev since 1");
                assertThat(alice.readLine()).endsWith("#dev <alice> m4");
                assertThat(alice.readLine()).endsWith("#dev <alice> m5");
                assertThat(alice.readLine()).endsWith("#dev <alice> m6");
                assertThat(alice.readLine()).startsWith("*** end of history for #dev: 3 messages, partial");
                alice.send("/history 10");
                alice.readUntil("m6");
                assertThat(alice.readLine()).contains("partial");
                // An id above any this room issued (from a later run, or another server) is not this room's.
                alice.send("/history dev since 8000000000000000");
                assertThat(alice.readUntil("end of history")).startsWith("*** end of history for #dev: 0 messages, partial");
                outsider.send("/history dev since 0");
                assertThat(outsider.readUntil("!!!")).isEqualTo("!!! not-in-room: join #dev to read its history");
                outsider.send("/history nowhere since 0");
                assertThat(outsider.readUntil("!!!")).isEqualTo("!!! no-such-room: #nowhere does not exist");
            }
        }
    }

    @Test
    void quitIsAnnouncedWithItsReasonAndClosesTheConnection() throws IOException {
        String room = room();
        try (ChatUser alice = ChatUser.in(port, nick("alice"), room); ChatUser bob = ChatUser.in(port, nick("bob"), room)) {
            bob.send("/quit see you");
            assertThat(alice.readUntil(bob.nick)).isEqualTo("*** " + bob.nick + " joined #" + room);
            assertThat(alice.readUntil(bob.nick)).isEqualTo("*** " + bob.nick + " quit #" + room + " (see you)");
            assertThat(bob.readUntil("bye")).isEqualTo("*** bye");
            assertThat(bob.client.awaitClosed()).isTrue();
        }
    }

    @Test
    void abruptDisconnectIsSeenAsAQuitByTheOthers() throws IOException {
        String room = room();
        try (ChatUser alice = ChatUser.in(port, nick("alice"), room)) {
            ChatUser bob = ChatUser.in(port, nick("bob"), room);
            alice.readUntil("*** " + bob.nick + " joined");
            bob.client.reset();
            assertThat(alice.readLine()).isEqualTo("*** " + bob.nick + " quit #" + room + " (connection closed)");
        }
    }

    @Test
    void controlCharactersAreStrippedBeforeBroadcast() throws IOException {
        String room = room();
        try (ChatUser alice = ChatUser.in(port, nick("alice"), room); ChatUser bob = ChatUser.in(port, nick("bob"), room)) {
            alice.readUntil("joined #" + room);
            bob.send("\u001b[2J\u001b[Hhi\u0007 there\u009b31m\u0000!");
            assertThat(alice.readLine()).isEqualTo("#" + room + " <" + bob.nick + "> hi there!");
            bob.send("tab\tkept");
            assertThat(alice.readLine()).isEqualTo("#" + room + " <" + bob.nick + "> tab\tkept");
        }
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() throws IOException {
        String room = room();
        try (ChatUser alice = ChatUser.in(port, nick("alice"), room); ChatUser bob = ChatUser.in(port, nick("bob"), room)) {
            alice.readUntil("joined #" + room);
            Socket raw = bob.client.socket();
            raw.getOutputStream().write(new byte[] {'o', 'k', ' ', (byte) 0xC3, (byte) 0x28, ' ', (byte) 0xFF, '\n'});
            assertThat(alice.readLine()).isEqualTo("#" + room + " <" + bob.nick + "> ok \uFFFD( \uFFFD");
        }
    }

    @Test
    void overlongLineGetsAnErrorAndNothingIsBroadcast() throws IOException {
        String room = room();
        try (ChatUser alice = ChatUser.in(port, nick("alice"), room); ChatUser bob = ChatUser.in(port, nick("bob"), room)) {
            alice.readUntil("joined #" + room);
            bob.send("y".repeat(10_000));
            assertThat(bob.readLine()).isEqualTo("!!! line-too-long: line longer than 4096 bytes was discarded");
            bob.send("short");
            assertThat(alice.readLine()).isEqualTo("#" + room + " <" + bob.nick + "> short");
        }
    }

    @Test
    void unknownCommandsAndLiteralSlashes() throws IOException {
        String room = room();
        try (ChatUser alice = ChatUser.in(port, nick("alice"), room); ChatUser bob = ChatUser.in(port, nick("bob"), room)) {
            alice.readUntil("joined #" + room);
            bob.send("/shrug");
            assertThat(bob.readLine()).isEqualTo("!!! unknown-command: unknown command /shrug; try /help");
            bob.send("//shrug");
            assertThat(alice.readLine()).isEqualTo("#" + room + " <" + bob.nick + "> /shrug");
            bob.send("/help");
            assertThat(bob.readLine()).startsWith("*** ");
            bob.send("/ping tok-1");
            assertThat(bob.readUntil("*** pong")).isEqualTo("*** pong tok-1");
        }
    }

    @Test
    void roomsPerConnectionAreBounded() throws IOException {
        try (ChatUser user = ChatUser.connect(port)) {
            for (int i = 0; i < 3; i++) {
                String r = room();
                user.send("/join " + r);
                user.readUntil("joined #" + r);
            }
            user.send("/join " + room());
            assertThat(user.readUntil("!!!")).isEqualTo("!!! too-many-rooms: you can be in at most 4 rooms; /leave one first");
        }
    }

    @Test
    void aBurstOfTwoThousandLinesArrivesCompleteAndInOrder() throws IOException {
        String room = room();
        List<ChatUser> members = new ArrayList<>();
        try (ChatUser sender = ChatUser.in(port, nick("sender"), room)) {
            for (int i = 0; i < 3; i++) {
                members.add(ChatUser.in(port, nick("reader"), room));
            }
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                burst.append("line ").append(i).append(i % 3 == 0 ? "\r\n" : "\n");
            }
            sender.client.sendRaw(burst.toString().getBytes(StandardCharsets.UTF_8));
            for (ChatUser member : members) {
                for (int i = 0; i < 2000; i++) {
                    assertThat(member.readUntil("<" + sender.nick + ">")).isEqualTo("#" + room + " <" + sender.nick + "> line " + i);
                }
            }
        } finally {
            for (ChatUser member : members) {
                member.close();
            }
        }
    }

    @Test
    void severalSendersIntoOneRoomKeepEachSendersOrder() throws Exception {
        String room = room();
        int senders = 5;
        int readers = 10;
        int lines = 200;
        List<ChatUser> all = new ArrayList<>();
        try {
            for (int i = 0; i < readers; i++) {
                all.add(jsonUser(nick("r"), room));
            }
            List<ChatUser> writers = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                writers.add(ChatUser.in(port, nick("w"), room));
            }
            all.addAll(writers);
            List<Thread> threads = new ArrayList<>();
            for (ChatUser writer : writers) {
                Thread t = new Thread(() -> {
                    try {
                        StringBuilder sb = new StringBuilder();
                        for (int i = 0; i < lines; i++) {
                            sb.append(i).append('\n');
                        }
                        writer.client.sendRaw(sb.toString());
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            for (int r = 0; r < readers; r++) {
                ChatUser reader = all.get(r);
                java.util.Map<String, Integer> nextBySender = new java.util.HashMap<>();
                long lastId = 0;
                int received = 0;
                while (received < senders * lines) {
                    JsonNode node = json(reader.readLine());
                    if (!node.path("type").asText().equals("message")) {
                        continue;
                    }
                    String from = node.path("from").asText();
                    int expected = nextBySender.getOrDefault(from, 0);
                    assertThat(node.path("text").asText()).isEqualTo(Integer.toString(expected));
                    nextBySender.put(from, expected + 1);
                    assertThat(node.path("id").asLong()).isGreaterThan(lastId);
                    lastId = node.path("id").asLong();
                    received++;
                }
                assertThat(nextBySender).hasSize(senders).allSatisfy((k, v) -> assertThat(v).isEqualTo(lines));
            }
        } finally {
            for (ChatUser user : all) {
                user.close();
            }
        }
    }

    @Test
    void thousandsOfCommandsInOneWriteAreSlowedNotCutOff() throws Exception {
        String room = room();
        try (ChatUser busy = ChatUser.in(port, nick("busy"), room); ChatUser talker = ChatUser.in(port, nick("talker"), room)) {
            busy.readUntil("joined #" + room);
            int pings = 20_000;
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < pings; i++) {
                burst.append("/ping ").append(i).append('\n');
            }
            Thread writer = new Thread(() -> {
                try {
                    busy.client.sendRaw(burst.toString());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            // Room traffic arrives while busy's own replies are backed up; it must not cut busy off.
            for (int i = 0; i < 50; i++) {
                talker.send("chatter " + i);
            }
            int pongs = 0;
            int chatter = 0;
            while (pongs < pings || chatter < 50) {
                String line = busy.readLine();
                assertThat(line).as("busy stays connected").isNotNull().doesNotStartWith("!!!");
                if (line.startsWith("*** pong ")) {
                    assertThat(line).isEqualTo("*** pong " + pongs);
                    pongs++;
                } else if (line.contains("<" + talker.nick + ">")) {
                    chatter++;
                }
            }
            writer.join();
        }
    }

    @Test
    void aNickChangeIsAnnouncedOncePerSharedRoomAndEachNoticeNamesItsRoom() throws IOException {
        String first = room();
        String second = room();
        try (ChatUser alice = ChatUser.in(port, nick("alice"), first); ChatUser bob = ChatUser.in(port, nick("bob"), first)) {
            alice.readUntil("*** " + bob.nick + " joined #" + first);
            alice.send("/join " + second);
            alice.readUntil("*** " + alice.nick + " joined #" + second);
            bob.send("/join " + second);
            alice.readUntil("*** " + bob.nick + " joined #" + second);
            String renamed = nick("robert");
            bob.send("/nick " + renamed);
            bob.readUntil("is now known as " + renamed);
            // A /who travels behind everything its room sent, so once both answers are in, every notice is too.
            alice.send("/who " + first);
            alice.send("/who " + second);
            List<String> notices = new ArrayList<>();
            int answers = 0;
            while (answers < 2) {
                String line = alice.readLine();
                if (line.startsWith("*** #")) {
                    answers++;
                } else {
                    notices.add(line);
                }
            }
            assertThat(notices).containsExactlyInAnyOrder(
                    "*** " + bob.nick + " is now known as " + renamed + " in #" + first,
                    "*** " + bob.nick + " is now known as " + renamed + " in #" + second);
        }
    }
}
