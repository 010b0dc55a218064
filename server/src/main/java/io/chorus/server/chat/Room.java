package io.chorus.server.chat;

import io.chorus.protocol.event.ErrorCode;
import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.EventEncoder;
import io.chorus.protocol.event.OutputFormat;
import io.chorus.server.metrics.ChatMeters;
import io.chorus.server.limits.HistoryBudget;
import io.chorus.server.limits.MessageIds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One chat room: its members, its message numbering and the history kept for {@code /history}.
 *
 * <p>A room lives on one event loop, its {@link #executor()}. Every change and every broadcast runs
 * there, in order, so message ids increase in the order members receive them and no lock is needed.
 * A broadcast encodes the event once per output format in use, then queues one entry in the
 * {@link LoopOutbox} of each event loop that has members; the outbox writes
 * {@code retainedDuplicate()}s to them and flushes each member once per batch.
 *
 * <p>One object is one incarnation of a room name: the {@link RoomRegistry} makes it on the first join
 * (through {@link Kind}), hands out leases while members are in it, and {@linkplain #dispose disposes}
 * of it once it has stayed empty for the room TTL. Its ids start at the {@code firstId} the server's
 * {@link MessageIds} gave it, so they never repeat an earlier incarnation's. Its history is counted in
 * the server's {@link HistoryBudget}, which may ask it to {@linkplain #shed shed} its oldest messages.
 */
public final class Room implements HistoryBudget.Owner {

    /** How the registry makes, inspects and frees rooms of this server. */
    static final class Kind implements RoomKind<Room> {
        private final int historyLimit;
        private final int quietSize;
        private final ByteBufAllocator alloc;
        private final HistoryBudget historyBudget;
        private final ChatMeters meters;
        private final Backplane backplane;

        Kind(int historyLimit, int quietSize, ByteBufAllocator alloc, HistoryBudget historyBudget, ChatMeters meters,
                Backplane backplane) {
            this.backplane = backplane;
            this.historyLimit = historyLimit;
            this.quietSize = quietSize;
            this.alloc = alloc;
            this.historyBudget = historyBudget;
            this.meters = meters;
        }

        @Override
        public Room create(String name, EventExecutor executor, long firstId) {
            return new Room(name, executor, firstId, historyLimit, quietSize, alloc, historyBudget, meters, backplane);
        }

        @Override
        public EventExecutor executor(Room room) {
            return room.executor();
        }

        @Override
        public int memberCount(Room room) {
            return room.memberCount();
        }

        @Override
        public int watcherCount(Room room) {
            return room.watcherCount();
        }

        @Override
        public long lastIssuedId(Room room) {
            return room.lastIssuedId();
        }

        @Override
        public void dispose(Room room) {
            room.dispose();
        }
    }

    private static final Member[] NO_MEMBERS = new Member[0];
    private static final List<Event> NOTHING = List.of();

    private final String name;
    private final EventExecutor executor;
    private final int historyLimit;
    /** Above this many members, joins, leaves and nick changes are not announced to everyone; 0 = never quiet. */
    private final int quietSize;
    private final ByteBufAllocator alloc;
    /** Fan-out deliveries and history memory are counted here. */
    private final ChatMeters meters;

    // Confined to executor.
    /** Members grouped by their channel's event loop; each array is replaced, never mutated. */
    private final Map<EventExecutor, Member[]> membersByLoop = new IdentityHashMap<>();
    /** Where deliveries to each loop's members queue up; see {@link LoopOutbox}. */
    private final Map<EventExecutor, LoopOutbox> outboxes = new IdentityHashMap<>();
    /**
     * Which encodings each loop's members need, remembered per members array and format epoch, so a
     * broadcast does not ask every member its format: at 16,000 msg/s to 1,000 members that scan was the
     * room loop's largest cost. An entry is stale once its loop's members array is replaced, which every
     * join and leave does, so it is only dropped when its loop has no members left. Confined to executor.
     */
    private final Map<EventExecutor, Slots> slotsByLoop = new IdentityHashMap<>();
    private final ArrayDeque<Event> history = new ArrayDeque<>();
    /** The first id this incarnation issues; see {@link MessageIds#firstId()}. */
    private final long firstId;
    private long nextId;
    /** The highest message id that has been dropped from history; {@code firstId - 1} when none was. */
    private long droppedThrough;
    /** This room's share of the server's history budget; closed on dispose. */
    private final HistoryBudget.Ledger ledger;

    /** Per-slot buffers of the broadcast being encoded; confined to executor, empty between broadcasts. */
    private final ByteBuf[] scratch = new ByteBuf[Encoded.slotCount()];

    /** The id of the last message numbered here, {@code firstId - 1} before the first; read from other threads. */
    private volatile long lastId;

    /** Read from other threads for {@code /rooms}. */
    private volatile int memberCount;

    /**
     * Read-only members (SSE watchers): in {@link #membersByLoop} for the fan-out, but not in
     * {@code /who}, the member count or announcements. Confined to executor.
     */
    private final Set<Member> watchers = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** Read from other threads for the API's room list and metrics. */
    private volatile int watcherCount;

    // ---- Cluster mode (see Backplane): confined to executor unless said otherwise. ----
    private final Backplane backplane;
    private final boolean clustered;
    /** This room's subscription to the other nodes' events; null while the room has no local occupant. */
    private CompletableFuture<Void> subscription;
    /**
     * Room tasks waiting for the subscription, in the order they came: joins and watches, and every task
     * queued behind them (leaves, messages, queries), so a leave never overtakes its own join.
     */
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    /** Messages said here that wait for their cluster id, delivered in the order they were said. */
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** False until the first id from the shared sequence arrives; see {@link #seen}. */
    private boolean seenClusterId;
    /** Members of this room on other nodes, as of the last presence refresh and announcements; any thread. */
    private volatile int remoteMembers;
    /** Where the backplane hands in what other nodes say in this room. */
    private final Backplane.RoomSink sink = new Backplane.RoomSink() {
        @Override
        public void remote(Event event) {
            executor.execute(() -> deliverRemote(event));
        }

        @Override
        public void remoteMembers(int count) {
            remoteMembers = count;
        }
    };

    /** A room that counts nothing; for tests. */
    Room(String name, EventExecutor executor, long firstId, int historyLimit, int quietSize, ByteBufAllocator alloc,
            HistoryBudget historyBudget) {
        this(name, executor, firstId, historyLimit, quietSize, alloc, historyBudget, ChatMeters.NONE, Backplane.LOCAL);
    }

    Room(String name, EventExecutor executor, long firstId, int historyLimit, int quietSize, ByteBufAllocator alloc,
            HistoryBudget historyBudget, ChatMeters meters, Backplane backplane) {
        this.meters = meters;
        this.backplane = backplane;
        this.clustered = backplane.clustered();
        this.name = name;
        this.quietSize = quietSize;
        this.executor = executor;
        this.historyLimit = historyLimit;
        this.alloc = alloc;
        this.firstId = firstId;
        this.nextId = firstId;
        this.droppedThrough = firstId - 1;
        this.lastId = firstId - 1;
        this.ledger = historyBudget.open(this);
    }

    public String name() {
        return name;
    }

    @Override
    public EventExecutor executor() {
        return executor;
    }

    public int memberCount() {
        return memberCount;
    }

    /** The id of the last message or action this room accepted and numbered; {@code firstId - 1} before the first. */
    public long lastMessageId() {
        return lastId;
    }

    /** The first id of this incarnation of the room. */
    public long firstId() {
        return firstId;
    }

    /** The last id this room issued, {@code firstId - 1} if none; call on the room's executor. */
    long lastIssuedId() {
        return nextId - 1;
    }

    /** Messages held in history now; call on the room's executor (tests read it there). */
    int historySize() {
        return history.size();
    }

    /** Outboxes this room holds now, one per event loop it has sent to; call on the room's executor. */
    int outboxCount() {
        return outboxes.size();
    }

    /**
     * Frees what this room holds: history (and its share of the history budget) and its outboxes. Called
     * once by the registry, on the executor, after it forgot the room and no member holds a lease.
     * Outboxes already scheduled still drain what they hold (replies to members that just left); they
     * are only no longer reachable from here. Tasks queued for the room after this find no members and
     * no history, so they answer as for an empty room.
     */
    void dispose() {
        if (subscription != null) {
            backplane.unsubscribe(name);
            subscription = null;
        }
        history.clear();
        droppedThrough = nextId - 1;
        ledger.close();
        outboxes.clear();
        slotsByLoop.clear();
    }

    /**
     * Drops the oldest messages until {@code bytes} are freed, for the server's history budget. Later
     * replays that reach back past them say {@code complete:false}.
     */
    @Override
    public long shed(long bytes) {
        long freed = 0;
        while (freed < bytes && !history.isEmpty()) {
            Event dropped = history.removeFirst();
            droppedThrough = idOf(dropped);
            freed += estimate(dropped);
        }
        return freed;
    }

    /**
     * Adds a member under the nick it had when it asked, confirms it through {@code slot}, and announces
     * it to the others unless the room is quiet.
     */
    void join(Member session, String nick, ReplySlot slot) {
        executor.execute(() -> whenSubscribed(() -> {
            EventExecutor loop = session.eventLoop();
            Member[] current = membersByLoop.getOrDefault(loop, NO_MEMBERS);
            for (Member member : current) {
                if (member == session) {
                    tell(slot, NOTHING);
                    return;
                }
            }
            Member[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = session;
            membersByLoop.put(loop, next);
            memberCount++;
            backplane.present(name, nick);
            Event.Join join = new Event.Join(name, nick);
            if (!quiet()) {
                // A crowd does not need to hear of every arrival; the joiner always gets its confirmation.
                fanOut(join, session);
                backplane.announce(name, join);
            }
            tell(slot, List.of(join));
        }));
    }

    /**
     * Removes a member and tells the others; {@code quit} marks a disconnect, which is not confirmed to the
     * leaver. {@code slot} (null for a disconnect) gets the confirmation.
     */
    void leave(Member session, String reason, boolean quit, ReplySlot slot) {
        executor.execute(() -> inOrder(() -> {
            // Counted with the leaver still in, so the last arrival and first departure match.
            boolean quiet = quiet();
            if (!remove(session)) {
                if (slot != null) {
                    tell(slot, NOTHING);
                }
                return;
            }
            Event.Leave event = new Event.Leave(name, session.nick(), reason, quit);
            backplane.absent(name, session.nick());
            if (!quiet) {
                fanOut(event, session);
                backplane.announce(name, event);
            }
            unsubscribeIfVacant();
            if (slot != null) {
                tell(slot, quit ? NOTHING : List.of(event));
            }
        }));
    }

    private boolean remove(Member session) {
        EventExecutor loop = session.eventLoop();
        Member[] current = membersByLoop.get(loop);
        if (current == null) {
            return false;
        }
        List<Member> kept = new ArrayList<>(current.length);
        for (Member member : current) {
            if (member != session) {
                kept.add(member);
            }
        }
        if (kept.size() == current.length) {
            return false;
        }
        if (kept.isEmpty()) {
            membersByLoop.remove(loop);
            slotsByLoop.remove(loop);
        } else {
            membersByLoop.put(loop, kept.toArray(NO_MEMBERS));
        }
        memberCount--;
        return true;
    }

    /** True while the room, counted over every node, is too big to announce comings and goings to everyone. */
    private boolean quiet() {
        return quietSize > 0 && memberCount + remoteMembers > quietSize;
    }

    /**
     * Runs a join or watch once the room receives the other nodes' events, subscribing first if it has
     * not; on a single node, at once. So a joiner's confirmation comes after the room is live.
     */
    private void whenSubscribed(Runnable action) {
        if (!clustered) {
            action.run();
            return;
        }
        if (subscription == null) {
            CompletableFuture<Void> made = backplane.subscribe(name, sink).toCompletableFuture();
            subscription = made;
            if (!made.isDone()) {
                made.whenComplete((ignored, failure) -> executor.execute(() -> {
                    if (subscription == made) {
                        runWaiting();
                    }
                }));
            }
        }
        if (subscription.isDone() && waiting.isEmpty()) {
            action.run();
        } else {
            waiting.addLast(action);
        }
    }

    /** Runs a room task now, or behind the joins that wait for the subscription. */
    private void inOrder(Runnable action) {
        if (waiting.isEmpty()) {
            action.run();
        } else {
            waiting.addLast(action);
        }
    }

    private void runWaiting() {
        Runnable next;
        while ((next = waiting.pollFirst()) != null) {
            next.run();
        }
    }

    /** Stops receiving other nodes' events once nobody on this node is in the room or waits to be. */
    private void unsubscribeIfVacant() {
        if (subscription != null && waiting.isEmpty() && memberCount == 0 && watchers.isEmpty()) {
            backplane.unsubscribe(name);
            subscription = null;
        }
    }

    /**
     * Numbers, stores and delivers a message or action from {@code from}. The sender's own copy (echo on)
     * or its error goes through {@code slot}, in order with its other replies.
     */
    void publish(Member from, String nick, String text, boolean action, Instant ts, ReplySlot slot) {
        executor.execute(() -> inOrder(() -> {
            if (!isMember(from)) {
                // The sender left (or was never in) the room before this message reached it.
                tell(slot, List.of(Event.Error.aboutRoom(ErrorCode.NOT_IN_ROOM, "you are not in #" + name, name)));
                return;
            }
            number(new Pending(from, slot, null, nick, text, action, ts));
        }));
    }

    /**
     * Numbers a message and delivers it. On a single node the id is this room's next; in a cluster it
     * comes from the shared sequence, and messages said here are delivered in the order they were said
     * even though their ids arrive later. If the cluster cannot be reached, the room numbers the message
     * itself and tells the backplane, which reconciles the shared sequence when the link returns.
     */
    private void number(Pending message) {
        if (!clustered) {
            message.id = nextId++;
            deliverNumbered(message);
            return;
        }
        pending.addLast(message);
        backplane.append(name, message.event(0)).whenComplete((id, failure) -> executor.execute(() -> {
            message.clusterId = failure == null ? id : -1;
            message.answered = true;
            while (!pending.isEmpty() && pending.peekFirst().answered) {
                Pending next = pending.removeFirst();
                if (next.clusterId > 0) {
                    next.id = next.clusterId;
                    seen(next.id);
                } else {
                    // Above every id seen here and time-based, so two nodes cut off at once rarely pick
                    // the same id; the shared sequence skips past it when the link returns.
                    next.id = Math.max(nextId, MessageIds.timeFloor());
                    nextId = next.id + 1;
                    lastId = Math.max(lastId, next.id);
                    backplane.numberedLocally(name, next.id);
                }
                deliverNumbered(next);
            }
        }));
    }

    private void deliverNumbered(Pending message) {
        if (!clustered) {
            lastId = message.id;
        }
        Event event = message.event(message.id);
        remember(event);
        fanOut(event, message.from);
        if (message.assigned != null) {
            message.assigned.complete(message.id);
            return;
        }
        if (message.from.echo()) {
            meters.messagesOut(1);
        }
        tell(message.slot, message.from.echo() ? List.of(event) : NOTHING);
    }

    /** A message or action on its way to an id: said by a member (with its reply slot) or published by the API. */
    private final class Pending {
        final Member from;
        final ReplySlot slot;
        final CompletableFuture<Long> assigned;
        final String nick;
        final String text;
        final boolean action;
        final Instant ts;
        long clusterId;
        boolean answered;
        long id;

        Pending(Member from, ReplySlot slot, CompletableFuture<Long> assigned, String nick, String text, boolean action,
                Instant ts) {
            this.from = from;
            this.slot = slot;
            this.assigned = assigned;
            this.nick = nick;
            this.text = text;
            this.action = action;
            this.ts = ts;
        }

        Event event(long id) {
            return action ? new Event.Action(name, nick, text, id, ts, false) : new Event.Message(name, nick, text, id, ts, false);
        }
    }

    /**
     * A cluster id reached this room. The room's own first id only numbers a single node's messages; in
     * a cluster the shared sequence does, so the first cluster id seen replaces it as the base.
     */
    private void seen(long id) {
        if (!seenClusterId) {
            seenClusterId = true;
            nextId = id + 1;
            lastId = id;
            return;
        }
        nextId = Math.max(nextId, id + 1);
        lastId = Math.max(lastId, id);
    }

    /** What another node said in this room: delivered to every local occupant, and kept in local history. */
    private void deliverRemote(Event event) {
        if (event instanceof Event.Message || event instanceof Event.Action) {
            seen(idOf(event));
            remember(event);
        } else if (event instanceof Event.Join) {
            remoteMembers++;
        } else if (event instanceof Event.Leave) {
            remoteMembers = Math.max(0, remoteMembers - 1);
        }
        fanOut(event, null);
    }

    /**
     * Runs {@code then} on the room's executor after every task queued to the room before it; used by the
     * shutdown drain.
     */
    void afterQueued(Runnable then) {
        executor.execute(then);
    }

    /**
     * True when no message waits for its cluster id and every outbox this room fills is empty; call on
     * the room's executor.
     */
    boolean outboxesIdle() {
        if (!pending.isEmpty() || !waiting.isEmpty()) {
            return false;
        }
        for (LoopOutbox outbox : outboxes.values()) {
            if (!outbox.isIdle()) {
                return false;
            }
        }
        return true;
    }

    /** Tells the members that one of them changed nick. */
    void nickChanged(Member session, String oldNick, String newNick) {
        executor.execute(() -> inOrder(() -> {
            if (!isMember(session)) {
                return;
            }
            backplane.absent(name, oldNick);
            backplane.present(name, newNick);
            if (!quiet()) {
                Event.NickChange change = new Event.NickChange(name, oldNick, newNick);
                fanOut(change, session);
                backplane.announce(name, change);
            }
        }));
    }

    /** Sends the member list, of every node in a cluster, through {@code slot}. */
    void who(ReplySlot slot) {
        executor.execute(() -> inOrder(() -> {
            if (clustered) {
                // The local list answers if the cluster cannot.
                List<String> local = localNicks();
                backplane.who(name).whenComplete((nicks, failure) -> executor.execute(() ->
                        tell(slot, List.of(new Event.Who(name, failure == null ? nicks : local)))));
                return;
            }
            tell(slot, List.of(new Event.Who(name, localNicks())));
        }));
    }

    private List<String> localNicks() {
        List<String> nicks = new ArrayList<>(memberCount);
        for (Member[] members : membersByLoop.values()) {
            for (Member member : members) {
                if (!watchers.contains(member)) {
                    nicks.add(member.nick());
                }
            }
        }
        nicks.sort(String.CASE_INSENSITIVE_ORDER);
        return nicks;
    }

    /** Replays the last {@code count} messages to a member, then a history marker. */
    void historyLast(ReplySlot slot, int count) {
        executor.execute(() -> inOrder(() -> {
            if (!isMember(slot.member())) {
                tell(slot, List.of(Event.Error.aboutRoom(ErrorCode.NOT_IN_ROOM, "join #" + name + " to read its history",
                        name)));
                return;
            }
            if (clustered) {
                replayShared(slot, -1, count);
                return;
            }
            long lastIssued = nextId - 1;
            long wantFrom = Math.max(firstId, lastIssued - count + 1);
            replay(slot, wantFrom, wantFrom > droppedThrough);
        }));
    }

    /** Replays every held message after {@code afterId} to a member, then a history marker. */
    void historySince(ReplySlot slot, long afterId) {
        executor.execute(() -> inOrder(() -> {
            if (!isMember(slot.member())) {
                tell(slot, List.of(Event.Error.aboutRoom(ErrorCode.NOT_IN_ROOM, "join #" + name + " to read its history",
                        name)));
                return;
            }
            if (clustered) {
                replayShared(slot, afterId, Math.max(historyLimit, 1));
                return;
            }
            // Complete only if afterId belongs to this incarnation and nothing after it was dropped: an id
            // from before firstId is from a freed room or an earlier run, whose messages are gone.
            replay(slot, afterId + 1, MessageIds.complete(afterId, firstId, nextId - 1, droppedThrough));
        }));
    }

    /**
     * Answers {@code /history} from the cluster's shared history. If the cluster cannot be reached, what
     * this node holds answers instead, marked incomplete: other nodes' messages may be missing from it.
     */
    private void replayShared(ReplySlot slot, long afterId, int count) {
        backplane.history(name, afterId, count).whenComplete((page, failure) -> executor.execute(() -> {
            if (failure == null) {
                List<Event> events = new ArrayList<>(page.replays());
                events.add(page.end());
                tell(slot, events);
            } else if (afterId >= 0) {
                replay(slot, afterId + 1, false);
            } else {
                // The last count held here, whatever their ids: cluster ids may lie below this room's firstId.
                long from = history.size() <= count ? Long.MIN_VALUE : idOf(history.stream().skip(history.size() - count)
                        .findFirst().orElseThrow());
                replay(slot, from, false);
            }
        }));
    }

    private void replay(ReplySlot slot, long fromId, boolean complete) {
        List<Event> replayed = new ArrayList<>();
        for (Event event : history) {
            if (idOf(event) >= fromId) {
                replayed.add(asReplay(event));
            }
        }
        if (clustered) {
            // Held in arrival order, where this node's own messages may sit a few places from id order.
            replayed.sort(java.util.Comparator.comparingLong(Room::idOf));
        }
        long first = replayed.isEmpty() ? 0 : idOf(replayed.get(0));
        long last = replayed.isEmpty() ? 0 : idOf(replayed.get(replayed.size() - 1));
        replayed.add(new Event.HistoryEnd(name, complete, replayed.size(), first, last));
        tell(slot, replayed);
    }

    /** Answers one command through its member's loop outbox, in order with this room's broadcasts. */
    private void tell(ReplySlot slot, List<Event> events) {
        outbox(slot.member().eventLoop()).reply(slot, events);
    }

    private LoopOutbox outbox(EventExecutor loop) {
        return outboxes.computeIfAbsent(loop, LoopOutbox::new);
    }

    private void remember(Event event) {
        if (historyLimit == 0) {
            droppedThrough = idOf(event);
            return;
        }
        history.addLast(event);
        ledger.add(estimate(event));
        long dropped = 0;
        while (history.size() > historyLimit) {
            Event old = history.removeFirst();
            droppedThrough = idOf(old);
            dropped += estimate(old);
        }
        if (dropped > 0) {
            ledger.remove(dropped);
        }
    }

    private static long estimate(Event event) {
        return event instanceof Event.Message m ? HistoryBudget.estimate(m.from(), m.text())
                : HistoryBudget.estimate(((Event.Action) event).from(), ((Event.Action) event).text());
    }

    private static Event asReplay(Event event) {
        return event instanceof Event.Message m ? m.asReplay() : ((Event.Action) event).asReplay();
    }

    private static long idOf(Event event) {
        return event instanceof Event.Message m ? m.id() : ((Event.Action) event).id();
    }

    private boolean isMember(Member session) {
        Member[] members = membersByLoop.get(session.eventLoop());
        if (members != null) {
            for (Member member : members) {
                if (member == session) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Delivers one event to every member but {@code except}. Runs on the room's executor. Each (format,
     * framing) in use is encoded once; each event loop with members gets one outbox entry holding one
     * reference per payload, and the outbox writes a {@code retainedDuplicate()} to each member.
     */
    private void fanOut(Event event, Member except) {
        ByteBuf[] master = scratch;
        long reached = 0;
        try {
            long epoch = MemberBase.formatChanges();
            for (Map.Entry<EventExecutor, Member[]> group : membersByLoop.entrySet()) {
                Member[] members = group.getValue();
                int audience = members.length;
                if (except != null && except.eventLoop() == group.getKey() && contains(members, except)) {
                    audience--;
                }
                if (audience == 0) {
                    continue;
                }
                reached += audience;
                // The sender's format may be encoded for nothing; a member that changed format since is
                // encoded for on its own by the outbox.
                int needed = slots(group.getKey(), members, epoch);
                Encoded encoded = new Encoded();
                try {
                    for (int slot = 0; slot < Encoded.slotCount(); slot++) {
                        if ((needed & (1 << slot)) != 0) {
                            if (master[slot] == null) {
                                master[slot] = encode(event, slot, master);
                            }
                            encoded.put(slot, master[slot].retain());
                        }
                    }
                } catch (Throwable t) {
                    encoded.release();
                    throw t;
                }
                outbox(group.getKey()).broadcast(members, except, event, encoded);
            }
        } finally {
            for (int slot = 0; slot < master.length; slot++) {
                release(master[slot]);
                master[slot] = null;
            }
            countDeliveries(event, reached);
        }
    }

    /** The encodings {@code members} need, from {@link #slotsByLoop} or computed again when stale. */
    private int slots(EventExecutor loop, Member[] members, long epoch) {
        Slots known = slotsByLoop.get(loop);
        if (known != null && known.members == members && known.epoch == epoch) {
            return known.needed;
        }
        int needed = 0;
        for (Member member : members) {
            needed |= 1 << Encoded.slotOf(member);
        }
        slotsByLoop.put(loop, new Slots(members, needed, epoch));
        return needed;
    }

    private static boolean contains(Member[] members, Member member) {
        for (Member m : members) {
            if (m == member) {
                return true;
            }
        }
        return false;
    }

    /** The encodings one members array needed at one format epoch. */
    private record Slots(Member[] members, int needed, long epoch) {
    }

    /**
     * Encodes for one slot. A message-framed payload is a slice of the stream-framed one without its LF,
     * and a WebSocket or SSE one that slice behind its frame header, so a format is encoded once whatever
     * the framings in use.
     */
    private ByteBuf encode(Event event, int slot, ByteBuf[] master) {
        OutputFormat format = Encoded.formatOf(slot);
        int stream = Encoded.slot(format, Framing.STREAM);
        if (master[stream] == null) {
            master[stream] = (format == OutputFormat.JSON ? JSON : TEXT).encode(event, alloc);
        }
        if (slot == stream) {
            return master[stream];
        }
        return Encoded.frame(event, Encoded.withoutFinalLf(master[stream].retain()), Encoded.framingOf(slot), alloc);
    }

    private static void release(ByteBuf buf) {
        if (buf != null) {
            buf.release();
        }
    }

    private static final EventEncoder TEXT = EventEncoder.of(OutputFormat.TEXT);
    private static final EventEncoder JSON = EventEncoder.of(OutputFormat.JSON);

    // ---- Read-only watchers and server-side publishing (the HTTP API); see io.chorus.server.api. ----

    /** Read-only members watching this room now. */
    public int watcherCount() {
        return watcherCount;
    }

    /**
     * Adds a read-only watcher: it receives every room event from now on through the same fan-out as
     * members, but is not in {@code /who}, the member count or join/leave announcements. With
     * {@code afterId >= 0} it first gets the held messages after that id (as replays) and a history
     * marker saying whether the gap was complete, in order before any live event.
     */
    public void watch(Member watcher, long afterId) {
        watch(watcher, afterId, () -> { });
    }

    /**
     * As {@link #watch(Member, long)}, and runs {@code started} on the watcher's loop once the room
     * receives every node's events, before the replay and any live event: an SSE feed says it is
     * watching only when nothing said from then on can pass it by.
     */
    public void watch(Member watcher, long afterId, Runnable started) {
        executor.execute(() -> whenSubscribed(() -> {
            if (watchers.contains(watcher)) {
                return;
            }
            outbox(watcher.eventLoop()).then(started);
            if (afterId < 0) {
                addWatcher(watcher);
            } else if (!clustered) {
                replayTo(watcher, replayAfter(afterId, Integer.MAX_VALUE));
                addWatcher(watcher);
            } else {
                // Counted as a watcher while the shared history is read, so the room stays subscribed.
                watchers.add(watcher);
                backplane.history(name, afterId, Math.max(historyLimit, 1)).whenComplete((page, failure) ->
                        executor.execute(() -> {
                            watchers.remove(watcher);
                            if (!watcher.isOpen()) {
                                unsubscribeIfVacant();
                                return;
                            }
                            replayTo(watcher, failure == null ? withLaterLocal(page, afterId) : replayAfter(afterId, Integer.MAX_VALUE,
                                    false));
                            addWatcher(watcher);
                        }));
            }
        }));
    }

    /**
     * A shared-history page followed by what reached this node after it was read: the room was already
     * subscribed, so every later message is in local history.
     */
    private List<Event> withLaterLocal(Backplane.HistoryPage page, long afterId) {
        // Past the page's last message, or past what the watcher asked for when the page was empty.
        long after = Math.max(page.end().lastId(), afterId);
        List<Event> events = new ArrayList<>(page.replays());
        int count = page.replays().size();
        long first = page.end().firstId();
        long last = after;
        if (after >= 0) {
            for (Event event : history) {
                long id = idOf(event);
                if (id > after) {
                    events.add(asReplay(event));
                    count++;
                    last = id;
                    first = first == 0 ? id : first;
                }
            }
        }
        events.add(new Event.HistoryEnd(name, page.end().complete(), count, first, last));
        return events;
    }

    /** Queues a replay in the watcher's loop outbox, ahead of every broadcast the room makes after this. */
    private void replayTo(Member watcher, List<Event> replay) {
        outbox(watcher.eventLoop()).then(() -> {
            if (watcher.isOpen()) {
                for (Event event : replay) {
                    watcher.deliver(Encoded.encode(event, watcher.format(), watcher.framing(), watcher.alloc()));
                }
                watcher.flush();
            }
        });
    }

    private void addWatcher(Member watcher) {
        EventExecutor loop = watcher.eventLoop();
        Member[] current = membersByLoop.getOrDefault(loop, NO_MEMBERS);
        Member[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = watcher;
        membersByLoop.put(loop, next);
        watchers.add(watcher);
        watcherCount = watchers.size();
        backplane.watchers(name, watcherCount);
    }

    /** Removes a watcher; nobody is told. */
    public void unwatch(Member watcher) {
        executor.execute(() -> inOrder(() -> {
            if (!watchers.remove(watcher)) {
                return;
            }
            watcherCount = watchers.size();
            EventExecutor loop = watcher.eventLoop();
            Member[] current = membersByLoop.getOrDefault(loop, NO_MEMBERS);
            Member[] next = Arrays.stream(current).filter(m -> m != watcher).toArray(Member[]::new);
            if (next.length == 0) {
                membersByLoop.remove(loop);
                slotsByLoop.remove(loop);
            } else {
                membersByLoop.put(loop, next);
            }
            backplane.watchers(name, watcherCount);
            unsubscribeIfVacant();
        }));
    }

    /**
     * Numbers, stores and delivers a message (or action) that no connected member sent: a server-side
     * publisher such as the HTTP API. Completes with the message id once it is numbered.
     */
    public CompletionStage<Long> publishFrom(String nick, String text, boolean action, Instant ts) {
        CompletableFuture<Long> id = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                number(new Pending(null, null, id, nick, text, action, ts));
            } catch (Throwable t) {
                id.completeExceptionally(t);
            }
        });
        return id;
    }

    /**
     * Held messages for a reader that is not a member (the HTTP API), as replays, ending with the same
     * {@link Event.HistoryEnd} marker as {@code /history}: with {@code afterId >= 0}, the first
     * {@code limit} messages after that id; otherwise the last {@code limit}.
     */
    public CompletionStage<List<Event>> historyFor(long afterId, int limit) {
        if (clustered) {
            return sharedHistory(backplane, name, afterId, limit);
        }
        CompletableFuture<List<Event>> page = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                if (afterId >= 0) {
                    page.complete(replayAfter(afterId, limit));
                } else {
                    long wantFrom = Math.max(1, nextId - limit);
                    page.complete(replayAfter(wantFrom - 1, limit, wantFrom > droppedThrough));
                }
            } catch (Throwable t) {
                page.completeExceptionally(t);
            }
        });
        return page;
    }

    /** A room's shared history as the API pages it, for a room this node may not hold at all. */
    public static CompletionStage<List<Event>> sharedHistory(Backplane backplane, String name, long afterId, int limit) {
        return backplane.history(name, afterId, limit).thenApply(page -> {
            List<Event> events = new ArrayList<>(page.replays());
            events.add(page.end());
            return events;
        });
    }

    /** Replays after {@code afterId}, complete by the same rule as {@link #historySince}. */
    private List<Event> replayAfter(long afterId, int limit) {
        return replayAfter(afterId, limit, afterId >= droppedThrough && afterId < nextId);
    }

    private List<Event> replayAfter(long afterId, int limit, boolean complete) {
        List<Event> replayed = new ArrayList<>();
        long first = 0;
        long last = 0;
        for (Event event : history) {
            long id = idOf(event);
            if (id > afterId && replayed.size() < limit) {
                replayed.add(asReplay(event));
                if (first == 0) {
                    first = id;
                }
                last = id;
            }
        }
        replayed.add(new Event.HistoryEnd(name, complete, replayed.size(), first, last));
        return replayed;
    }

    /** Counts one fan-out: every member reached, and as messages out when it is a message or action. */
    private void countDeliveries(Event event, long reached) {
        meters.fanOut(reached);
        if (event instanceof Event.Message || event instanceof Event.Action) {
            meters.messagesOut(reached);
        }
    }

    /** A snapshot of the room for {@code /rooms}. */
    Event.RoomInfo info() {
        return new Event.RoomInfo(name, memberCount, watcherCount);
    }
}
