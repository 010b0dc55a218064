package io.chorus.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * A health check for images without curl: {@code java -cp chorus-server.jar
 * io.chorus.server.http.HealthProbe [URL]} exits 0 when {@code /health} answers 200, and 1 otherwise
 * (503 while draining, refused, timed out). Without a URL it asks {@code 127.0.0.1} on
 * {@code CHORUS_ADMIN_PORT}, else {@code CHORUS_HTTP_PORT}, else {@value #DEFAULT_PORT}.
 *
 * <p>It uses only {@code java.base}, so it runs on a minimal jlinked runtime, and starts nothing else
 * of the server.
 */
public final class HealthProbe {

    static final int DEFAULT_PORT = HttpOptions.DEFAULT_HTTP_PORT;
    private static final int TIMEOUT_MILLIS = 3000;

    private HealthProbe() {
    }

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : defaultUrl(System.getenv("CHORUS_ADMIN_PORT"),
                System.getenv("CHORUS_HTTP_PORT"));
        int code = probe(url);
        System.out.println(code == 0 ? "healthy: " + url : "unhealthy: " + url);
        System.exit(code);
    }

    /** 0 when {@code url} answers 200, else 1; prints the body or the failure. */
    static int probe(String url) {
        try {
            HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
            connection.setConnectTimeout(TIMEOUT_MILLIS);
            connection.setReadTimeout(TIMEOUT_MILLIS);
            connection.setUseCaches(false);
            int status = connection.getResponseCode();
            InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream();
            if (body != null) {
                try (body) {
                    System.out.print(new String(body.readNBytes(4096), StandardCharsets.UTF_8));
                }
            }
            connection.disconnect();
            return status == 200 ? 0 : 1;
        } catch (IOException | IllegalArgumentException e) {
            System.out.println(e);
            return 1;
        }
    }

    static String defaultUrl(String adminPort, String httpPort) {
        String port = usable(adminPort) ? adminPort.trim() : usable(httpPort) ? httpPort.trim() : String.valueOf(DEFAULT_PORT);
        return "http://127.0.0.1:" + port + HttpEndpoints.HEALTH;
    }

    private static boolean usable(String port) {
        return port != null && port.trim().matches("[1-9][0-9]{0,4}");
    }
}
