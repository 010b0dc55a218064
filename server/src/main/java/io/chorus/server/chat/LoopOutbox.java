package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.EventEncoder;
import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;

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

    private final EventExecutor loop;
    private final Queue<Object> pending = PlatformDependent.newMpscQueue();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** Members written to in the current drain; confined to {@link #loop}. */
    private final List<ChatSession> touched = new ArrayList<>();

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

    private void enqueue(Object item) {
        pending.add(item);
        if (scheduled.compareAndSet(false, true)) {
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        int written = 0;
        Object item;
        while (written < MAX_ITEMS_PER_DRAIN && (item = pending.poll()) != null) {
            if (item instanceof Broadcast b) {
                b.deliver(touched);
            } else {
                ((Reply) item).deliver(touched);
            }
            written++;
        }
        for (ChatSession session : touched) {
            session.flushQueued();
        }
        touched.clear();
        if (written == MAX_ITEMS_PER_DRAIN && !pending.isEmpty()) {
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

    private record Broadcast(ChatSession[] members, ChatSession except, Event event, ByteBuf text, ByteBuf json) {
        void deliver(List<ChatSession> touched) {
            try {
                for (ChatSession member : members) {
                    if (member == except) {
                        continue;
                    }
                    ByteBuf encoded = member.format() == OutputFormat.JSON ? json : text;
                    if (encoded != null) {
                        member.deliverFromOthers(encoded.retainedDuplicate());
                    } else {
                        // The member switched format after the broadcast was prepared: encode just for it.
                        member.deliverFromOthers(EventEncoder.of(member.format()).encode(event, member.channel().alloc()));
                    }
                    member.markForFlush(touched);
                }
            } finally {
                if (text != null) {
                    text.release();
                }
                if (json != null) {
                    json.release();
                }
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
