package io.chorus.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.Event;
import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.server.TlsOptions;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client library against the real server's TLS chat listener, sharing a room with a plain client. */
@Timeout(60)
class ServerTlsTest {

    @Test
    void tlsClientChatsWithAPlainClientThroughTheServersTlsListener() throws Exception {
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).tls(TlsOptions.selfSignedCertificate()).build();
        try (ChorusServer server = ChorusServer.start(config)) {
            LinkedBlockingQueue<Event> plainEvents = new LinkedBlockingQueue<>();
            ChorusClient secure = ChorusClient.connect(ClientOptions.builder().host("127.0.0.1")
                    .port(server.port(ChorusServer.Kind.CHAT_TLS)).tls(ClientTls.insecure()).build())
                    .get(20, TimeUnit.SECONDS);
            ChorusClient plain = ChorusClient.connect(ClientOptions.of("127.0.0.1", server.port(ChorusServer.Kind.CHAT_TCP)),
                    plainEvents::add).get(20, TimeUnit.SECONDS);
            try {
                secure.nick("vault-keeper").get(10, TimeUnit.SECONDS);
                plain.join("vault").get(10, TimeUnit.SECONDS);
                secure.join("vault").get(10, TimeUnit.SECONDS);
                secure.say("sent over tls").get(10, TimeUnit.SECONDS);
                Event.Message received = null;
                while (received == null) {
                    Event event = plainEvents.poll(10, TimeUnit.SECONDS);
                    assertThat(event).as("a message before the timeout").isNotNull();
                    if (event instanceof Event.Message m) {
                        received = m;
                    }
                }
                assertThat(received.from()).isEqualTo("vault-keeper");
                assertThat(received.room()).isEqualTo("vault");
                assertThat(received.text()).isEqualTo("sent over tls");
            } finally {
                secure.close();
                plain.close();
            }
        }
    }
}
