package io.chorus.server.cluster;

import io.chorus.protocol.command.Names;
import io.chorus.protocol.event.Event;
import io.chorus.server.ClusterOptions;
import io.chorus.server.chat.Backplane;
import io.chorus.server.http.HealthStatus;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Range;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A {@link Backplane} on Redis 7, through Lettuce: one command connection and one pub/sub connection.
 *
 * <ul>
 *   <li><b>Rooms:</b> one sharded channel per room, subscribed only while the room has local members or
 *       watchers. A message is numbered, appended to the room's stream and published by one script
 *       ({@link ClusterScripts#APPEND}); its node delivers it locally when the id comes back, the
 *       others receive it on the channel, in id order, and a node skips what it sent itself.</li>
 *   <li><b>Presence and nicks:</b> written when they change and refreshed every third of
 *       {@code --cluster-ttl}, with expiry times, so a dead node's users disappear within the TTL.</li>
 *   <li><b>The link:</b> checked every second with a PING (its round trip is a metric). While it is
 *       down, {@code /health} says degraded, the chat core serves local members only, and failed sends
 *       are counted and logged once per interval. Lettuce reconnects by itself; when the link is back,
 *       this node subscribes its rooms again, rewrites its presence, re-asserts its nicks (one held
 *       elsewhere meanwhile is reported through {@link #onNickLost}), and moves past ids it issued alone.</li>
 * </ul>
 *
 * <p>The Lettuce client and its threads are this object's; {@link #close()} frees this node's nicks and
 * presence in Redis, then shuts them down. It never closes anything it was given (the health status,
 * the meter registry).
 */
public final class RedisBackplane implements Backplane {

    private static final Logger log = LogManager.getLogger(RedisBackplane.class);
    /** How often the link is checked with a PING. */
    private static final long LINK_CHECK_MILLIS = 1000;
    /** Failed sends are logged at most once per this interval, with their count. */
    private static final long FAILURE_LOG_MILLIS = 10_000;
    /** Guest numbers reserved from Redis at a time. */
    private static final long GUEST_BLOCK = 1000;
    /** A command Redis does not answer within this fails, and the chat core goes on locally. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    private final ClusterOptions options;
    private final String node;
    private final long ttlMillis;
    private final int historyLength;
    private final HealthStatus health;
    private final ClusterMeters meters;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService timer;

    private volatile StatefulRedisConnection<String, String> commands;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    private volatile boolean linked;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Rooms this node wants to receive, with where their events go. */
    private final Map<String, RoomSink> subscribed = new ConcurrentHashMap<>();
    /** Local members by room: the nicks this node reports in each room's presence. */
    private final Map<String, Set<String>> present = new ConcurrentHashMap<>();
    /** Local watchers by room. */
    private final Map<String, Integer> watching = new ConcurrentHashMap<>();
    /** Nicks this node holds, by key, with the nick as shown. */
    private final Map<String, String> nicks = new ConcurrentHashMap<>();
    /** Rooms left while the link was down: Lettuce re-subscribes them on reconnect, so restored() undoes that. */
    private final Set<String> leftWhileDown = ConcurrentHashMap.newKeySet();
    /** Rooms where this node numbered messages alone, with the highest such id. */
    private final Map<String, Long> numberedAlone = new ConcurrentHashMap<>();
    /** The cluster's run id as last read from Redis; null before the first link. */
    private volatile String clusterRun;
    private volatile Consumer<String> nickLost = nick -> { };
    private volatile Consumer<Event.Private> privates = event -> { };

    /** Reserved guest numbers: the next to hand out and the end of the block (exclusive). */
    private long guestNext;
    private long guestEnd;
    private boolean guestRefilling;

    private final AtomicLong failuresLogged = new AtomicLong();
    private volatile long lastFailureLog;
    private long lastRefresh;

    private RedisBackplane(ClusterOptions options, int historyLength, HealthStatus health, MeterRegistry registry) {
        this.options = options;
        this.node = options.nodeId();
        this.ttlMillis = options.ttl().toMillis();
        this.historyLength = historyLength;
        this.health = health;
        this.meters = new ClusterMeters(registry, subscribed::size);
        // Lettuce's smallest pools (it raises anything below 2): the node's own loops do the chat work.
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, RedisURI.create(options.uri()));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Fail at once while the link is down, so the chat core serves locally instead of waiting.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "chorus-cluster");
            thread.setDaemon(true);
            return thread;
        });
        // A dropped connection is known at once, not at the next PING: from then on the chat core serves
        // locally, and when the link is back restored() subscribes everything again.
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (!closed.get()) {
                    timer.execute(RedisBackplane.this::lost);
                }
            }
        });
    }

    /**
     * Joins the cluster: connects to Redis (or keeps trying in the background, serving locally, if it
     * cannot be reached now) and starts the link checks and presence refreshes.
     *
     * @param historyLength messages each room's shared history keeps ({@code --history-size})
     */
    public static RedisBackplane start(ClusterOptions options, int historyLength, HealthStatus health,
            MeterRegistry registry) {
        RedisBackplane backplane = new RedisBackplane(options, historyLength, health, registry);
        backplane.timer.execute(backplane::connect);
        backplane.timer.scheduleWithFixedDelay(backplane::check, LINK_CHECK_MILLIS, LINK_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
        return backplane;
    }

    @Override
    public boolean clustered() {
        return true;
    }

    @Override
    public String nodeId() {
        return node;
    }

    /** True while both connections to Redis are up. */
    public boolean linked() {
        return linked;
    }

    // ---- The link ----

    /** Opens both connections; on the timer thread. Until it succeeds, every check tries again. */
    private void connect() {
        if (commands != null || closed.get()) {
            return;
        }
        StatefulRedisPubSubConnection<String, String> sub = null;
        try {
            sub = client.connectPubSub(StringCodec.UTF8);
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void smessage(String channel, String message) {
                    received(channel, message);
                }
            });
            StatefulRedisConnection<String, String> cmd = client.connect(StringCodec.UTF8);
            pubsub = sub;
            commands = cmd;
            // Linked now, not at the next check: a node that says it is linked forwards at once.
            restored();
        } catch (RuntimeException e) {
            if (sub != null && commands == null) {
                // The pub/sub connection came up but the command connection did not: start over next time.
                sub.closeAsync();
            }
            if (!health.snapshot().reason().startsWith("cluster")) {
                log.warn("cluster: node {} cannot reach {}; serving local chat until it can ({})", node, redacted(),
                        e.getMessage());
            }
            health.degraded("cluster: Redis unreachable");
        }
    }

    /** Every second on the timer thread: connect if never connected, PING, and act on a change of state. */
    private void check() {
        if (closed.get()) {
            return;
        }
        try {
            if (commands == null) {
                connect();
                if (commands == null) {
                    return;
                }
            }
            long start = System.nanoTime();
            boolean up;
            try {
                commands.async().ping().get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                meters.roundTrip(System.nanoTime() - start);
                up = pubsub.isOpen();
            } catch (Exception e) {
                up = false;
            }
            if (up && !linked) {
                restored();
            } else if (!up) {
                lost();
            } else if (!numberedAlone.isEmpty()) {
                skipPastLocalIds(commands.async());
            }
            if (linked && System.currentTimeMillis() - lastRefresh >= options.refreshEvery().toMillis()) {
                refresh();
            }
            logFailures(false);
        } catch (RuntimeException e) {
            log.warn("cluster: link check failed", e);
        }
    }

    /** The link went down; on the timer thread. */
    private void lost() {
        if (!linked || closed.get()) {
            return;
        }
        linked = false;
        meters.link(false);
        health.degraded("cluster: Redis unreachable");
        log.warn("cluster: link to Redis lost; serving local chat, cross-node delivery paused");
    }

    /**
     * The link is up (for the first time or again): subscribe every local room, write presence and
     * nicks, and move each room's sequence past ids numbered here alone.
     */
    private void restored() {
        boolean first = lastRefresh == 0;
        RedisAsyncCommands<String, String> redis = commands.async();
        if (first) {
            warnIfIdTaken(redis);
        }
        loadScripts(redis);
        readRun(redis);
        pubsub.async().ssubscribe(ClusterKeys.nodeChannel(node));
        for (String room : subscribed.keySet()) {
            pubsub.async().ssubscribe(ClusterKeys.roomChannel(room));
        }
        for (String room : leftWhileDown) {
            leftWhileDown.remove(room);
            if (!subscribed.containsKey(room)) {
                pubsub.async().sunsubscribe(ClusterKeys.roomChannel(room));
            }
        }
        linked = true;
        skipPastLocalIds(redis);
        meters.link(true);
        refillGuests();
        refresh();
        health.up();
        if (first) {
            log.info("cluster: node {} linked to {}", node, redacted());
        } else {
            log.info("cluster: link to Redis restored");
        }
    }

    /**
     * Reads the cluster's run id, first setting it if no node has: a Redis that lost its data gets a new
     * one, as its ids and history start again.
     */
    private void readRun(RedisAsyncCommands<String, String> redis) {
        String candidate = Long.toString(System.currentTimeMillis(), 36) + "-" + node;
        try {
            redis.setnx(ClusterKeys.RUN, candidate).get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            String run = redis.get(ClusterKeys.RUN).get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (run != null) {
                clusterRun = run;
            }
        } catch (Exception e) {
            log.debug("cluster: reading the run id failed: {}", e.toString());
        }
    }

    @Override
    public String runId() {
        return clusterRun;
    }

    /**
     * Loads the scripts before anything runs them: a Redis that restarted has none, and a script sent in
     * full after a NOSCRIPT answer would run after messages sent later by hash, out of order.
     */
    private void loadScripts(RedisAsyncCommands<String, String> redis) {
        for (ClusterScripts.Script script : ClusterScripts.ALL) {
            try {
                redis.scriptLoad(script.source()).get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                // Run in full on first use instead (ClusterScripts.Script.run).
                log.debug("cluster: loading a script failed: {}", e.toString());
            }
        }
    }

    /**
     * Two running nodes with one id would skip each other's messages as their own. A node that restarts
     * within the TTL also finds its id, so this only warns.
     */
    private void warnIfIdTaken(RedisAsyncCommands<String, String> redis) {
        redis.zscore(ClusterKeys.NODES, node).thenAccept(expiry -> {
            if (expiry != null && expiry > System.currentTimeMillis()) {
                log.warn("cluster: a node with id {} refreshed its presence within the last {} ms; if it is still"
                        + " running, give each node its own --node-id, or they will miss each other's messages",
                        node, ttlMillis);
            }
        });
    }

    /**
     * Moves each room's shared sequence past the ids this node issued alone. Runs when the link returns,
     * and at every check while any are left: a send can fail (a timeout, a flap shorter than a check)
     * without the link ever being seen down.
     */
    private void skipPastLocalIds(RedisAsyncCommands<String, String> redis) {
        for (Map.Entry<String, Long> alone : numberedAlone.entrySet()) {
            ClusterScripts.SKIP_PAST.run(redis, ScriptOutputType.INTEGER,
                    new String[] {ClusterKeys.sequence(alone.getKey())}, Long.toString(alone.getValue()))
                    .thenRun(() -> numberedAlone.remove(alone.getKey(), alone.getValue()));
        }
    }

    /**
     * Writes this node's presence with a new expiry and re-asserts its nicks; on the timer thread, every
     * third of the TTL and when the link returns. Then updates each subscribed room's count of members
     * on other nodes.
     */
    private void refresh() {
        lastRefresh = System.currentTimeMillis();
        RedisAsyncCommands<String, String> redis = commands.async();
        long now = System.currentTimeMillis();
        long expiry = now + ttlMillis;
        redis.zadd(ClusterKeys.NODES, expiry, node);
        redis.zremrangebyscore(ClusterKeys.NODES, Range.create(Double.NEGATIVE_INFINITY, (double) now));
        String roomsKey = ClusterKeys.nodeRooms(node);
        redis.del(roomsKey);
        Map<String, String> counts = localCounts();
        if (!counts.isEmpty()) {
            redis.hset(roomsKey, counts);
        }
        redis.pexpire(roomsKey, ttlMillis);
        for (Map.Entry<String, Set<String>> room : present.entrySet()) {
            String who = ClusterKeys.who(room.getKey());
            for (String nick : room.getValue()) {
                redis.zadd(who, expiry, node + "|" + nick);
            }
            redis.zremrangebyscore(who, Range.create(Double.NEGATIVE_INFINITY, (double) now));
        }
        for (Map.Entry<String, String> held : nicks.entrySet()) {
            String key = held.getKey();
            String nick = held.getValue();
            claimScript(key).whenComplete((granted, failure) -> {
                if (failure == null && !granted && nicks.remove(key, nick)) {
                    log.info("cluster: nick {} is held by another node; renaming its local holder", nick);
                    nickLost.accept(nick);
                }
            });
        }
        rooms().thenAccept(all -> {
            for (Event.RoomInfo info : all) {
                RoomSink sink = subscribed.get(info.name());
                if (sink != null) {
                    sink.remoteMembers(Math.max(0, info.members() - present.getOrDefault(info.name(), Set.of()).size()));
                }
            }
        });
    }

    private Map<String, String> localCounts() {
        Map<String, String> counts = new TreeMap<>();
        Set<String> rooms = new TreeSet<>(present.keySet());
        rooms.addAll(watching.keySet());
        for (String room : rooms) {
            int members = present.getOrDefault(room, Set.of()).size();
            int watchers = watching.getOrDefault(room, 0);
            if (members > 0 || watchers > 0) {
                counts.put(room, members + " " + watchers);
            }
        }
        return counts;
    }

    /** The command connection's async API while the link is up, otherwise null. */
    private RedisAsyncCommands<String, String> linkedOrNull() {
        StatefulRedisConnection<String, String> connection = commands;
        return connection == null || !linked ? null : connection.async();
    }

    /** A stage failed because the link is down; counted as a failed cross-node send if {@code send}. */
    private <T> CompletionStage<T> unreachable(boolean send) {
        IllegalStateException down = new IllegalStateException("Redis unreachable");
        if (send) {
            failed(down);
        }
        return CompletableFuture.failedFuture(down);
    }

    /** Counts a failed cross-node send; the count is logged once per interval. */
    private void failed(Throwable cause) {
        meters.failed();
        failuresLogged.incrementAndGet();
        if (log.isDebugEnabled()) {
            log.debug("cluster: send failed: {}", cause.toString());
        }
        logFailures(false);
    }

    private void logFailures(boolean now) {
        long count = failuresLogged.get();
        long at = System.currentTimeMillis();
        if (count > 0 && (now || at - lastFailureLog >= FAILURE_LOG_MILLIS)) {
            lastFailureLog = at;
            failuresLogged.addAndGet(-count);
            log.warn("cluster: {} cross-node sends failed in the last interval (Redis unreachable); local members were"
                    + " served", count);
        }
    }

    private String redacted() {
        RedisURI uri = RedisURI.create(options.uri());
        return uri.toString();
    }

    // ---- Room traffic ----

    @Override
    public CompletionStage<Void> subscribe(String room, RoomSink sink) {
        subscribed.put(room, sink);
        leftWhileDown.remove(room);
        StatefulRedisPubSubConnection<String, String> sub = pubsub;
        if (sub == null || !linked) {
            // Subscribed when the link comes up (restored()).
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        sub.async().ssubscribe(ClusterKeys.roomChannel(room)).whenComplete((ok, failure) -> {
            if (failure != null) {
                failed(failure);
            }
            done.complete(null);
        });
        return done;
    }

    @Override
    public void unsubscribe(String room) {
        subscribed.remove(room);
        StatefulRedisPubSubConnection<String, String> sub = pubsub;
        if (sub != null && linked) {
            sub.async().sunsubscribe(ClusterKeys.roomChannel(room)).whenComplete((ok, failure) -> {
                if (failure != null) {
                    leftWhileDown.add(room);
                }
            });
        } else {
            leftWhileDown.add(room);
        }
    }

    /** A message on a room's or this node's channel; on a Lettuce thread. */
    private void received(String channel, String message) {
        try {
            ClusterCodec.Envelope envelope = ClusterCodec.parse(message);
            if (node.equals(envelope.origin())) {
                return;
            }
            if (envelope.event() instanceof Event.Private p) {
                meters.received();
                privates.accept(p);
                return;
            }
            String room = ClusterKeys.roomOf(channel);
            RoomSink sink = room == null ? null : subscribed.get(room);
            if (sink != null) {
                // Counted only when delivered: a message can still arrive just after the room was left.
                meters.received();
                sink.remote(envelope.event());
            }
        } catch (RuntimeException e) {
            log.warn("cluster: dropped a message on {} that is not a Chorus event: {}", channel, e.getMessage());
        }
    }

    @Override
    public CompletionStage<Long> append(String room, Event unnumbered) {
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        if (redis == null) {
            return unreachable(true);
        }
        long floor = System.currentTimeMillis() * 1000;
        CompletionStage<String> id = ClusterScripts.APPEND.run(redis, ScriptOutputType.VALUE,
                new String[] {ClusterKeys.sequence(room), ClusterKeys.firstId(room), ClusterKeys.log(room),
                        ClusterKeys.roomChannel(room)},
                Long.toString(floor), Integer.toString(historyLength), node, ClusterCodec.json(unnumbered));
        return id.handle((value, failure) -> {
            if (failure != null) {
                failed(failure);
                throw new IllegalStateException("Redis unreachable", failure);
            }
            meters.sent();
            return Long.parseLong(value);
        });
    }

    @Override
    public void numberedLocally(String room, long id) {
        numberedAlone.merge(room, id, Math::max);
    }

    @Override
    public void announce(String room, Event event) {
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        if (redis == null) {
            failed(new IllegalStateException("Redis unreachable"));
            return;
        }
        redis.spublish(ClusterKeys.roomChannel(room), ClusterCodec.envelope(node, event))
                .whenComplete((receivers, failure) -> {
                    if (failure != null) {
                        failed(failure);
                    } else {
                        meters.sent();
                    }
                });
    }

    @Override
    public CompletionStage<HistoryPage> history(String room, long afterId, int limit) {
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        if (redis == null) {
            return unreachable(false);
        }
        // What one node keeping --history messages would hold: the newest of them (after afterId if given).
        int held = Math.max(0, historyLength);
        int count = afterId < 0 ? Math.min(Math.max(1, limit), held) : held;
        if (count == 0) {
            // Nothing is kept (--history 0): only the sequence's last id, for the complete flag.
            return redis.get(ClusterKeys.sequence(room)).thenApply(last ->
                    page(room, afterId, limit, List.<Object>of(last == null ? "0" : last, "0")));
        }
        CompletionStage<List<Object>> read = ClusterScripts.HISTORY.run(redis, ScriptOutputType.MULTI,
                new String[] {ClusterKeys.sequence(room), ClusterKeys.firstId(room), ClusterKeys.log(room)},
                afterId < 0 ? "-1" : Long.toString(afterId), Integer.toString(count));
        return read.thenApply(reply -> page(room, afterId, limit, reply));
    }

    /**
     * Turns the history script's reply (newest first) into replays in id order and an end marker. Ids in
     * a room's sequence are consecutive, so the answer is complete exactly when what is held after
     * {@code afterId} starts right after it (or nothing came after it), or, for the last N, when N came
     * back or the first came back. {@code afterId} 0 asks for everything held, complete when the first of
     * the sequence is still there. After an id, at most {@code limit} of the held messages are kept, the
     * oldest first, as the API pages them.
     */
    static HistoryPage page(String room, long afterId, int limit, List<Object> reply) {
        long last = Long.parseLong(String.valueOf(reply.get(0)));
        long first = Long.parseLong(String.valueOf(reply.get(1)));
        List<Event> replays = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        for (int i = 2; i + 1 < reply.size(); i += 2) {
            String entryId = String.valueOf(reply.get(i));
            long id = Long.parseLong(entryId.substring(0, entryId.indexOf('-')));
            ids.add(id);
            replays.add(ClusterCodec.numbered(io.chorus.protocol.event.JsonEventDecoder.decode(String.valueOf(reply.get(i + 1))),
                    id, true));
        }
        Collections.reverse(replays);
        Collections.reverse(ids);
        boolean complete;
        if (afterId == 0) {
            // "since 0" asks for everything the room holds, as on one node: complete if nothing was trimmed.
            complete = ids.isEmpty() ? last == 0 : ids.get(0) == first;
        } else if (afterId > 0) {
            complete = ids.isEmpty() ? afterId == last : ids.get(0) == afterId + 1;
        } else {
            complete = ids.size() >= limit || (ids.isEmpty() ? last == 0 : ids.get(0) == first);
        }
        if (afterId >= 0 && replays.size() > limit) {
            replays = new ArrayList<>(replays.subList(0, limit));
            ids = new ArrayList<>(ids.subList(0, limit));
        }
        long firstId = ids.isEmpty() ? 0 : ids.get(0);
        long lastId = ids.isEmpty() ? 0 : ids.get(ids.size() - 1);
        return new HistoryPage(replays, new Event.HistoryEnd(room, complete, replays.size(), firstId, lastId));
    }

    // ---- Presence ----

    @Override
    public void present(String room, String nick) {
        present.computeIfAbsent(room, r -> ConcurrentHashMap.newKeySet()).add(nick);
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        // While the link is down, refresh() writes it when the link returns.
        if (redis != null) {
            redis.zadd(ClusterKeys.who(room), System.currentTimeMillis() + ttlMillis, node + "|" + nick);
            writeCount(redis, room);
        }
    }

    @Override
    public void absent(String room, String nick) {
        present.computeIfPresent(room, (r, set) -> {
            set.remove(nick);
            return set.isEmpty() ? null : set;
        });
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        // While the link is down, the entry expires by itself: refresh() no longer renews it.
        if (redis != null) {
            redis.zrem(ClusterKeys.who(room), node + "|" + nick);
            writeCount(redis, room);
        }
    }

    @Override
    public void watchers(String room, int count) {
        if (count > 0) {
            watching.put(room, count);
        } else {
            watching.remove(room);
        }
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        if (redis != null) {
            writeCount(redis, room);
        }
    }

    private void writeCount(RedisAsyncCommands<String, String> redis, String room) {
        int members = present.getOrDefault(room, Set.of()).size();
        int watchers = watching.getOrDefault(room, 0);
        if (members > 0 || watchers > 0) {
            redis.hset(ClusterKeys.nodeRooms(node), room, members + " " + watchers);
        } else {
            redis.hdel(ClusterKeys.nodeRooms(node), room);
        }
    }

    @Override
    public CompletionStage<List<String>> who(String room) {
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        if (redis == null) {
            return unreachable(false);
        }
        return redis.zrangebyscore(ClusterKeys.who(room),
                Range.create((double) System.currentTimeMillis(), Double.POSITIVE_INFINITY)).thenApply(entries -> {
                    Map<String, String> byKey = new TreeMap<>();
                    for (String entry : entries) {
                        String nick = entry.substring(entry.indexOf('|') + 1);
                        byKey.put(Names.nickKey(nick), nick);
                    }
                    List<String> sorted = new ArrayList<>(byKey.values());
                    sorted.sort(String.CASE_INSENSITIVE_ORDER);
                    return sorted;
                });
    }

    @Override
    public CompletionStage<List<Event.RoomInfo>> rooms() {
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        if (redis == null) {
            return unreachable(false);
        }
        return redis.zrangebyscore(ClusterKeys.NODES,
                Range.create((double) System.currentTimeMillis(), Double.POSITIVE_INFINITY)).thenCompose(nodes -> {
                    Map<String, int[]> sums = new TreeMap<>();
                    // This node's own counts are the freshest; other nodes' come from their hashes.
                    localCounts().forEach((room, counts) -> add(sums, room, counts));
                    List<CompletableFuture<Map<String, String>>> reads = new ArrayList<>();
                    for (String other : nodes) {
                        if (!other.equals(node)) {
                            reads.add(redis.hgetall(ClusterKeys.nodeRooms(other)).toCompletableFuture());
                        }
                    }
                    return CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0])).thenApply(done -> {
                        for (CompletableFuture<Map<String, String>> read : reads) {
                            read.join().forEach((room, counts) -> add(sums, room, counts));
                        }
                        List<Event.RoomInfo> all = new ArrayList<>();
                        sums.forEach((room, c) -> all.add(new Event.RoomInfo(room, c[0], c[1])));
                        return all;
                    });
                });
    }

    private static void add(Map<String, int[]> sums, String room, String counts) {
        String[] parts = counts.split(" ");
        int[] sum = sums.computeIfAbsent(room, r -> new int[2]);
        sum[0] += Integer.parseInt(parts[0]);
        sum[1] += parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    }

    // ---- Nicks and private messages ----

    @Override
    public synchronized long guestNumber(long localNext) {
        if (guestNext < guestEnd) {
            long number = guestNext++;
            if (guestEnd - guestNext < GUEST_BLOCK / 4) {
                refillLater();
            }
            return number;
        }
        refillLater();
        // No reserved block (Redis not reached yet): a number from this node's own range. A clash with
        // another node is still caught, and resolved by renaming, when the nick is asserted.
        return (Math.floorMod(node.hashCode(), 9000) + 1000) * 1_000_000L + localNext;
    }

    private void refillLater() {
        if (!closed.get()) {
            try {
                timer.execute(this::refillGuests);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // Closing: the node's own range serves the last few guests.
            }
        }
    }

    /** Reserves the next block of guest numbers, unless one is on its way. */
    private void refillGuests() {
        synchronized (this) {
            if (guestRefilling || guestEnd - guestNext >= GUEST_BLOCK / 4) {
                return;
            }
            guestRefilling = true;
        }
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        if (redis == null) {
            synchronized (this) {
                guestRefilling = false;
            }
            return;
        }
        redis.incrby(ClusterKeys.GUESTS, GUEST_BLOCK).whenComplete((end, failure) -> {
            synchronized (this) {
                guestRefilling = false;
                if (failure == null) {
                    guestNext = end - GUEST_BLOCK + 1;
                    guestEnd = end + 1;
                }
            }
        });
    }

    private CompletionStage<Boolean> claimScript(String key) {
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        if (redis == null) {
            return unreachable(false);
        }
        return ClusterScripts.CLAIM_NICK.<Long>run(redis, ScriptOutputType.INTEGER, new String[] {ClusterKeys.nick(key)},
                node, Long.toString(ttlMillis)).thenApply(granted -> granted == 1L);
    }

    @Override
    public CompletionStage<Boolean> claimNick(String nick) {
        String key = Names.nickKey(nick);
        return claimScript(key).thenApply(granted -> {
            if (granted) {
                nicks.put(key, nick);
            }
            return granted;
        });
    }

    @Override
    public void assumeNick(String nick) {
        String key = Names.nickKey(nick);
        nicks.put(key, nick);
        claimScript(key).whenComplete((granted, failure) -> {
            if (failure == null && !granted && nicks.remove(key, nick)) {
                nickLost.accept(nick);
            }
            // Unreachable: re-asserted by refresh() when the link returns.
        });
    }

    @Override
    public void releaseNick(String nick) {
        String key = Names.nickKey(nick);
        if (nicks.remove(key) == null) {
            return;
        }
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        // While the link is down, the claim expires with its TTL.
        if (redis != null) {
            ClusterScripts.RELEASE_NICK.run(redis, ScriptOutputType.INTEGER, new String[] {ClusterKeys.nick(key)}, node);
        }
    }

    @Override
    public void onNickLost(Consumer<String> lost) {
        this.nickLost = lost;
    }

    @Override
    public CompletionStage<Boolean> sendPrivate(Event.Private event) {
        RedisAsyncCommands<String, String> redis = linkedOrNull();
        if (redis == null) {
            return unreachable(true);
        }
        return redis.get(ClusterKeys.nick(Names.nickKey(event.to()))).thenCompose(holder -> {
            if (holder == null || holder.equals(node)) {
                return CompletableFuture.completedFuture(false);
            }
            return redis.spublish(ClusterKeys.nodeChannel(holder), ClusterCodec.envelope(node, event))
                    .thenApply(receivers -> {
                        meters.sent();
                        return receivers > 0;
                    });
        });
    }

    @Override
    public void onPrivate(Consumer<Event.Private> delivery) {
        this.privates = delivery;
    }

    /**
     * Leaves the cluster: removes this node's presence and nicks from Redis (other nodes see its users go
     * at once rather than after the TTL), then closes the connections and Lettuce's threads.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timer.shutdownNow();
        logFailures(true);
        StatefulRedisConnection<String, String> connection = commands;
        boolean wasLinked = linked;
        linked = false;
        meters.link(false);
        if (connection != null && wasLinked) {
            try {
                RedisAsyncCommands<String, String> redis = connection.async();
                List<CompletableFuture<?>> writes = new ArrayList<>();
                writes.add(redis.zrem(ClusterKeys.NODES, node).toCompletableFuture());
                writes.add(redis.del(ClusterKeys.nodeRooms(node)).toCompletableFuture());
                for (Map.Entry<String, Set<String>> room : present.entrySet()) {
                    for (String nick : room.getValue()) {
                        writes.add(redis.zrem(ClusterKeys.who(room.getKey()), node + "|" + nick).toCompletableFuture());
                    }
                }
                for (String key : nicks.keySet()) {
                    writes.add(ClusterScripts.RELEASE_NICK.run(redis, ScriptOutputType.INTEGER,
                            new String[] {ClusterKeys.nick(key)}, node).toCompletableFuture());
                }
                CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0]))
                        .get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                log.warn("cluster: could not remove this node's presence; it expires within {} ms", ttlMillis);
            }
        }
        try {
            client.shutdown(Duration.ZERO, COMMAND_TIMEOUT);
            resources.shutdown(0, COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            log.warn("cluster: closing the Redis client failed", e);
        }
        log.info("cluster: node {} left", node);
    }
}
