package io.chorus.server.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The {@code chorus_cluster_} meters: messages sent to and received from other nodes, publishes that
 * failed, whether the Redis link is up, its last round trip, and the rooms this node subscribes to.
 */
final class ClusterMeters {

    private final Counter out;
    private final Counter in;
    private final Counter failures;
    private volatile boolean linkUp;
    /** The last PING round trip in nanoseconds; -1 before the first. */
    private final AtomicLong rttNanos = new AtomicLong(-1);
    /** Held here: a gauge keeps only a weak reference to its state, and a lambda would be collected. */
    private final IntSupplier subscribedRooms;

    ClusterMeters(MeterRegistry registry, IntSupplier subscribedRooms) {
        this.subscribedRooms = subscribedRooms;
        out = Counter.builder("chorus.cluster.messages.out")
                .description("Messages and room events this node sent to the other nodes").register(registry);
        in = Counter.builder("chorus.cluster.messages.in")
                .description("Messages and room events received from other nodes").register(registry);
        failures = Counter.builder("chorus.cluster.publish.failures")
                .description("Cross-node sends that failed because Redis could not be reached").register(registry);
        Gauge.builder("chorus.cluster.link.up", this, m -> m.linkUp ? 1 : 0)
                .description("1 while this node's link to Redis is up").register(registry);
        Gauge.builder("chorus.cluster.rtt", this, m -> m.rttNanos.get() < 0 ? Double.NaN : m.rttNanos.get() / 1e9)
                .baseUnit("seconds").description("The last PING round trip to Redis").register(registry);
        Gauge.builder("chorus.cluster.subscribed.rooms", this, m -> m.subscribedRooms.getAsInt())
                .description("Rooms whose channel this node subscribes to (rooms with local members or watchers)")
                .register(registry);
    }

    void sent() {
        out.increment();
    }

    void received() {
        in.increment();
    }

    void failed() {
        failures.increment();
    }

    double failures() {
        return failures.count();
    }

    void link(boolean up) {
        linkUp = up;
    }

    void roundTrip(long nanos) {
        rttNanos.set(nanos);
    }
}
