package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Rooms above --quiet-room-size stop announcing comings and goings, but still carry every message. */
@Timeout(30)
class QuietRoomTest {

    @Test
    void bigRoomsStopAnnouncingJoinsLeavesAndNickChanges() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).rateLimit(RateLimit.OFF).quietRoomSize(2).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            int port = server.port(ChorusServer.Kind.CHAT_TCP);
            try (ChatUser alice = ChatUser.in(port, "alice", "hall"); ChatUser bob = ChatUser.in(port, "bob", "hall")) {
                assertThat(alice.readLine()).isEqualTo("*** bob joined #hall");
                try (ChatUser carol = ChatUser.in(port, "carol", "hall")) {
                    // carol's own join was confirmed inside ChatUser.in; now a third member makes the room quiet.
                    carol.send("/nick caroline");
                    carol.readUntil("is now known as caroline");
                    carol.send("hello hall");
                    // alice hears neither the join nor the nick change, only the message.
                    assertThat(alice.readLine()).isEqualTo("#hall <caroline> hello hall");
                    carol.send("/leave");
                    assertThat(carol.readUntil("left #hall")).isEqualTo("*** caroline left #hall");
                }
                bob.send("still here");
                assertThat(alice.readLine()).isEqualTo("#hall <bob> still here");
            }
        }
    }
}
