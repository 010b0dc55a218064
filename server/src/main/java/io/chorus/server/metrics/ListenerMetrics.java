package io.chorus.server.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * The connection and byte counts of one listener ({@code chat tcp}, {@code http}, ...). Plain
 * {@link LongAdder}s, so the hot paths (every read and write) pay one uncontended add; the registry
 * reads them only when scraped. Thread-safe; one instance per server and listener.
 */
public final class ListenerMetrics {

    private final String listener;
    private final LongAdder opened = new LongAdder();
    private final LongAdder closed = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final TrafficCounter traffic = new TrafficCounter(this);

    ListenerMetrics(String listener) {
        this.listener = listener;
    }

    /** Counts that no registry reads: for a tracker built without metrics. */
    public static ListenerMetrics unregistered(String listener) {
        return new ListenerMetrics(listener);
    }

    public String listener() {
        return listener;
    }

    /** A connection passed the limits; it counts as open until {@link #closed()}. */
    public void opened() {
        opened.increment();
    }

    public void closed() {
        closed.increment();
    }

    /** A connection was turned away by the connection limits. */
    public void refused() {
        refused.increment();
    }

    void bytesIn(long bytes) {
        bytesIn.add(bytes);
    }

    void bytesOut(long bytes) {
        bytesOut.add(bytes);
    }

    /** The shared handler that counts this listener's bytes; see {@link TrafficCounter}. */
    public TrafficCounter traffic() {
        return traffic;
    }

    public long openedCount() {
        return opened.sum();
    }

    public long refusedCount() {
        return refused.sum();
    }

    /** Connections open now: opened minus closed. */
    public long openCount() {
        return opened.sum() - closed.sum();
    }

    public long bytesInCount() {
        return bytesIn.sum();
    }

    public long bytesOutCount() {
        return bytesOut.sum();
    }
}
