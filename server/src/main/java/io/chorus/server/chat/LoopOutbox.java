package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.server.limits.LoopClock;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One room's outgoing traffic to the members that live on one event loop: broadcasts and replies, in
 * the order the room produced them, drained on that loop in batches.
 *
 * <p>The room (on its own loop) enqueues; at most one drain task is pending on the members' loop at a
 * time. A drain writes every queued item to its members and then flushes each member once, so under
 * load many messages share one {@code writev} per member instead of one each. For
 * {@link Framing#STREAM} members a run of broadcasts to the same audience is joined into one contiguous buffer
 * buffer; {@link Framing#MESSAGE} members get one payload per event. Because replies (who, history,
 * errors) travel the same queue, they never overtake or fall behind the broadcasts around them.
 *
 * <p>Big audiences are written in bigger batches. A drain that wrote to at least
 * {@value #HEAVY_DRAIN_WRITES} members is heavy, and the next drain of this outbox starts no sooner than
 * {@link #COALESCE_WINDOW_NANOS} after the heavy one ended. What arrives meanwhile joins one run, so each
 * member gets one write for several messages instead of one each. That costs a big room's messages at
 * most that window of latency, and saves the server and every reader a syscall per member per message.
 * Small rooms never wait. A backlog waits too: without the pause, a loop that had fallen behind at
 * 8,000 msg/s drained short runs back to back and caught up less often (docs/BENCHMARKS.md).
 *
 * <p>A drain survives a failing item: it is logged with its cause, its buffers are released, and the
 * items after it still go out.
 */
final class LoopOutbox implements Runnable {

    /** Items written per drain before the loop gets a chance to do I/O again: {@value}. */
    static final int MAX_ITEMS_PER_DRAIN = 256;
    /**
     * Member writes that make a drain heavy: {@value}. At about a microsecond a write, such a drain keeps
     * its loop busy for 0.1 ms or more, and one write per member per message costs both the server and the
     * readers more than the wait of {@link #COALESCE_WINDOW_NANOS} does.
     */
    static final int HEAVY_DRAIN_WRITES = 128;
    /**
     * The shortest time from the end of a heavy drain to the start of the next: 2 ms. Measured on 2 cores
     * with 1,000 subscribers (docs/BENCHMARKS.md, "Coalescing big fan-outs"): at 8,000 msg/s writing
     * each drain as soon as the last one ended never kept up, and with a 2 ms pause most runs did; 4 ms
     * was no better there and cost more latency at 1,000 msg/s.
     */
    static final long COALESCE_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final int QUEUE_CHUNK = 64;
    private static final int QUEUE_MAX_ITEMS = 1 << 30;
    private static final Logger log = LogManager.getLogger(LoopOutbox.class);

    private final EventExecutor loop;
    /**
     * Grows in chunks of {@value #QUEUE_CHUNK} slots up to {@value #QUEUE_MAX_ITEMS}: most (room, loop)
     * pairs carry a trickle, and the default chunk of 1,024 slots cost about 4 KB per pair before the
     * first message. The cap is never reached in practice: members are cut as slow consumers first.
     */
    private final Queue<Object> pending = PlatformDependent.newMpscQueue(QUEUE_CHUNK, QUEUE_MAX_ITEMS);
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** The loop time before which the next drain may not start, after a heavy drain; 0 for none. */
    private volatile long holdUntil;
    /** Member writes in the current drain; confined to {@link #loop}. */
    private int writes;
    /** Items enqueued and not yet handled; the shutdown drain waits for zero. */
    private final AtomicLong queued = new AtomicLong();
    /** Members written to in the current drain; confined to {@link #loop}. */
    private final List<Member> touched = new ArrayList<>();
    /** The run of same-audience broadcasts being collected in the current drain; confined to {@link #loop}. */
    private final List<Broadcast> merged = new ArrayList<>();

    LoopOutbox(EventExecutor loop) {
        this.loop = loop;
    }

    /**
     * Queues one broadcast for {@code members} but {@code except}. The outbox takes over {@code encoded}
     * and its references, and releases them once written.
     */
    void broadcast(Member[] members, Member except, Event event, Encoded encoded) {
        enqueue(new Broadcast(members, except, event, encoded));
    }

    /** Queues the room's answer to one command: completes {@code slot} with {@code events} on the loop. */
    void reply(ReplySlot slot, List<Event> events) {
        enqueue(new Reply(slot, events));
    }

    /** Queues a task to run on the loop once everything queued before it has been written. */
    void then(Runnable task) {
        enqueue(task);
    }

    /** True when nothing is queued and no item is being handled; for the shutdown drain and tests. */
    boolean isIdle() {
        return queued.get() == 0;
    }

    private void enqueue(Object item) {
        queued.incrementAndGet();
        pending.add(item);
        if (scheduled.compareAndSet(false, true)) {
            schedule();
        }
    }

    /**
     * Runs a drain on the loop: at once, or when the hold after a heavy drain ends. A loop that is shutting
     * down gets it at once: confirming its shutdown cancels the tasks scheduled for later, which would
     * drop the buffers this drain has to write and release.
     */
    private void schedule() {
        long hold = holdUntil;
        long wait = hold == 0 ? 0 : hold - LoopClock.nanoTime(loop);
        if (wait > 0 && !loop.isShuttingDown()) {
            loop.schedule(this, wait, TimeUnit.NANOSECONDS);
        } else {
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
        writes = 0;
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
                if (run != null && item instanceof Reply r && r.slot().member() == run.except()) {
                    // An answer to the one member the run skips (a sender's own say): it sees none of the
                    // run, so answering it now changes nothing it sees and keeps the run whole.
                    runGuarded(item);
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
            holdUntil = writes >= HEAVY_DRAIN_WRITES ? LoopClock.nanoTime(loop) + COALESCE_WINDOW_NANOS : 0;
            queued.addAndGet(-taken);
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
        for (Member member : touched) {
            try {
                member.flush();
            } catch (Throwable t) {
                log.error("{} outbox flush failed", member, t);
            }
        }
        touched.clear();
    }

    private void rearm(int taken) {
        if (taken == MAX_ITEMS_PER_DRAIN && !pending.isEmpty()) {
            // More to do: the loop serves its sockets in between, and a heavy drain's pause still applies.
            schedule();
            return;
        }
        scheduled.set(false);
        // Something may have arrived between the last poll and clearing the flag.
        if (!pending.isEmpty() && scheduled.compareAndSet(false, true)) {
            schedule();
        }
    }

    /**
     * Delivers a run of broadcasts that share one audience. A run of one goes out as it is. In a longer
     * run, each stream-framed slot is joined into one contiguous buffer, so each stream member gets one
     * write for the whole run; message-framed members get each payload on its own. Whatever happens,
     * every reference the run holds is released, and the list is cleared.
     */
    private void flushRun(List<Broadcast> run) {
        if (run.isEmpty()) {
            return;
        }
        Encoded joined = null;
        try {
            Broadcast first = run.get(0);
            if (run.size() > 1 && first.formatsCovered()) {
                joined = join(run);
            }
            for (Member member : first.members()) {
                if (member != first.except()) {
                    deliverRun(run, joined, member);
                }
            }
        } catch (Throwable t) {
            log.error("outbox on {}: dropped a run of {} broadcasts", loop, run.size(), t);
        } finally {
            if (joined != null) {
                joined.release();
            }
            for (Broadcast b : run) {
                b.encoded().release();
            }
            run.clear();
        }
    }

    /** One member's share of a run; a failure costs only this member the run. */
    private void deliverRun(List<Broadcast> run, Encoded joined, Member member) {
        try {
            ByteBuf whole = joined == null ? null : joined.forMember(member);
            if (whole != null) {
                member.deliver(whole.retainedDuplicate());
            } else {
                for (Broadcast b : run) {
                    ByteBuf encoded = b.encoded().forMember(member);
                    member.deliver(encoded != null ? encoded.retainedDuplicate()
                            // The member switched format after the broadcast was prepared: encode just for it.
                            : Encoded.encode(b.event(), member.format(), member.framing(), member.alloc()));
                }
            }
            writes++;
            if (member.markUnflushed()) {
                touched.add(member);
            }
        } catch (Throwable t) {
            log.error("{} delivery failed", member, t);
        }
    }

    /**
     * Joins the run's stream-framed payloads, slot by slot, into one contiguous buffer each, owned by the
     * returned {@link Encoded}. A copy per run rather than a composite: every member then gets a
     * duplicate of one flat direct buffer, which the native transport writes straight from its memory
     * address, where a composite costs each member's write an array of NIO buffers to build and collect.
     */
    private static Encoded join(List<Broadcast> run) {
        Encoded joined = new Encoded();
        try {
            Encoded first = run.get(0).encoded();
            for (int slot = 0; slot < Encoded.slotCount(); slot++) {
                ByteBuf firstPart = first.get(slot);
                if (firstPart == null || !Encoded.framingOf(slot).joinable()) {
                    continue;
                }
                int total = 0;
                for (Broadcast b : run) {
                    total += b.encoded().get(slot).readableBytes();
                }
                ByteBuf flat = firstPart.alloc().directBuffer(total, total);
                joined.put(slot, flat);
                for (Broadcast b : run) {
                    ByteBuf part = b.encoded().get(slot);
                    flat.writeBytes(part, part.readerIndex(), part.readableBytes());
                }
            }
            return joined;
        } catch (Throwable t) {
            joined.release();
            throw t;
        }
    }

    private record Broadcast(Member[] members, Member except, Event event, Encoded encoded) {

        /**
         * True when {@code next} goes to exactly the same members with the same payloads encoded, so the
         * two can share one write.
         */
        boolean canJoin(Broadcast next) {
            return next.members == members && next.except == except && next.encoded.sameSlots(encoded);
        }

        /** True when every member's current format and framing has a payload, so no one needs a re-encode. */
        boolean formatsCovered() {
            for (Member member : members) {
                if (member != except && encoded.forMember(member) == null) {
                    return false;
                }
            }
            return true;
        }
    }

    private record Reply(ReplySlot slot, List<Event> events) {
        void deliver(List<Member> touched) {
            slot.completeOnLoop(events);
            Member member = slot.member();
            if (member.markUnflushed()) {
                touched.add(member);
            }
        }
    }
}
