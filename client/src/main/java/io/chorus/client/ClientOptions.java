package io.chorus.client;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a {@link ChorusClient} connects: where to, with or without TLS, and its limits.
 *
 * <p>Checked when built. Port 0 is rejected: a client needs the server's real port.
 *
 * @param host server host name or address
 * @param port server chat port, 1 to 65535
 * @param tls TLS settings, or {@code null} for a plain TCP connection
 * @param connectTimeout how long the TCP connect may take
 * @param welcomeTimeout how long to wait, after connecting, for the server's JSON welcome
 * @param maxLineBytes longest line accepted from the server, in bytes
 */
public record ClientOptions(String host, int port, ClientTls tls, Duration connectTimeout, Duration welcomeTimeout,
                            int maxLineBytes) {

    public static final String DEFAULT_HOST = "localhost";
    /** The chat port a server listens on by default: {@value}. */
    public static final int DEFAULT_PORT = 7000;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_WELCOME_TIMEOUT = Duration.ofSeconds(10);
    /** Longest line accepted from the server by default, in bytes: {@value}. Lists such as /who can be long. */
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    public ClientOptions {
        requireNonNull(host, "host");
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(welcomeTimeout, "welcomeTimeout");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be 1-65535: " + port);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
        }
        if (welcomeTimeout.isNegative() || welcomeTimeout.isZero()) {
            throw new IllegalArgumentException("welcomeTimeout must be positive: " + welcomeTimeout);
        }
        if (maxLineBytes <= 0) {
            throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        }
    }

    /** Plain TCP to {@code host:port} with the default limits. */
    public static ClientOptions of(String host, int port) {
        return builder().host(host).port(port).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code host:port}, as shown in messages. */
    public String address() {
        return host + ":" + port;
    }

    /** Fills a {@link ClientOptions} starting from the defaults. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private ClientTls tls;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration welcomeTimeout = DEFAULT_WELCOME_TIMEOUT;
        private int maxLineBytes = DEFAULT_MAX_LINE_BYTES;

        private Builder() {
        }

        public Builder host(String value) { this.host = value; return this; }
        public Builder port(int value) { this.port = value; return this; }
        public Builder tls(ClientTls value) { this.tls = value; return this; }
        public Builder connectTimeout(Duration value) { this.connectTimeout = value; return this; }
        public Builder welcomeTimeout(Duration value) { this.welcomeTimeout = value; return this; }
        public Builder maxLineBytes(int value) { this.maxLineBytes = value; return this; }

        public ClientOptions build() {
            return new ClientOptions(host, port, tls, connectTimeout, welcomeTimeout, maxLineBytes);
        }
    }
}
