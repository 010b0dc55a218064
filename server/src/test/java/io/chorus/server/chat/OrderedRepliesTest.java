package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Everything a connection causes to be sent to itself arrives in command order, over real sockets, even
 * when the commands are pipelined in one write and some answers come back through rooms.
 */
@Timeout(60)
class OrderedRepliesTest {

    private ChorusServer server;
    private int port;

    @BeforeEach
    void start() throws InterruptedException {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).rateLimit(RateLimit.OFF).build());
        port = server.port(ChorusServer.Kind.CHAT_TCP);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static List<String> read(LineClient client, int count) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add(client.readLine());
        }
        return lines;
    }

    @Test
    void aNickChangeSentAtOnceComesAfterTheLobbyJoinAndBeforeTheNextJoin() throws Exception {
        try (LineClient client = LineClient.connect(port)) {
            client.sendRaw("/nick zed\n/join t\n");
            List<String> lines = read(client, 4);
            String guest = lines.get(1).replace("*** ", "").replace(" joined #lobby", "");
            assertThat(lines.get(0)).startsWith("*** Welcome to Chorus, " + guest + "!");
            assertThat(lines.subList(1, 4)).containsExactly("*** " + guest + " joined #lobby",
                    "*** " + guest + " is now known as zed", "*** zed joined #t");
        }
    }

    @Test
    void localAndRoomRepliesAndErrorsInterleaveInCommandOrderAsText() throws Exception {
        try (ChatUser user = ChatUser.connect(port)) {
            user.send("/nick olga");
            user.readUntil("is now known as olga");
            user.client.sendRaw("/join a\n/ping 1\n/who\n/ping 2\n/bogus\n/history 3\n/leave nowhere\n"
                    + "/who nowhere\nsaid in a\n/ping 3\n/leave a\n/ping 4\n");
            List<String> lines = read(user.client, 11);
            assertThat(lines.get(0)).isEqualTo("*** olga joined #a");
            assertThat(lines.get(1)).isEqualTo("*** pong 1");
            assertThat(lines.get(2)).isEqualTo("*** #a: olga (1 member)");
            assertThat(lines.get(3)).isEqualTo("*** pong 2");
            assertThat(lines.get(4)).startsWith("!!! unknown-command:");
            assertThat(lines.get(5)).isEqualTo("*** end of history for #a: 0 messages, complete");
            assertThat(lines.get(6)).isEqualTo("!!! not-in-room: you are not in #nowhere");
            assertThat(lines.get(7)).isEqualTo("!!! no-such-room: #nowhere does not exist");
            // "said in a" is answered with nothing (echo is off), and holds up nothing.
            assertThat(lines.get(8)).isEqualTo("*** pong 3");
            assertThat(lines.get(9)).isEqualTo("*** olga left #a");
            assertThat(lines.get(10)).isEqualTo("*** pong 4");
        }
    }

    @Test
    void theSameOrderHoldsInJson() throws Exception {
        try (ChatUser user = ChatUser.connect(port)) {
            user.client.sendRaw("/format json\n/join a\n/ping 1\n/who\n/ping 2\n/bogus\n/history 3\n/leave nowhere\n"
                    + "/echo on\nhello\n/ping 3\n");
            List<String> lines = read(user.client, 11);
            String[] types = {"welcome", "join", "pong", "who", "pong", "error", "history", "error", "notice",
                    "message", "pong"};
            for (int i = 0; i < types.length; i++) {
                assertThat(lines.get(i)).as("line %d", i).startsWith("{\"type\":\"" + types[i] + "\"");
            }
            assertThat(lines.get(2)).contains("\"token\":\"1\"");
            assertThat(lines.get(5)).contains("\"code\":\"unknown-command\"");
            assertThat(lines.get(7)).contains("\"code\":\"not-in-room\"");
            assertThat(lines.get(9)).contains("\"text\":\"hello\"");
            assertThat(lines.get(10)).contains("\"token\":\"3\"");
        }
    }

    @Test
    void aPipelinedBurstOf2000LinesIsDeliveredToAllInOrder() throws Exception {
        try (ChatUser reader = ChatUser.in(port, "reader", "burst");
                ChatUser writer = ChatUser.in(port, "writer", "burst")) {
            reader.readUntil("writer joined #burst");
            writer.send("/echo on");
            writer.readUntil("echo is on");
            StringBuilder burst = new StringBuilder();
            List<String> writerExpects = new ArrayList<>();
            List<String> readerExpects = new ArrayList<>();
            for (int i = 1; i <= 2000; i++) {
                if (i % 10 == 0) {
                    burst.append("/ping ").append(i).append('\n');
                    writerExpects.add("*** pong " + i);
                } else {
                    burst.append("line ").append(i).append('\n');
                    writerExpects.add("#burst <writer> line " + i);
                    readerExpects.add("#burst <writer> line " + i);
                }
            }
            writer.client.sendRaw(burst.toString());
            assertThat(read(writer.client, writerExpects.size())).containsExactlyElementsOf(writerExpects);
            assertThat(read(reader.client, readerExpects.size())).containsExactlyElementsOf(readerExpects);
        }
    }
}
