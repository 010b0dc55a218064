package io.chorus.server.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Commands used as weapons: a flood of unknown commands, names far past their limits, one connection
 * joining 10,000 rooms, and many connections creating rooms until the server-wide cap. Each gets
 * clean error lines, and what the server holds stays bounded.
 */
@Timeout(90)
class AbusiveCommandsIT {

    private static final String INVALID_NICK = "!!! invalid-nick: nicknames are 1 to 24 characters: letters, digits, _ and -";
    private static final String INVALID_ROOM = "!!! invalid-room: room names are 1 to 32 characters: letters, digits,"
            + " _ and -, optionally after #";

    private static ServerConfig.Builder unthrottled() {
        return ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED).echoPort(ServerConfig.DISABLED)
                .rateLimit(RateLimit.OFF).maxConnectionsPerIp(0);
    }

    @Test
    void floodOfUnknownCommandsGetsOneErrorEach() throws Exception {
        int commands = 10_000;
        try (ChorusServer server = ChorusServer.start(unthrottled().build())) {
            Footprint baseline = Footprint.now();
            try (Inbox client = Inbox.of(LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP)), "unknown")) {
                StringBuilder flood = new StringBuilder();
                for (int i = 0; i < commands; i++) {
                    flood.append("/nosuch").append(i).append('\n');
                }
                flood.append('/').append("x".repeat(4000)).append('\n');
                flood.append("/ping end\n");
                client.client().sendRaw(flood.toString());
                client.await("*** pong end"::equals, Duration.ofSeconds(30));
                List<String> errors = client.seen().stream().filter(l -> l.startsWith("!!!")).toList();
                assertThat(errors).hasSize(commands + 1);
                assertThat(errors.get(0)).isEqualTo("!!! unknown-command: unknown command /nosuch0; try /help");
                assertThat(errors.get(commands - 1)).isEqualTo("!!! unknown-command: unknown command /nosuch9999; try /help");
                assertThat(errors.get(commands)).as("a 4000-character command name is cut when repeated back")
                        .isEqualTo("!!! unknown-command: unknown command /" + "x".repeat(32) + "...; try /help");
            }
            Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
        }
    }

    @Test
    void namesPastTheirLimitsAreRefusedAndTheLimitsThemselvesWork() throws Exception {
        try (ChorusServer server = ChorusServer.start(unthrottled().build());
             LineClient client = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP))) {
            client.readUntil("joined #lobby");
            client.send("/nick " + "n".repeat(25));
            assertThat(client.readLine()).isEqualTo(INVALID_NICK);
            client.send("/nick " + "n".repeat(4000));
            assertThat(client.readLine()).isEqualTo(INVALID_NICK);
            client.send("/nick bad\u001b[31mnick");
            assertThat(client.readLine()).isEqualTo(INVALID_NICK);
            client.send("/join " + "r".repeat(33));
            assertThat(client.readLine()).isEqualTo(INVALID_ROOM);
            client.send("/join #" + "r".repeat(4000));
            assertThat(client.readLine()).isEqualTo(INVALID_ROOM);
            client.send("/join #" + "r".repeat(5000));
            assertThat(client.readLine()).isEqualTo("!!! line-too-long: line longer than 4096 bytes was discarded");
            client.send("/msg " + "n".repeat(25) + " hi");
            assertThat(client.readLine()).isEqualTo(INVALID_NICK);
            client.send("/who " + "r".repeat(33));
            assertThat(client.readLine()).isEqualTo(INVALID_ROOM);

            String nick = "n".repeat(24);
            String room = "r".repeat(32);
            client.send("/nick " + nick);
            assertThat(client.readLine()).endsWith(" is now known as " + nick);
            client.send("/join #" + room.toUpperCase());
            assertThat(client.readUntil("joined")).isEqualTo("*** " + nick + " joined #" + room);
        }
    }

    @Test
    void joiningTenThousandRoomsFromOneConnectionStopsAtThePerConnectionLimit() throws Exception {
        int joins = 10_000;
        ServerConfig config = unthrottled().build();
        int perConnection = config.maxRoomsPerConnection();
        try (ChorusServer server = ChorusServer.start(config)) {
            Footprint baseline = Footprint.now();
            long peak;
            try (Footprint.PeakSampler sampler = new Footprint.PeakSampler();
                 Inbox client = Inbox.of(LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP)), "joiner")) {
                client.send("/nick joiner");
                client.awaitContaining("is now known as joiner");
                // Sent in batches, each answered before the next, as a client that reads its replies would.
                int batch = 500;
                int expectedJoins = perConnection - 1; // already in #lobby
                int[] joined = {0};
                int[] refused = {0};
                for (int first = 0; first < joins; first += batch) {
                    StringBuilder joinBatch = new StringBuilder();
                    for (int i = first; i < first + batch; i++) {
                        joinBatch.append("/join r").append(i).append('\n');
                    }
                    client.client().sendRaw(joinBatch.toString());
                    int answered = first + batch;
                    client.await(line -> {
                        if (line.startsWith("*** joiner joined #r")) {
                            joined[0]++;
                        } else if (line.startsWith("!!! too-many-rooms: ")) {
                            assertThat(line).isEqualTo("!!! too-many-rooms: you can be in at most " + perConnection
                                    + " rooms; /leave one first");
                            refused[0]++;
                        }
                        return joined[0] + refused[0] == answered;
                    }, Duration.ofSeconds(30));
                }
                assertThat(joined[0]).isEqualTo(expectedJoins);
                assertThat(refused[0]).isEqualTo(joins - expectedJoins);
                assertThat(server.chat().get().rooms().size()).as("rooms the server holds").isEqualTo(perConnection);
                client.send("/ping still-here");
                client.await("*** pong still-here"::equals, Duration.ofSeconds(10));
                peak = sampler.peak();
            }
            System.out.printf("10,000 joins: rooms held %d; allocators %s -> peak %s%n",
                    server.chat().get().rooms().size(), Footprint.mib(baseline.allocatorBytes()), Footprint.mib(peak));
            Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
        }
    }

    @Test
    void manyConnectionsCreatingRoomsStopAtTheServerWideCap() throws Exception {
        int maxRooms = 40;
        int connections = 8;
        int roomsEach = 10;
        try (ChorusServer server = ChorusServer.start(unthrottled().maxRooms(maxRooms).build())) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            Footprint baseline = Footprint.now();
            List<Inbox> users = new ArrayList<>();
            for (int u = 0; u < connections; u++) {
                Inbox user = Inbox.of(LineClient.connect(port), "u" + u);
                user.send("/nick u" + u);
                user.awaitContaining("is now known as u" + u);
                users.add(user);
            }
            ExecutorService pool = Executors.newFixedThreadPool(connections);
            CountDownLatch go = new CountDownLatch(1);
            int joined = 0;
            int refused = 0;
            try {
                List<Future<int[]>> outcomes = new ArrayList<>();
                for (int u = 0; u < connections; u++) {
                    Inbox user = users.get(u);
                    String nick = "u" + u;
                    outcomes.add(pool.submit(() -> {
                        StringBuilder joins = new StringBuilder();
                        for (int r = 0; r < roomsEach; r++) {
                            joins.append("/join ").append(nick).append("-room").append(r).append('\n');
                        }
                        go.await();
                        user.client().sendRaw(joins.toString());
                        int[] counts = new int[2];
                        user.await(line -> {
                            if (line.startsWith("*** " + nick + " joined #" + nick + "-room")) {
                                counts[0]++;
                            } else if (line.startsWith("!!! too-many-rooms: ")) {
                                assertThat(line).isEqualTo("!!! too-many-rooms: the server holds its maximum of "
                                        + maxRooms + " rooms; join an existing one");
                                counts[1]++;
                            }
                            return counts[0] + counts[1] == roomsEach;
                        }, Duration.ofSeconds(30));
                        return counts;
                    }));
                }
                go.countDown();
                for (Future<int[]> outcome : outcomes) {
                    int[] counts = outcome.get(60, TimeUnit.SECONDS);
                    joined += counts[0];
                    refused += counts[1];
                }
            } finally {
                pool.shutdownNow();
            }
            int held = server.chat().get().rooms().size();
            System.out.printf("max rooms %d: %d joins succeeded, %d refused; the server holds %d rooms%n",
                    maxRooms, joined, refused, held);
            assertThat(joined + refused).isEqualTo(connections * roomsEach);
            assertThat(held).as("rooms held, lobby included").isEqualTo(maxRooms);
            assertThat(joined).isEqualTo(maxRooms - 1);

            // At the cap, existing rooms can still be joined; new ones cannot.
            Inbox late = users.get(0);
            late.send("/join lobby");
            late.awaitContaining("#lobby is now your current room");
            late.send("/join brand-new");
            assertThat(late.awaitContaining("!!!")).isEqualTo("!!! too-many-rooms: the server holds its maximum of "
                    + maxRooms + " rooms; join an existing one");
            for (Inbox user : users) {
                user.close();
            }
            Footprint.awaitQuiet(server, baseline, Duration.ofSeconds(20));
        }
    }
}
