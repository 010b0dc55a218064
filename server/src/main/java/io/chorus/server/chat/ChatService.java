package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.ErrorCode;
import io.chorus.server.ServerConfig;
import io.chorus.server.metrics.ChatMeters;
import io.chorus.server.limits.HistoryBudget;
import io.chorus.server.limits.MessageIds;
import io.chorus.server.limits.OutboundBudget;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared state of one server's chat: the nick and room registries, the message ids of this server
 * run, and the limits that apply across connections (the outbound memory budget and the history
 * budget). One instance per server, passed to each connection's handler.
 */
public final class ChatService {

    /** The room every connection joins on connect. */
    public static final String DEFAULT_ROOM = "lobby";

    private final NickRegistry<Member> nicks;
    /** What this node shares with the other nodes of a cluster; {@link Backplane#LOCAL} on one node. */
    private final Backplane backplane;
    private final RoomRegistry<Room> rooms;
    private final ServerConfig config;
    private final EventLoopGroup loops;
    private final MessageIds ids = new MessageIds();
    private final OutboundBudget outboundBudget;
    private final HistoryBudget historyBudget;
    private volatile boolean shuttingDown;
    private final ChatMeters meters;

    public ChatService(ServerConfig config, EventLoopGroup loops, ByteBufAllocator alloc) {
        this(config, loops, alloc, ChatMeters.NONE);
    }

    /** A chat service that reports to {@code meters} (the server's {@code ChorusMetrics}). */
    public ChatService(ServerConfig config, EventLoopGroup loops, ByteBufAllocator alloc, ChatMeters meters) {
        this(config, loops, alloc, meters, Backplane.LOCAL);
    }

    /**
     * A chat service that shares rooms, nicks and presence with other nodes through {@code backplane}.
     * The service does not close the backplane: its owner (the server) does, after the chat drained.
     */
    public ChatService(ServerConfig config, EventLoopGroup loops, ByteBufAllocator alloc, ChatMeters meters,
            Backplane backplane) {
        this.meters = java.util.Objects.requireNonNull(meters, "meters");
        this.backplane = java.util.Objects.requireNonNull(backplane, "backplane");
        this.nicks = new NickRegistry<>(backplane);
        this.config = config;
        this.loops = loops;
        this.outboundBudget = new OutboundBudget(config.effectiveMaxOutboundMemory(), OutboundBudget.heldBy(alloc));
        this.historyBudget = new HistoryBudget(config.historyMemory());
        this.rooms = new RoomRegistry<>(loops, new Room.Kind(config.historySize(), config.quietRoomSize(), alloc,
                historyBudget, meters, backplane), ids, config.maxRooms(), config.roomTtl());
        backplane.onPrivate(event -> nicks.find(event.to()).ifPresent(target -> {
            meters.messagesOut(1);
            target.send(event);
        }));
        backplane.onNickLost(nick -> nicks.find(nick).ifPresent(holder -> {
            if (holder instanceof MemberBase member) {
                member.nickLost();
            }
        }));
    }

    /** What this node shares with other nodes; {@link Backplane#LOCAL} on one node. */
    public Backplane backplane() {
        return backplane;
    }

    public NickRegistry<Member> nicks() {
        return nicks;
    }

    public RoomRegistry<Room> rooms() {
        return rooms;
    }

    /** Where the chat core counts messages, fan-out, cut-offs and errors. */
    public ChatMeters meters() {
        return meters;
    }

    /** Bytes queued for connected chat users and not yet taken by them; summed when metrics are scraped. */
    public long outboundQueueBytes() {
        long total = 0;
        for (Member session : nicks.sessions()) {
            total += session.queuedBytes();
        }
        return total;
    }

    /** Read-only watchers (SSE feeds) over all rooms; for metrics. */
    public int watchers() {
        int total = 0;
        for (Room room : rooms.all()) {
            total += room.watcherCount();
        }
        return total;
    }

    /**
     * The run every welcome names: the cluster's while this node is linked to one, otherwise this server
     * run's {@link MessageIds#runId()}.
     */
    public String runId() {
        String cluster = backplane.runId();
        return cluster != null ? cluster : ids.runId();
    }

    /** The message ids of this server run. */
    public MessageIds ids() {
        return ids;
    }

    /** Bytes queued for all members together, bounded by {@code --max-outbound-memory}. */
    public OutboundBudget outboundBudget() {
        return outboundBudget;
    }

    /** Estimated history bytes of all rooms together, bounded by {@code --history-memory}. */
    public HistoryBudget historyBudget() {
        return historyBudget;
    }

    public ServerConfig config() {
        return config;
    }

    /** Connected chat sessions right now. */
    public int sessions() {
        return nicks.size();
    }

    /**
     * True once shutdown has begun: connections are not read any more, and connections closing now do
     * not announce their leaving.
     */
    public boolean shuttingDown() {
        return shuttingDown;
    }

    /** Marks the start of shutdown; see {@link #shuttingDown()}. */
    public void beginShutdown() {
        shuttingDown = true;
    }

    /**
     * Completes once every task queued to a room so far has run and every outbox those rooms fill is
     * empty: everything accepted before the call has been written to its members' transports. Checks the
     * condition on each room's own loop and checks again, a millisecond later, until it holds; the caller
     * bounds the wait (by {@code --shutdown-grace}) and may cancel the returned future.
     */
    public CompletableFuture<Void> drained() {
        shuttingDown = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        // First a fence through every loop: a line being handled while the flag was set finishes (and
        // queues its room task) before the check below is queued; every later line sees the flag and is
        // not accepted.
        List<EventExecutor> all = new ArrayList<>();
        loops.forEach(all::add);
        AtomicInteger fenced = new AtomicInteger(all.size());
        for (EventExecutor loop : all) {
            loop.execute(() -> {
                if (fenced.decrementAndGet() == 0) {
                    checkDrained(done);
                }
            });
        }
        return done;
    }

    private void checkDrained(CompletableFuture<Void> done) {
        if (done.isDone()) {
            return;
        }
        List<Room> all = new ArrayList<>(rooms.all());
        if (all.isEmpty()) {
            done.complete(null);
            return;
        }
        AtomicInteger left = new AtomicInteger(all.size());
        AtomicBoolean busy = new AtomicBoolean();
        for (Room room : all) {
            // Runs behind every task already queued to the room, so those tasks' deliveries are in its outboxes.
            room.afterQueued(() -> {
                if (!room.outboxesIdle()) {
                    busy.set(true);
                }
                if (left.decrementAndGet() == 0) {
                    if (busy.get()) {
                        room.executor().schedule(() -> checkDrained(done), 1, TimeUnit.MILLISECONDS);
                    } else {
                        done.complete(null);
                    }
                }
            });
        }
    }

    /** Tells every connected user that the server is going down; flushed on each user's loop. */
    public void announceShutdown() {
        shuttingDown = true;
        for (Member session : nicks.sessions()) {
            meters.error(ErrorCode.SHUTTING_DOWN.wire());
            session.send(Event.Error.of(ErrorCode.SHUTTING_DOWN, "the server is shutting down"));
        }
    }
}
