package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.EventEncoder;
import io.chorus.protocol.event.OutputFormat;
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

/**
 * One chat room: its members, its message numbering and the history kept for {@code /history}.
 *
 * <p>A room lives on one event loop, its {@link #executor()}. Every change and every broadcast runs
 * there, in order, so message ids increase in the order members receive them and no lock is needed.
 * A broadcast encodes the event once per output format in use, then queues one entry in the
 * {@link LoopOutbox} of each event loop that has members; the outbox writes
 * {@code retainedDuplicate()}s to them and flushes each member once per batch.
 */
public final class Room {

    private static final ChatSession[] NO_MEMBERS = new ChatSession[0];

    private final String name;
    private final EventExecutor executor;
    private final int historyLimit;
    /** Above this many members, joins, leaves and nick changes are not announced to everyone; 0 = never quiet. */
    private final int quietSize;
    private final ByteBufAllocator alloc;

    // Confined to executor.
    /** Members grouped by their channel's event loop; each array is replaced, never mutated. */
    private final Map<EventExecutor, ChatSession[]> membersByLoop = new IdentityHashMap<>();
    /** Where deliveries to each loop's members queue up; see {@link LoopOutbox}. */
    private final Map<EventExecutor, LoopOutbox> outboxes = new IdentityHashMap<>();
    private final ArrayDeque<Event> history = new ArrayDeque<>();
    private long nextId = 1;
    /** The highest message id that has been dropped from history; 0 when nothing was dropped. */
    private long droppedThrough;

    /** Read from other threads for {@code /rooms}. */
    private volatile int memberCount;

    Room(String name, EventExecutor executor, int historyLimit, int quietSize, ByteBufAllocator alloc) {
        this.name = name;
        this.quietSize = quietSize;
        this.executor = executor;
        this.historyLimit = historyLimit;
        this.alloc = alloc;
    }

    public String name() {
        return name;
    }

    public EventExecutor executor() {
        return executor;
    }

    public int memberCount() {
        return memberCount;
    }

    /** Adds a member under the nick it had when it asked, and announces it to everyone including itself. */
    void join(ChatSession session, String nick) {
        executor.execute(() -> {
            EventExecutor loop = session.eventLoop();
            ChatSession[] current = membersByLoop.getOrDefault(loop, NO_MEMBERS);
            for (ChatSession member : current) {
                if (member == session) {
                    return;
                }
            }
            ChatSession[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = session;
            membersByLoop.put(loop, next);
            memberCount++;
            Event.Join join = new Event.Join(name, nick);
            if (quiet()) {
                // A crowd does not need to hear of every arrival; the joiner still gets its confirmation.
                tell(session, join);
            } else {
                fanOut(join, null);
            }
        });
    }

    /** Removes a member and tells it and the others; {@code quit} marks a disconnect. */
    void leave(ChatSession session, String reason, boolean quit) {
        executor.execute(() -> {
            // Counted with the leaver still in, so the last arrival and first departure match.
            boolean quiet = quiet();
            if (!remove(session)) {
                return;
            }
            Event.Leave event = new Event.Leave(name, session.nick(), reason, quit);
            if (!quiet) {
                fanOut(event, null);
            }
            if (!quit) {
                tell(session, event);
            }
        });
    }

    private boolean remove(ChatSession session) {
        EventExecutor loop = session.eventLoop();
        ChatSession[] current = membersByLoop.get(loop);
        if (current == null) {
            return false;
        }
        List<ChatSession> kept = new ArrayList<>(current.length);
        for (ChatSession member : current) {
            if (member != session) {
                kept.add(member);
            }
        }
        if (kept.size() == current.length) {
            return false;
        }
        if (kept.isEmpty()) {
            membersByLoop.remove(loop);
        } else {
            membersByLoop.put(loop, kept.toArray(NO_MEMBERS));
        }
        memberCount--;
        return true;
    }

    /** True while the room is too big to announce comings and goings to everyone. */
    private boolean quiet() {
        return quietSize > 0 && memberCount > quietSize;
    }

    /** Numbers, stores and delivers a message or action from {@code from}. */
    void publish(ChatSession from, String nick, String text, boolean action, Instant ts) {
        executor.execute(() -> {
            if (!isMember(from)) {
                // The sender left (or was never in) the room before this message reached it.
                tell(from, new Event.Error("not-in-room", "you are not in #" + name));
                return;
            }
            long id = nextId++;
            Event event = action
                    ? new Event.Action(name, nick, text, id, ts, false)
                    : new Event.Message(name, nick, text, id, ts, false);
            remember(event);
            fanOut(event, from.echo() ? null : from);
        });
    }

    /**
     * Runs {@code then} on the session's event loop after everything this room was asked before it
     * has been delivered there: room tasks run in order, and the outbox they fill drains in order.
     */
    void barrier(ChatSession session, Runnable then) {
        // Through the session's outbox, so it runs after every reply and broadcast queued before it.
        executor.execute(() -> outbox(session.eventLoop()).then(then));
    }

    /** Tells the members that one of them changed nick. */
    void nickChanged(ChatSession session, String oldNick, String newNick) {
        executor.execute(() -> {
            if (!quiet()) {
                fanOut(new Event.NickChange(name, oldNick, newNick), session);
            }
        });
    }

    /** Sends the member list to {@code asker}. */
    void who(ChatSession asker) {
        executor.execute(() -> {
            List<String> nicks = new ArrayList<>(memberCount);
            for (ChatSession[] members : membersByLoop.values()) {
                for (ChatSession member : members) {
                    nicks.add(member.nick());
                }
            }
            nicks.sort(String.CASE_INSENSITIVE_ORDER);
            tell(asker, new Event.Who(name, nicks));
        });
    }

    /** Replays the last {@code count} messages to a member, then a history marker. */
    void historyLast(ChatSession asker, int count) {
        executor.execute(() -> {
            if (!isMember(asker)) {
                tell(asker, new Event.Error("not-in-room", "join #" + name + " to read its history"));
                return;
            }
            long lastId = nextId - 1;
            long wantFrom = Math.max(1, lastId - count + 1);
            replay(asker, wantFrom, wantFrom > droppedThrough);
        });
    }

    /** Replays every held message after {@code afterId} to a member, then a history marker. */
    void historySince(ChatSession asker, long afterId) {
        executor.execute(() -> {
            if (!isMember(asker)) {
                tell(asker, new Event.Error("not-in-room", "join #" + name + " to read its history"));
                return;
            }
            // Complete only if nothing after afterId was dropped, and the room really had afterId: a
            // higher id than the room ever gave means the room was recreated and its history is gone.
            replay(asker, afterId + 1, afterId >= droppedThrough && afterId < nextId);
        });
    }

    private void replay(ChatSession asker, long fromId, boolean complete) {
        List<Event> replayed = new ArrayList<>();
        long first = 0;
        long last = 0;
        for (Event event : history) {
            long id = idOf(event);
            if (id >= fromId) {
                replayed.add(event instanceof Event.Message m ? m.asReplay() : ((Event.Action) event).asReplay());
                if (first == 0) {
                    first = id;
                }
                last = id;
            }
        }
        replayed.add(new Event.HistoryEnd(name, complete, replayed.size(), first, last));
        outbox(asker.eventLoop()).reply(asker, replayed);
    }

    /** Replies to one session through its loop's outbox, in order with this room's broadcasts. */
    private void tell(ChatSession session, Event event) {
        outbox(session.eventLoop()).reply(session, List.of(event));
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
        while (history.size() > historyLimit) {
            droppedThrough = idOf(history.removeFirst());
        }
    }

    private static long idOf(Event event) {
        return event instanceof Event.Message m ? m.id() : ((Event.Action) event).id();
    }

    private boolean isMember(ChatSession session) {
        ChatSession[] members = membersByLoop.get(session.eventLoop());
        if (members != null) {
            for (ChatSession member : members) {
                if (member == session) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Delivers one event to every member but {@code except}. Runs on the room's executor. Each format in
     * use is encoded once; each event loop with members gets one outbox entry holding one reference per
     * buffer, and the outbox writes a {@code retainedDuplicate()} to each member.
     */
    private void fanOut(Event event, ChatSession except) {
        ByteBuf text = null;
        ByteBuf json = null;
        try {
            for (Map.Entry<EventExecutor, ChatSession[]> group : membersByLoop.entrySet()) {
                ChatSession[] members = group.getValue();
                boolean needText = false;
                boolean needJson = false;
                for (ChatSession member : members) {
                    if (member != except) {
                        if (member.format() == OutputFormat.JSON) {
                            needJson = true;
                        } else {
                            needText = true;
                        }
                    }
                }
                if (needText && text == null) {
                    text = TEXT.encode(event, alloc);
                }
                if (needJson && json == null) {
                    json = JSON.encode(event, alloc);
                }
                if (!needText && !needJson) {
                    continue;
                }
                outbox(group.getKey()).broadcast(members, except, event,
                        needText ? text.retain() : null, needJson ? json.retain() : null);
            }
        } finally {
            release(text);
            release(json);
        }
    }

    private static void release(ByteBuf buf) {
        if (buf != null) {
            buf.release();
        }
    }

    private static final EventEncoder TEXT = EventEncoder.of(OutputFormat.TEXT);
    private static final EventEncoder JSON = EventEncoder.of(OutputFormat.JSON);

    /** A snapshot of the room for {@code /rooms}. */
    Event.RoomInfo info() {
        return new Event.RoomInfo(name, memberCount);
    }
}
