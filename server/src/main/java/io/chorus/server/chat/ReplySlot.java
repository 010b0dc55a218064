package io.chorus.server.chat;

import io.chorus.protocol.event.ErrorCode;
import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.OutputFormat;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * One command's place in its connection's {@link OrderedReplies}: the events this command causes to be
 * sent back to its own connection. A slot is reserved when the command is handled, in command order,
 * and completed whenever the answer is known: at once for a local reply, when the room's answer comes
 * through the outbox, or when some other asynchronous step (a Redis round trip) finishes. Completed
 * slots are written only after every earlier slot, so replies come out in command order.
 *
 * <p>Completing is idempotent: only the first completion counts. The events are encoded at write time
 * in the format that was current when the slot was reserved.
 */
public final class ReplySlot {

    private final OrderedReplies stream;
    private final OutputFormat format;
    /** Null until completed. Written and read on the member's loop only. */
    private List<Event> events;
    /** Runs on the member's loop right after this slot's events are written; may be null. */
    private Runnable afterWrite;

    ReplySlot(OrderedReplies stream, OutputFormat format) {
        this.stream = stream;
        this.format = format;
    }

    /** The member these replies go to. */
    public Member member() {
        return stream.member();
    }

    OutputFormat format() {
        return format;
    }

    /** Completes with {@code events} (possibly none), from any thread; flushes if this needed a hop. */
    public void complete(List<Event> events) {
        if (member().eventLoop().inEventLoop()) {
            completeOnLoop(events);
            stream.flushIfIdle();
        } else {
            member().eventLoop().execute(() -> complete(events));
        }
    }

    public void complete(Event event) {
        complete(List.of(event));
    }

    /** Completes with no events: the command answers nothing, but later replies may now go out. */
    public void completeEmpty() {
        complete(List.of());
    }

    /**
     * Completes when {@code stage} does, from whatever thread completes it. A failed stage completes the
     * slot with an {@code internal-error} event, so one failed step never holds up the replies after it.
     */
    public void completeWith(CompletionStage<? extends List<Event>> stage) {
        stage.whenComplete((result, failure) -> complete(failure == null ? List.copyOf(result)
                : List.of(Event.Error.of(ErrorCode.INTERNAL_ERROR, "the server could not complete this request"))));
    }

    /** Completes on the member's loop without flushing; the caller (an outbox drain) flushes. */
    void completeOnLoop(List<Event> value) {
        if (events != null) {
            return;
        }
        events = value;
        stream.written(this);
    }

    boolean isDone() {
        return events != null;
    }

    List<Event> events() {
        return events;
    }

    void afterWrite(Runnable action) {
        this.afterWrite = action;
    }

    Runnable afterWrite() {
        return afterWrite;
    }
}
