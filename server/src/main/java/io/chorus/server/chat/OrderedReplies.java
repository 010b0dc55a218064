package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One connection's replies, written in the order of the commands that caused them, while other users'
 * messages go straight through and may interleave.
 *
 * <p>Each command takes a {@link ReplySlot} with {@link #reserve()}. A completed slot is written once
 * every slot before it is written; until then its events wait here, not in the transport. A command
 * whose answer is local and has nothing pending before it is written at once with no slot object.
 *
 * <p>Confined to the member's event loop. The number of slots still waiting is
 * {@link #backlog()}; the connection stops reading commands while it is large, which bounds this queue.
 */
final class OrderedReplies {

    private final MemberBase member;
    private final Runnable onBacklogWritten;
    private final int resumeAt;
    private final ArrayDeque<ReplySlot> waiting = new ArrayDeque<>();
    /** True while slots are being written from {@link #written}, to avoid re-entry. */
    private boolean writing;

    /**
     * {@code onBacklogWritten} runs on the loop whenever writing slots brings the number still waiting
     * down to {@code resumeAt} or fewer, so a connection that held its input for the backlog reads again
     * before its pipeline runs dry.
     */
    OrderedReplies(MemberBase member, int resumeAt, Runnable onBacklogWritten) {
        this.member = member;
        this.resumeAt = resumeAt;
        this.onBacklogWritten = onBacklogWritten;
    }

    MemberBase member() {
        return member;
    }

    /** Reserves the next place in the reply order, in the member's current format. */
    ReplySlot reserve() {
        ReplySlot slot = new ReplySlot(this, member.format());
        waiting.add(slot);
        return slot;
    }

    /** Writes local replies now if nothing is waiting before them, else queues them in order. Does not flush. */
    void now(Event event) {
        if (waiting.isEmpty()) {
            writeEvent(event, member.format());
        } else {
            reserve().completeOnLoop(List.of(event));
        }
    }

    /** Runs {@code action} once every reply reserved so far has been written. */
    void afterAll(Runnable action) {
        if (waiting.isEmpty()) {
            action.run();
            return;
        }
        ReplySlot slot = reserve();
        slot.afterWrite(action);
        slot.completeOnLoop(List.of());
    }

    /** Slots reserved and not yet written. */
    int backlog() {
        return waiting.size();
    }

    /** Called when {@code slot} completes: writes every completed slot at the head, in order. */
    void written(ReplySlot slot) {
        if (writing) {
            return;
        }
        writing = true;
        try {
            boolean any = false;
            ReplySlot head;
            while ((head = waiting.peek()) != null && head.isDone()) {
                waiting.poll();
                any = true;
                for (Event event : head.events()) {
                    writeEvent(event, head.format());
                }
                if (head.afterWrite() != null) {
                    head.afterWrite().run();
                }
            }
            if (any && waiting.size() <= resumeAt) {
                onBacklogWritten.run();
            }
        } finally {
            writing = false;
        }
    }

    /** After a completion outside an outbox drain (a local hop, an async step): push it out. */
    void flushIfIdle() {
        member.flush();
    }

    private void writeEvent(Event event, io.chorus.protocol.event.OutputFormat format) {
        if (event instanceof Event.Error error) {
            // Every error a chat connection is told goes through here (or MemberBase's cut-off).
            member.meters().error(error.code());
        }
        member.reply(Encoded.encode(event, format, member.framing(), member.alloc()));
    }
}
