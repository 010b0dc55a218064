package io.chorus.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.server.TlsOptions;
import io.chorus.testing.LineClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** TLS listeners: TLS and plain clients share rooms; bad clients get clean errors and the server lives on. */
@Timeout(60)
class TlsIT {

    private static ChorusServer server;

    @BeforeAll
    static void start() throws InterruptedException {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED)
                .tls(TlsOptions.selfSignedCertificate()).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static SSLSocket tlsSocket(int port, String... protocols) throws Exception {
        TrustManager trustAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {trustAll}, new SecureRandom());
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        if (protocols.length > 0) {
            socket.setEnabledProtocols(protocols);
        }
        return socket;
    }

    @Test
    void tlsAndPlainClientsChatInTheSameRoom() throws Exception {
        try (SSLSocket tls = tlsSocket(server.port(ChorusServer.Kind.CHAT_TLS));
             LineClient plain = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = tls.getOutputStream();
            assertThat(in.readLine()).startsWith("*** Welcome to Chorus");
            assertThat(tls.getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
            out.write("/nick secure\n/join vault\n".getBytes(StandardCharsets.UTF_8));
            plain.send("/nick open");
            plain.send("/join vault");
            plain.readUntil("*** open joined #vault");
            out.write("over tls\n".getBytes(StandardCharsets.UTF_8));
            assertThat(plain.readUntil("<secure>")).isEqualTo("#vault <secure> over tls");
            plain.send("over tcp");
            String line;
            do {
                line = in.readLine();
            } while (line != null && !line.contains("<open>"));
            assertThat(line).isEqualTo("#vault <open> over tcp");
        }
    }

    @Test
    void echoWorksOverTls() throws Exception {
        try (SSLSocket tls = tlsSocket(server.port(ChorusServer.Kind.ECHO_TLS))) {
            tls.getOutputStream().write("secret\r\n".getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("secret");
        }
    }

    @Test
    void plainTextOnATlsPortGetsAReadableError() throws IOException {
        try (LineClient plain = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TLS))) {
            plain.send("hello?");
            assertThat(plain.readLine()).isEqualTo("!!! tls-required: this port speaks TLS; plain text is on port "
                    + server.port(ChorusServer.Kind.CHAT_TCP));
            assertThat(plain.readLine()).isNull();
        }
    }

    @Test
    void oldProtocolsAndGarbageHandshakesFailCleanly() throws Exception {
        int port = server.port(ChorusServer.Kind.CHAT_TLS);
        assertThatThrownBy(() -> {
            try (SSLSocket old = tlsSocket(port, "TLSv1.1")) {
                old.startHandshake();
            }
        }).isInstanceOf(SSLException.class);
        try (LineClient garbage = LineClient.connect(port)) {
            // A handshake record type followed by junk: the TLS engine rejects it and the server closes.
            garbage.sendRaw(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 6, 7, 8, 9});
            assertThat(garbage.awaitClosed()).isTrue();
        }
        try (SSLSocket fine = tlsSocket(port)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(fine.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).startsWith("*** Welcome");
        }
    }
}
