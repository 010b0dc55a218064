package io.chorus.server.http;

import io.chorus.server.ServerConfig;
import java.time.Duration;

/**
 * What every HTTP connection of a server needs besides its routes, taken from the {@link ServerConfig}.
 *
 * @param maxHeaderBytes request line and headers; larger requests get 431 (or 414 for a long line)
 * @param maxBodyBytes   request bodies; larger ones get 413
 * @param maxFrameBytes  WebSocket frame payloads ({@code --max-line}); larger frames get close code 1009
 * @param idleTimeout    a connection that sends nothing this long is closed; zero = never
 * @param origins        which pages may open a WebSocket
 */
public record HttpSettings(int maxHeaderBytes, int maxBodyBytes, int maxFrameBytes, Duration idleTimeout,
        OriginPolicy origins) {

    public static HttpSettings from(ServerConfig config) {
        HttpOptions http = config.http();
        return new HttpSettings(http.maxHeaderBytes(), http.maxBodyBytes(), config.maxLineBytes(),
                config.idleTimeout(), new OriginPolicy(http.allowedOrigins()));
    }
}
