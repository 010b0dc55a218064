package io.chorus.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.TlsOptions;
import io.chorus.testing.LineClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTPS listener: bound only with a certificate, the same routes, a readable refusal of plain text. */
@Timeout(60)
class HttpsTest {

    /** Trusts the throwaway self-signed certificate; test only. */
    private static SSLContext trustAll() throws Exception {
        X509TrustManager all = new X509TrustManager() {
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
        context.init(null, new TrustManager[] {all}, null);
        return context;
    }

    @Test
    void servesTheSameRoutesOverTls() throws Exception {
        try (ChorusServer server = TestServers.start(b -> b.tls(TlsOptions.selfSignedCertificate()))) {
            int https = server.port(ChorusServer.Kind.HTTPS);
            HttpClient client = HttpClient.newBuilder().sslContext(trustAll()).connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + https + "/health"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"up\"");
            HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + https + "/"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.body()).contains("id=\"message\"");

            try (LineClient plain = LineClient.connect(https)) {
                plain.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(plain.readLine()).startsWith("!!! tls-required: this port speaks TLS; plain text is on port "
                        + server.port(ChorusServer.Kind.HTTP));
            }
            assertThat(server.metrics().listener("https").openedCount()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void noCertificateNoHttpsListener() throws Exception {
        try (ChorusServer server = TestServers.start(b -> b)) {
            assertThat(server.address(ChorusServer.Kind.HTTPS)).isEmpty();
            assertThat(server.address(ChorusServer.Kind.HTTP)).isPresent();
        }
    }
}
