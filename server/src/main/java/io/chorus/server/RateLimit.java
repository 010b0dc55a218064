package io.chorus.server;

/**
 * A per-connection message rate: {@code perSecond} lines on average with bursts of up to {@code burst}.
 * {@link #OFF} (0) means no limit.
 *
 * @param perSecond refill rate in lines per second; 0 turns limiting off
 * @param burst     lines a connection may send at once after being quiet
 */
public record RateLimit(double perSecond, int burst) {

    public static final RateLimit OFF = new RateLimit(0, 0);
    public static final RateLimit DEFAULT = parse(ServerConfig.DEFAULT_RATE_LIMIT);

    public RateLimit {
        if (perSecond < 0 || Double.isNaN(perSecond) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("rate must be a non-negative number: " + perSecond);
        }
        if (perSecond > 0 && burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1: " + burst);
        }
    }

    public boolean enabled() {
        return perSecond > 0;
    }

    /** Parses {@code RATE[/BURST]}, e.g. {@code 20/50}, {@code 5}, or {@code 0} for off. Burst defaults to the rate. */
    public static RateLimit parse(String text) {
        String[] parts = text.trim().split("/", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("'" + text + "' is not RATE[/BURST]");
        }
        try {
            double rate = Double.parseDouble(parts[0]);
            if (rate == 0) {
                return OFF;
            }
            int burst = parts.length == 2 ? Integer.parseInt(parts[1]) : (int) Math.max(1, Math.ceil(rate));
            return new RateLimit(rate, burst);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not RATE[/BURST], e.g. 20/50 or 0 for off");
        }
    }

    @Override
    public String toString() {
        return enabled() ? perSecond + "/" + burst : "0";
    }
}
