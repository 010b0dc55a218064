package io.chorus.bench.load;

import static java.util.Objects.requireNonNull;

/**
 * What {@code load connections} does: how many connections to open, how fast, and (through the
 * settings' duration) how long to hold them.
 *
 * @param settings    target, transport and time bounds; the duration is the hold time, warmup is unused
 * @param connections connections to open
 * @param rate        connects started per second; 0 = as fast as the pending-connect bound allows
 */
public record ConnectionsLoadConfig(LoadSettings settings, int connections, double rate) {

    public static final int DEFAULT_CONNECTIONS = 1000;
    public static final double DEFAULT_RATE = 1000;

    public ConnectionsLoadConfig {
        requireNonNull(settings, "settings");
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1: " + connections);
        }
        if (Double.isNaN(rate) || rate < 0) {
            throw new IllegalArgumentException("rate must not be negative: " + rate);
        }
    }
}
