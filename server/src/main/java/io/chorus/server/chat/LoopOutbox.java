package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.EventEncoder;
import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One room's outgoing traffic to the members that live on one event loop: broadcasts and replies, in
 * the order the room produced them, drained on that loop in batches.
 *
 * <p>The room (on its own loop) enqueues; at most one drain task is pending on the members' loop at a
 * time. A drain writes every queued item to its members and then flushes each member once, so under
 * load many messages share one {@code writev} per member instead of one each. Because replies (who,
 * history, errors) travel the same queue, they never overtake or fall behind the broadcasts around them.
 */
final class LoopOutbox implements Runnable {

    /** Items written per drain before the loop gets a chance to do I/O again: {@value}. */
    private static final int MAX_ITEMS_PER_DRAIN = 256;
    private static final Logger log = LogManager.getLogger(LoopOutbox.class);

    private final EventExecutor loop;
    private final Queue<Object> pending = PlatformDependent.newMpscQueue();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** Members written to in the current drain; confined to {@link #loop}. */
    private final List<ChatSession> touched = new ArrayList<>();
    /** The run of same-audience broadcasts being collected in the current drain; confined to {@link #loop}. */
    private final List<Broadcast> merged = new ArrayList<>();

    LoopOutbox(EventExecutor loop) {
        this.loop = loop;
    }

    /**
     * Queues one broadcast for {@code members} but {@code except}. The outbox takes over one reference
     * to each non-null buffer and releases it once written.
     */
    void broadcast(ChatSession[] members, ChatSession except, Event event, ByteBuf text, ByteBuf json) {
        enqueue(new Broadcast(members, except, event, text, json));
    }

    /** Queues replies to one session's own request. */
    void reply(ChatSession to, List<Event> events) {
        enqueue(new Reply(to, events));
    }

    /** Queues a task to run on the loop once everything queued before it has been written. */
    void then(Runnable task) {
        enqueue(task);
    }

    /** True when nothing is queued and no drain is pending; for the shutdown drain and tests. */
    boolean isIdle() {
        return !scheduled.get() && pending.isEmpty();
    }

    private void enqueue(Object item) {
        pending.add(item);
        if (scheduled.compareAndSet(false, true)) {
            loop.execute(this);
        }
    }

    /**
     * Drains up to {@value #MAX_ITEMS_PER_DRAIN} items. Each item runs guarded: one that throws is
     * logged with its cause, its buffers are released, and the items after it still go out. The
     * re-arming of {@link #scheduled} sits in a {@code finally}, so no failure can leave this outbox
     * marked as scheduled with nobody to drain it.
     */
    @Override
    public void run() {
        int taken = 0;
        try {
            Object item;
            Broadcast run = null;
            while (taken < MAX_ITEMS_PER_DRAIN && (item = pending.poll()) != null) {
                taken++;
                if (item instanceof Broadcast b && (run == null || run.canJoin(b))) {
                    // Same audience as the broadcast before it: send both in one write per member.
                    merged.add(b);
                    run = b;
                    continue;
                }
                flushRun(merged);
                run = null;
                if (item instanceof Broadcast b) {
                    merged.add(b);
                    run = b;
                } else {
                    runGuarded(item);
                }
            }
            flushRun(merged);
        } finally {
            flushTouched();
            rearm(taken);
        }
    }

    private void runGuarded(Object item) {
        try {
            if (item instanceof Reply reply) {
                reply.deliver(touched);
            } else {
                ((Runnable) item).run();
            }
        } catch (Throwable t) {
            log.error("outbox on {}: dropped a failing {}", loop, item.getClass().getSimpleName(), t);
        }
    }

    private void flushTouched() {
        for (ChatSession session : touched) {
            try {
                session.flushQueued();
            } catch (Throwable t) {
                log.error("{} outbox flush failed", session, t);
            }
        }
        touched.clear();
    }

    private void rearm(int taken) {
        if (taken == MAX_ITEMS_PER_DRAIN && !pending.isEmpty()) {
            // More to do: go to the back of the loop's queue so its sockets are served in between.
            loop.execute(this);
            return;
        }
        scheduled.set(false);
        // Something may have arrived between the last poll and clearing the flag.
        if (!pending.isEmpty() && scheduled.compareAndSet(false, true)) {
            loop.execute(this);
        }
    }

    /**
     * Delivers a run of broadcasts that share one audience. A run of one goes out as it is. A longer run
     * is joined, per format, into one composite buffer (taking over the run's references), so each
     * member gets one write for the whole run instead of one per message. Whatever happens, every
     * reference the run holds is handed on or released, and the list is cleared.
     */
    private void flushRun(List<Broadcast> run) {
        if (run.isEmpty()) {
            return;
        }
        try {
            if (run.size() == 1 || !run.get(0).formatsCovered()) {
                // Alone, or someone switched format meanwhile: deliver one by one (re-encoding as needed).
                for (int i = 0; i < run.size(); i++) {
                    Broadcast b = run.get(i);
                    run.set(i, null); // handed over: deliver releases it whatever happens
                    deliverGuarded(b);
                }
            } else {
                Broadcast first = run.get(0);
                ByteBuf text = join(run, true);
                ByteBuf json;
                try {
                    json = join(run, false);
                } catch (Throwable t) {
                    release(text);
                    throw t;
                }
                for (Broadcast b : run) {
                    b.release(); // the joined buffers hold their own references now
                }
                run.clear();
                deliverGuarded(new Broadcast(first.members(), first.except(), first.event(), text, json));
            }
        } catch (Throwable t) {
            log.error("outbox on {}: dropped a run of {} broadcasts", loop, run.size(), t);
            for (Broadcast b : run) {
                if (b != null) {
                    b.release();
                }
            }
        } finally {
            run.clear();
        }
    }

    private void deliverGuarded(Broadcast b) {
        try {
            b.deliver(touched);
        } catch (Throwable t) {
            log.error("outbox on {}: a broadcast of {} failed part way", loop, b.event().getClass().getSimpleName(), t);
        }
    }

    private static void release(ByteBuf buf) {
        if (buf != null) {
            buf.release();
        }
    }

    private static ByteBuf join(List<Broadcast> run, boolean text) {
        ByteBuf firstPart = text ? run.get(0).text() : run.get(0).json();
        if (firstPart == null) {
            return null;
        }
        // Duplicates keep the run's own references untouched until the join has fully succeeded.
        CompositeByteBuf joined = firstPart.alloc().compositeDirectBuffer(run.size());
        try {
            for (Broadcast b : run) {
                joined.addComponent(true, (text ? b.text() : b.json()).retainedDuplicate());
            }
        } catch (Throwable t) {
            joined.release();
            throw t;
        }
        return joined;
    }

    private record Broadcast(ChatSession[] members, ChatSession except, Event event, ByteBuf text, ByteBuf json) {

        /**
         * True when {@code next} goes to exactly the same members with the same formats encoded, so the
         * two can share one write.
         */
        boolean canJoin(Broadcast next) {
            return next.members == members && next.except == except
                    && (next.text == null) == (text == null) && (next.json == null) == (json == null);
        }

        /** True when every member's current format has a buffer, so no one needs a re-encode. */
        boolean formatsCovered() {
            for (ChatSession member : members) {
                if (member != except && (member.format() == OutputFormat.JSON ? json : text) == null) {
                    return false;
                }
            }
            return true;
        }

        /** Gives up this broadcast's references without delivering it. */
        void release() {
            LoopOutbox.release(text);
            LoopOutbox.release(json);
        }

        void deliver(List<ChatSession> touched) {
            try {
                for (ChatSession member : members) {
                    if (member == except) {
                        continue;
                    }
                    try {
                        ByteBuf encoded = member.format() == OutputFormat.JSON ? json : text;
                        if (encoded != null) {
                            member.deliverFromOthers(encoded.retainedDuplicate());
                        } else {
                            // The member switched format after the broadcast was prepared: encode just for it.
                            member.deliverFromOthers(EventEncoder.of(member.format()).encode(event, member.channel().alloc()));
                        }
                        member.markForFlush(touched);
                    } catch (Throwable t) {
                        // One broken member must not cost the others this message.
                        log.error("{} delivery failed", member, t);
                    }
                }
            } finally {
                release();
            }
        }
    }

    private record Reply(ChatSession to, List<Event> events) {
        void deliver(List<ChatSession> touched) {
            for (Event event : events) {
                to.write(event);
            }
            to.markForFlush(touched);
        }
    }
}
