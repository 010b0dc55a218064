package io.chorus.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chorus.protocol.event.Event;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client over TLS to the chat pipeline behind a TLS handler, with a self-signed certificate. */
@Timeout(60)
class ClientTlsTest {

    @TempDir
    static Path certs;
    @TempDir
    static Path otherCerts;
    private static TlsTestServer server;

    @BeforeAll
    static void start() throws Exception {
        TlsTestServer.makeCertificate(certs, "dns:localhost", "ip:127.0.0.1");
        TlsTestServer.makeCertificate(otherCerts, "dns:localhost", "ip:127.0.0.1");
        server = TlsTestServer.start(certs);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static ClientOptions tls(String host, ClientTls tls) {
        return ClientOptions.builder().host(host).port(server.port()).tls(tls).build();
    }

    @Test
    void trustsTheGivenCertificateAndChats() throws Exception {
        EventRecorder bobEvents = new EventRecorder();
        try (ChorusClient alice = ChorusClient.connect(tls("127.0.0.1", ClientTls.trusting(certs.resolve("cert.pem"))))
                     .get(20, TimeUnit.SECONDS);
             ChorusClient bob = ChorusClient.connect(tls("localhost", ClientTls.trusting(certs.resolve("cert.pem"))),
                     bobEvents).get(20, TimeUnit.SECONDS)) {
            alice.nick("alice").get(10, TimeUnit.SECONDS);
            alice.msg(bob.nick(), "over tls").get(10, TimeUnit.SECONDS);

            Event.Private received = bobEvents.await(Event.Private.class);
            assertThat(received.from()).isEqualTo("alice");
            assertThat(received.text()).isEqualTo("over tls");
        }
    }

    @Test
    void insecureAcceptsAnyCertificate() throws Exception {
        try (ChorusClient client = ChorusClient.connect(tls("127.0.0.1", ClientTls.insecure())).get(20, TimeUnit.SECONDS)) {
            assertThat(client.ping().get(10, TimeUnit.SECONDS)).isPositive();
        }
    }

    @Test
    void anUntrustedCertificateFailsTheHandshakeWithOneLine() {
        assertThatThrownBy(() -> ChorusClient.connect(tls("127.0.0.1", ClientTls.trusting(otherCerts.resolve("cert.pem"))))
                .get(20, TimeUnit.SECONDS))
                .cause().isInstanceOf(ChorusClientException.class)
                .hasMessageStartingWith("TLS handshake with 127.0.0.1:" + server.port() + " failed: ")
                .extracting(e -> ((ChorusClientException) e).code()).isEqualTo(ChorusClientException.TLS_FAILED);
    }

    @Test
    void aCertificateForAnotherHostNameIsRefused() throws Exception {
        // Loopback also answers on 127.0.0.2, which the certificate does not name.
        try (TlsTestServer elsewhere = TlsTestServer.start(certs, "127.0.0.2")) {
            ClientOptions options = ClientOptions.builder().host("127.0.0.2").port(elsewhere.port())
                    .tls(ClientTls.trusting(certs.resolve("cert.pem"))).build();
            assertThatThrownBy(() -> ChorusClient.connect(options).get(20, TimeUnit.SECONDS))
                    .cause().isInstanceOf(ChorusClientException.class)
                    .extracting(e -> ((ChorusClientException) e).code()).isEqualTo(ChorusClientException.TLS_FAILED);
        }
    }

    @Test
    void aMissingCertificateFileIsReportedBeforeConnecting() {
        Path missing = certs.resolve("missing.pem");
        assertThat(Files.exists(missing)).isFalse();
        assertThatThrownBy(() -> ChorusClient.connect(tls("127.0.0.1", ClientTls.trusting(missing))).join())
                .cause().hasMessage("cannot set up TLS: cannot read certificate file " + missing);
    }
}
