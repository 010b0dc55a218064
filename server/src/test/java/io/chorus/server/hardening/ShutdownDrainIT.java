package io.chorus.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * Shutdown with a backlog: a publisher pipelines 20,000 lines to a room of 50 members that do not read
 * until the server is closing, and the server is closed mid-burst. Every member gets every line the room
 * accepted, in order, then the shutting-down notice, then the end of the stream. Repeated, because losing
 * lines here depended on timing.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ShutdownDrainIT {

    private static final int MEMBERS = 50;
    private static final int LINES = 20_000;

    @RepeatedTest(3)
    void everyAcceptedLineReachesEveryMemberBeforeTheNoticeAndTheClose() throws Exception {
        ChorusServer server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback()
                .echoPort(ServerConfig.DISABLED).udpPort(ServerConfig.DISABLED).rateLimit(RateLimit.OFF)
                .maxConnectionsPerIp(0).maxQueueBytes(64 << 20).maxQueueHardBytes(64 << 20).maxOutboundMemory(1L << 40).quietRoomSize(0)
                .shutdownGrace(Duration.ofSeconds(90)).build());
        int port = server.port(ChorusServer.Kind.CHAT_TCP);
        List<LineClient> members = new ArrayList<>();
        ExecutorService readers = Executors.newFixedThreadPool(MEMBERS);
        try (LineClient publisher = LineClient.connect(port)) {
            publisher.timeout(Duration.ofSeconds(60));
            for (int i = 0; i < MEMBERS; i++) {
                LineClient member = LineClient.connect(port).timeout(Duration.ofSeconds(60));
                members.add(member);
                member.send("/join d");
                member.readUntil(" joined #d");
            }
            publisher.send("/nick pub");
            publisher.send("/echo on");
            publisher.send("/join d");
            publisher.readUntil("*** pub joined #d");
            StringBuilder burst = new StringBuilder();
            for (int i = 1; i <= LINES; i++) {
                burst.append("line ").append(i).append('\n');
            }
            publisher.sendRaw(burst.toString());
            // Shut down mid-burst, with a backlog queued to every member: some lines are accepted (numbered
            // by the room), the rest arrive too late. Every accepted line must be delivered.
            publisher.readUntil("#d <pub> line 1000");
            CompletableFuture<Void> closed = CompletableFuture.runAsync(server::close);
            List<Future<Integer>> reads = new ArrayList<>();
            for (LineClient member : members) {
                // Joins of later members come first; the messages follow in id order.
                reads.add(readers.submit(() -> receivedInOrder(member, member.readUntil("#d <pub> "), 1)));
            }
            // The publisher's own input was cut mid-burst, so its close may be a reset; it is just read.
            readers.submit(() -> {
                while (publisher.readLine() != null) {
                    // discard
                }
                return null;
            });
            List<Integer> got = new ArrayList<>();
            for (Future<Integer> read : reads) {
                got.add(read.get());
            }
            closed.get();
            var room = server.chat().orElseThrow().rooms().find("d").orElseThrow();
            // Ids start at the room's first id (time-based); the count accepted is the span issued.
            long accepted = room.lastMessageId() - room.firstId() + 1;
            assertThat(accepted).isGreaterThanOrEqualTo(1000);
            assertThat(got).as("lines each member got before the notice").containsOnly((int) accepted);
        } finally {
            readers.shutdownNow();
            for (LineClient member : members) {
                member.close();
            }
            server.close();
        }
    }

    /**
     * Reads consecutive lines {@code from}, {@code from + 1}, ... starting with {@code first}, then the
     * notice and the end of the stream; returns the number of the last line.
     */
    private static int receivedInOrder(LineClient member, String first, int from) throws Exception {
        int expected = from;
        String line = first;
        while (line != null && line.startsWith("#d <pub> ")) {
            assertThat(line).isEqualTo("#d <pub> line " + expected);
            expected++;
            line = member.readLine();
        }
        assertThat(line).isEqualTo("!!! shutting-down: the server is shutting down");
        assertThat(member.readLine()).isNull();
        return expected - 1;
    }
}
