package io.chorus.bench.load;

import static java.util.Objects.requireNonNull;

/**
 * What {@code load echo} does: how many connections, how big each message is, how many are in flight
 * per connection, and the total rate.
 *
 * @param settings    target, transport and time bounds
 * @param connections connections to open
 * @param size        bytes per message, without the LF; at least {@link Payload#MIN_SIZE}
 * @param pipeline    messages in flight per connection
 * @param rate        messages per second over all connections; 0 sends as fast as replies come back
 */
public record EchoLoadConfig(LoadSettings settings, int connections, int size, int pipeline, long rate) {

    public static final int DEFAULT_CONNECTIONS = 100;
    public static final int DEFAULT_SIZE = 64;
    public static final int DEFAULT_PIPELINE = 16;

    public EchoLoadConfig {
        requireNonNull(settings, "settings");
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1: " + connections);
        }
        if (size < Payload.MIN_SIZE || size > 1 << 20) {
            throw new IllegalArgumentException("size must be " + Payload.MIN_SIZE + "-1048576 bytes: " + size);
        }
        if (pipeline < 1 || pipeline > 1 << 16) {
            throw new IllegalArgumentException("pipeline must be 1-65536: " + pipeline);
        }
        if (rate < 0) {
            throw new IllegalArgumentException("rate must not be negative: " + rate);
        }
    }
}
