package io.chorus.server.http;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;

/**
 * The HTTP listeners and their limits, checked when built.
 *
 * <p>Ports follow {@link io.chorus.server.ServerConfig}: 0 binds any free port, -1 turns the listener
 * off. The HTTPS listener is bound only when a TLS certificate is configured.
 *
 * @param httpPort       plain HTTP: the web page, {@code /ws}, and health and metrics unless {@code adminPort} is set
 * @param httpsPort      the same routes over TLS
 * @param adminPort      {@code /health} and {@code /metrics} only; -1 serves them on the HTTP port instead
 * @param maxHeaderBytes request line plus headers; larger requests get 431
 * @param maxBodyBytes   request body; larger bodies get 413
 * @param allowedOrigins origins allowed to open a WebSocket; empty means the page's own host only,
 *                       {@code *} allows any. Entries are compared without regard to case.
 */
public record HttpOptions(int httpPort, int httpsPort, int adminPort, int maxHeaderBytes, int maxBodyBytes,
        List<String> allowedOrigins) {

    public static final int DEFAULT_HTTP_PORT = 8080;
    public static final int DEFAULT_HTTPS_PORT = 8443;
    public static final int DEFAULT_ADMIN_PORT = -1;
    public static final int DEFAULT_MAX_HEADER_BYTES = 8192;
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
    /** Allows WebSockets from any origin. */
    public static final String ANY_ORIGIN = "*";

    public static final HttpOptions DEFAULTS = new HttpOptions(DEFAULT_HTTP_PORT, DEFAULT_HTTPS_PORT,
            DEFAULT_ADMIN_PORT, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_BODY_BYTES, List.of());

    public HttpOptions {
        checkPort("httpPort", httpPort);
        checkPort("httpsPort", httpsPort);
        checkPort("adminPort", adminPort);
        if (maxHeaderBytes < 256) {
            throw new IllegalArgumentException("maxHeaderBytes must be at least 256: " + maxHeaderBytes);
        }
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes must not be negative: " + maxBodyBytes);
        }
        allowedOrigins = requireNonNull(allowedOrigins, "allowedOrigins").stream()
                .map(o -> o.trim().toLowerCase(Locale.ROOT))
                .filter(o -> !o.isEmpty())
                .map(o -> o.endsWith("/") ? o.substring(0, o.length() - 1) : o)
                .toList();
    }

    /** The same options on other ports. */
    public HttpOptions withPorts(int http, int https, int admin) {
        return new HttpOptions(http, https, admin, maxHeaderBytes, maxBodyBytes, allowedOrigins);
    }

    public HttpOptions withLimits(int headerBytes, int bodyBytes) {
        return new HttpOptions(httpPort, httpsPort, adminPort, headerBytes, bodyBytes, allowedOrigins);
    }

    public HttpOptions withAllowedOrigins(List<String> origins) {
        return new HttpOptions(httpPort, httpsPort, adminPort, maxHeaderBytes, maxBodyBytes, origins);
    }

    /** Whether health and metrics have a listener of their own. */
    public boolean separateAdmin() {
        return adminPort != -1;
    }

    private static void checkPort(String name, int port) {
        if (port < -1 || port > 65_535) {
            throw new IllegalArgumentException(name + " must be -1 (off), 0 (any) or 1-65535: " + port);
        }
    }
}
