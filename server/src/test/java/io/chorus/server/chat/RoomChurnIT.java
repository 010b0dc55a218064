package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.JsonEventDecoder;
import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 9, item 1, over real sockets: empty rooms are freed (with their history, outboxes and registry
 * entry) after the room TTL, so {@code --max-rooms} counts rooms that exist now; ids never repeat for a
 * room name within a run, and a resume after the room was freed is honestly partial.
 */
@Timeout(300)
class RoomChurnIT {

    private static final int CHURN_ROOMS = 50_000;
    private static final int CHURN_CONNECTIONS = 5;

    private static ServerConfig.Builder server() {
        return ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED).udpPort(ServerConfig.DISABLED)
                .rateLimit(RateLimit.OFF).maxConnectionsPerIp(0);
    }

    @Test
    void joinLeaveQuitOneAfterAnotherNeverRunsOutOfRooms() throws Exception {
        try (ChorusServer server = ChorusServer.start(server().roomTtl(Duration.ZERO).maxRooms(5).build())) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            for (int i = 1; i <= 7; i++) {
                try (LineClient client = LineClient.connect(port)) {
                    client.send("/nick churner" + i);
                    client.readUntil("is now known as churner" + i);
                    client.send("/join r" + i);
                    assertThat(answer(client, "#r" + i)).as("join of r%d", i).isEqualTo("*** churner" + i + " joined #r" + i);
                    client.send("/leave r" + i);
                    assertThat(client.readUntil("#r" + i)).isEqualTo("*** churner" + i + " left #r" + i);
                    client.send("/quit");
                    client.readUntil("*** bye");
                    assertThat(client.awaitClosed()).isTrue();
                }
            }
            // Every room, the lobby included, was freed once its last member left.
            RoomRegistry<Room> rooms = server.chat().orElseThrow().rooms();
            await().atMost(Duration.ofSeconds(30)).until(() -> rooms.count() == 0 && rooms.size() == 0);
        }
    }

    /** The next line that is an error or mentions {@code fragment}. */
    private static String answer(LineClient client, String fragment) throws Exception {
        String line;
        do {
            line = client.readLine();
        } while (line != null && !line.startsWith("!!!") && !line.contains(fragment));
        return line;
    }

    @Test
    void fiftyThousandRoomNamesLeaveNothingBehind() throws Exception {
        try (ChorusServer server = ChorusServer.start(server().roomTtl(Duration.ZERO).build())) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            ChatService chat = server.chat().orElseThrow();
            List<LineClient> clients = new ArrayList<>();
            for (int c = 0; c < CHURN_CONNECTIONS; c++) {
                LineClient client = LineClient.connect(port);
                client.timeout(Duration.ofSeconds(60));
                client.readUntil("joined #lobby");
                clients.add(client);
            }
            // Baseline: the connections are in, the lobby exists, nothing else.
            await().atMost(Duration.ofSeconds(30)).until(() -> chat.rooms().count() == 1);
            int roomsBefore = chat.rooms().count();
            int outboxesBefore = outboxes(chat);
            int ledgersBefore = chat.historyBudget().ledgers();
            long heapBefore = liveHeap();

            ExecutorService pool = Executors.newFixedThreadPool(CHURN_CONNECTIONS);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int c = 0; c < CHURN_CONNECTIONS; c++) {
                    LineClient client = clients.get(c);
                    int first = c * (CHURN_ROOMS / CHURN_CONNECTIONS);
                    int count = CHURN_ROOMS / CHURN_CONNECTIONS;
                    done.add(pool.submit(() -> churn(client, first, count)));
                }
                for (Future<Integer> f : done) {
                    assertThat(f.get(240, TimeUnit.SECONDS)).as("rooms joined and left by one connection")
                            .isEqualTo(CHURN_ROOMS / CHURN_CONNECTIONS);
                }
            } finally {
                pool.shutdownNow();
            }

            // Expiry runs on each room's loop after the last leave; wait for it, not for a time.
            await().atMost(Duration.ofSeconds(60)).until(() -> chat.rooms().count() == roomsBefore);
            assertThat(chat.rooms().size()).isEqualTo(roomsBefore);
            assertThat(outboxes(chat)).isEqualTo(outboxesBefore);
            assertThat(chat.historyBudget().ledgers()).isEqualTo(ledgersBefore);
            long heapAfter = liveHeap();
            // 50,000 rooms held would be about 300 MB (6 KB each, docs/OPERATIONS.md); freed, the live heap
            // is back within the noise of the test's own objects.
            assertThat(heapAfter - heapBefore).as("live heap growth, bytes").isLessThan(32L << 20);
            System.out.printf("room churn: %d rooms, live heap before %d KB, after %d KB%n", CHURN_ROOMS,
                    heapBefore >> 10, heapAfter >> 10);

            // New rooms can still be made, and messages flow in them.
            LineClient client = clients.get(0);
            client.send("/nick after");
            client.readUntil("is now known as after");
            client.send("/join fresh");
            assertThat(client.readUntil("#fresh")).isEqualTo("*** after joined #fresh");
            for (LineClient c : clients) {
                c.close();
            }
            // Closed connections leave nothing behind either: no nick, no budget account, no room.
            await().atMost(Duration.ofSeconds(30)).until(() -> chat.nicks().size() == 0
                    && chat.outboundBudget().accounts() == 0 && chat.rooms().count() == 0);
            assertThat(chat.outboundBudget().total()).isZero();
        }
    }

    /** Joins and leaves {@code count} distinct rooms, pipelined, reading the replies as they come. */
    private static int churn(LineClient client, int first, int count) throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            Future<?> sent = writer.submit(() -> {
                StringBuilder batch = new StringBuilder();
                for (int i = first; i < first + count; i++) {
                    batch.append("/join c").append(i).append("\n/leave c").append(i).append('\n');
                    if (batch.length() > 16 * 1024) {
                        client.sendRaw(batch.toString());
                        batch.setLength(0);
                    }
                }
                batch.append("/ping churned\n");
                client.sendRaw(batch.toString());
                return null;
            });
            int left = 0;
            String line;
            while (!(line = client.readLine()).equals("*** pong churned")) {
                assertThat(line).doesNotStartWith("!!!");
                if (line.contains(" left #c")) {
                    left++;
                }
            }
            sent.get();
            return left;
        } finally {
            writer.shutdownNow();
        }
    }

    @Test
    void aJoinWithinTheTtlFindsTheHistory() throws Exception {
        try (ChorusServer server = ChorusServer.start(server().roomTtl(Duration.ofMinutes(10)).build())) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            try (ChatUser alice = ChatUser.in(port, "alice", "kept")) {
                alice.send("kept one").send("kept two").send("/leave kept");
                alice.readUntil("alice left #kept");
            }
            try (ChatUser bob = ChatUser.connect(port)) {
                bob.send("/join kept");
                bob.readUntil("joined #kept");
                bob.send("/history 10");
                assertThat(bob.readUntil("kept one")).endsWith("#kept <alice> kept one");
                assertThat(bob.readLine()).endsWith("#kept <alice> kept two");
                assertThat(bob.readLine()).isEqualTo("*** end of history for #kept: 2 messages, complete");
            }
        }
    }

    @Test
    void aResumeAfterTheRoomWasFreedIsPartialAndNewIdsAreHigher() throws Exception {
        try (ChorusServer server = ChorusServer.start(server().roomTtl(Duration.ZERO).build())) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            ChatService chat = server.chat().orElseThrow();
            try (LineClient alice = LineClient.connect(port)) {
                alice.send("/format json");
                readJson(alice, Event.Welcome.class);
                alice.send("/echo on");
                alice.send("/join gone");
                alice.send("before");
                long firstId = readJson(alice, Event.Message.class).id();
                alice.send("before again");
                long oldId = readJson(alice, Event.Message.class).id();
                // A second connection resumes within the room's life: complete.
                try (LineClient bob = LineClient.connect(port)) {
                    bob.send("/format json");
                    readJson(bob, Event.Welcome.class);
                    bob.send("/join gone");
                    bob.send("/history gone since " + firstId);
                    Event.HistoryEnd live = readJson(bob, Event.HistoryEnd.class);
                    assertThat(live.complete()).isTrue();
                    assertThat(live.count()).isEqualTo(1);
                }
                alice.send("/leave gone");
                await().atMost(Duration.ofSeconds(30)).until(() -> chat.rooms().find("gone").isEmpty());

                alice.send("/join gone");
                alice.send("/history gone since " + oldId);
                Event.HistoryEnd resumed = readJson(alice, Event.HistoryEnd.class);
                assertThat(resumed.complete()).as("resume after the room was freed").isFalse();
                assertThat(resumed.count()).isZero();
                alice.send("after");
                long newId = readJson(alice, Event.Message.class).id();
                assertThat(newId).isGreaterThan(oldId);
            }
        }
    }

    private static <E extends Event> E readJson(LineClient client, Class<E> type) throws Exception {
        while (true) {
            String line = client.readLine();
            assertThat(line).as("connection closed while waiting for %s", type.getSimpleName()).isNotNull();
            if (line.startsWith("{")) {
                Event event = JsonEventDecoder.decode(line);
                if (type.isInstance(event)) {
                    return type.cast(event);
                }
            }
        }
    }

    /** Outboxes of every room held now, each counted on its room's loop. */
    private static int outboxes(ChatService chat) throws Exception {
        int sum = 0;
        for (Room room : chat.rooms().all()) {
            sum += room.executor().submit(room::outboxCount).get(30, TimeUnit.SECONDS);
        }
        return sum;
    }

    /** Heap in use after full collections: what is still reachable. */
    private static long liveHeap() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
