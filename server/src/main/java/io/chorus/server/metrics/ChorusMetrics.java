package io.chorus.server.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;

/**
 * The server's meters, in the {@code chorus_} families, on a Micrometer registry that also carries the
 * JVM and process binders ({@code jvm_}, {@code process_}). Every family is registered when this
 * object is built, so a scrape shows zeros rather than missing series before the first event.
 *
 * <p>The chat core, listeners and HTTP routes report through the methods here; they never touch the
 * registry. The methods are thread-safe and cheap (a {@link LongAdder} add or a cached counter), and
 * take no per-room or per-user tag, so the number of series stays bounded. One instance per server.
 */
public final class ChorusMetrics implements ChatMeters, AutoCloseable {

    /**
     * Error codes counted under their own tag; any other code counts as {@value #OTHER_CODE}, so a
     * bug cannot grow the series without bound.
     */
    public static final List<String> ERROR_CODES = List.of(
            "usage", "unknown-command", "invalid-nick", "invalid-room", "empty-message", "line-too-long",
            "nick-taken", "no-such-nick", "no-such-room", "not-in-room", "too-many-rooms", "shutting-down",
            "rate-limited", "slow-consumer", "idle-timeout", "too-many-connections", "tls-required");
    public static final String OTHER_CODE = "other";

    private final MeterRegistry registry;
    private final JvmGcMetrics gc;
    private final Map<String, ListenerMetrics> listeners = new ConcurrentHashMap<>();
    private final Counter messagesIn;
    private final Counter messagesOut;
    private final Counter fanOutDeliveries;
    private final Counter slowConsumerCutoffs;
    private final Counter rateLimitedLines;
    private final Map<String, Counter> errors;
    private final Counter otherErrors;
    private final LongAdder outboundQueueBytes = new LongAdder();
    private final LongAdder historyBytes = new LongAdder();
    private volatile IntSupplier rooms = () -> 0;
    private volatile IntSupplier watchers = () -> 0;
    private volatile java.util.function.LongSupplier outboundQueue = () -> 0;
    private volatile java.util.function.LongSupplier history = () -> 0;

    /** Registers every family on {@code registry}, with the JVM and process binders. */
    public ChorusMetrics(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
        new JvmMemoryMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);

        messagesIn = Counter.builder("chorus.messages.in")
                .description("Chat messages accepted from clients: room messages, actions and private messages")
                .register(registry);
        messagesOut = Counter.builder("chorus.messages.out")
                .description("Chat messages (room messages, actions, private messages) delivered to members")
                .register(registry);
        fanOutDeliveries = Counter.builder("chorus.fanout.deliveries")
                .description("Room events handed to members, one per member reached")
                .register(registry);
        slowConsumerCutoffs = Counter.builder("chorus.slow.consumer.cutoffs")
                .description("Connections closed because they fell more than --max-queue behind")
                .register(registry);
        rateLimitedLines = Counter.builder("chorus.rate.limited.lines")
                .description("Chat lines refused by the per-connection rate limit")
                .register(registry);
        errors = ERROR_CODES.stream().collect(Collectors.toUnmodifiableMap(c -> c, this::errorCounter));
        otherErrors = errorCounter(OTHER_CODE);
        Gauge.builder("chorus.rooms", this, m -> m.rooms.getAsInt())
                .description("Rooms the server holds")
                .register(registry);
        Gauge.builder("chorus.watchers", this, m -> m.watchers.getAsInt())
                .description("Read-only watchers (server-sent-event feeds) over all rooms")
                .register(registry);
        Gauge.builder("chorus.outbound.queue", this, m -> m.outboundQueueBytes.sum() + m.outboundQueue.getAsLong())
                .baseUnit("bytes")
                .description("Bytes queued for chat connections and not yet written to their sockets")
                .register(registry);
        Gauge.builder("chorus.history.memory", this, m -> m.historyBytes.sum() + m.history.getAsLong())
                .baseUnit("bytes")
                .description("Estimated bytes held by room histories")
                .register(registry);
    }

    /** A new Prometheus registry with every family registered: what the server uses by default. */
    public static ChorusMetrics prometheus() {
        return new ChorusMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    private Counter errorCounter(String code) {
        return Counter.builder("chorus.errors")
                .tag("code", code)
                .description("Errors sent to clients, by code")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The registry as Prometheus, when it is one: what {@code /metrics} scrapes. */
    public Optional<PrometheusMeterRegistry> prometheusRegistry() {
        return registry instanceof PrometheusMeterRegistry p ? Optional.of(p) : Optional.empty();
    }

    /**
     * The counts of one listener, registered under {@code listener=NAME} the first time it is asked for:
     * {@code chorus_connections_open}, {@code chorus_connections_opened_total},
     * {@code chorus_connections_refused_total}, {@code chorus_network_received_bytes_total} and
     * {@code chorus_network_sent_bytes_total}.
     */
    public ListenerMetrics listener(String name) {
        return listeners.computeIfAbsent(name, this::registerListener);
    }

    private ListenerMetrics registerListener(String name) {
        ListenerMetrics m = new ListenerMetrics(name);
        Gauge.builder("chorus.connections.open", m, ListenerMetrics::openCount)
                .tag("listener", name).description("Connections open now").register(registry);
        FunctionCounter.builder("chorus.connections.opened", m, ListenerMetrics::openedCount)
                .tag("listener", name).description("Connections accepted").register(registry);
        FunctionCounter.builder("chorus.connections.refused", m, ListenerMetrics::refusedCount)
                .tag("listener", name).description("Connections refused by the connection limits").register(registry);
        FunctionCounter.builder("chorus.network.received", m, ListenerMetrics::bytesInCount)
                .tag("listener", name).baseUnit("bytes").description("Bytes read from connections").register(registry);
        FunctionCounter.builder("chorus.network.sent", m, ListenerMetrics::bytesOutCount)
                .tag("listener", name).baseUnit("bytes").description("Bytes written to connections").register(registry);
        return m;
    }

    /** One chat message (room message, action or private message) accepted from a client. */
    @Override
    public void messageIn() {
        messagesIn.increment();
    }

    /** {@code count} events written to chat connections. */
    @Override
    public void messagesOut(long count) {
        messagesOut.increment(count);
    }

    /** One room event handed to {@code members} members. */
    @Override
    public void fanOut(long members) {
        fanOutDeliveries.increment(members);
    }

    /** A connection cut off as a slow consumer. */
    @Override
    public void slowConsumerCutoff() {
        slowConsumerCutoffs.increment();
    }

    /** A chat line refused by the rate limit. */
    @Override
    public void rateLimitedLine() {
        rateLimitedLines.increment();
    }

    /** An error event sent to a client; codes outside {@link #ERROR_CODES} count as {@value #OTHER_CODE}. */
    @Override
    public void error(String code) {
        Counter counter = errors.get(code);
        (counter != null ? counter : otherErrors).increment();
    }

    /** Where {@code chorus_rooms} reads the number of rooms from; 0 until this is called. */
    public void roomsFrom(IntSupplier count) {
        this.rooms = requireNonNull(count, "count");
    }

    /** Where {@code chorus_watchers} reads the number of SSE watchers from; 0 until this is called. */
    public void watchersFrom(IntSupplier count) {
        this.watchers = requireNonNull(count, "count");
    }

    /**
     * Where {@code chorus_outbound_queue_bytes} reads the bytes queued for chat members from, at scrape
     * time (a sum over the members, so it costs nothing per message); added to the deltas below.
     */
    public void outboundQueueFrom(java.util.function.LongSupplier bytes) {
        this.outboundQueue = requireNonNull(bytes, "bytes");
    }

    /**
     * Where {@code chorus_history_memory_bytes} reads the history budget's estimate from, at scrape time;
     * added to the deltas of {@link #historyBytes(long)}.
     */
    public void historyFrom(java.util.function.LongSupplier bytes) {
        this.history = requireNonNull(bytes, "bytes");
    }

    /** Bytes queued for (positive) or written to (negative) chat connections. */
    public void outboundQueueBytes(long delta) {
        outboundQueueBytes.add(delta);
    }

    /** Bytes added to (positive) or dropped from (negative) room histories. */
    @Override
    public void historyBytes(long delta) {
        historyBytes.add(delta);
    }

    /** Stops the binders that hold resources (the GC listener) and closes the registry. */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
