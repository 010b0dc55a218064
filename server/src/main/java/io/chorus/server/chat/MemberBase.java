package io.chorus.server.chat;

import static java.util.Objects.requireNonNull;

import io.chorus.protocol.event.ErrorCode;
import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.OutputFormat;
import io.chorus.server.metrics.ChatMeters;
import io.chorus.server.limits.CutOff;
import io.chorus.server.limits.OutboundBudget;
import io.chorus.server.limits.OutboundMember;
import io.chorus.server.limits.SlowConsumerGuard;
import io.chorus.server.limits.SlowConsumerPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every chat member has whatever its transport: nick, format and echo, the outbox flush mark, and
 * the slow-consumer cut-off. A transport supplies the writing, flushing, queue size and closing.
 *
 * <p>The cut-off decision is made in one place, {@link #shouldCutOff()}, which asks this member's
 * {@link SlowConsumerGuard}: the {@link SlowConsumerPolicy} (soft limit held for a grace period, or the
 * hard limit) and the server's {@link OutboundBudget} (largest queues first when all queues together pass
 * it). The guard looks before each delivery from others, after each flush and on each writability
 * change, and on its own timer while the member is over the soft limit. A cut goes through
 * {@link #cutOff(CutOff, long)}, which sends the final {@code slow-consumer} error behind what is queued
 * and leaves the closing to the transport's {@link #cutOff(ByteBuf)}.
 */
public abstract class MemberBase implements Member, OutboundMember {

    /** Format changes of all members since start; see {@link #formatChanges()}. */
    private static final AtomicLong FORMAT_CHANGES = new AtomicLong();

    private volatile String nick;
    private volatile OutputFormat format = OutputFormat.TEXT;
    private volatile boolean echo;
    /** Set once this member is being cut off as a slow consumer; confined to the event loop. */
    private boolean cutOff;
    /** True while an outbox drain has written to this member and owes it a flush; confined to the loop. */
    private boolean unflushed;

    private final SlowConsumerPolicy policy;
    private final OutboundBudget budget;
    /** Made on first use, on the member's loop, so that the budget never sees a half-built member. */
    private SlowConsumerGuard guard;
    private boolean closed;

    /**
     * @param policy when this member counts as a slow consumer
     * @param budget the server's outbound memory budget, which this member joins on first use
     */
    protected MemberBase(SlowConsumerPolicy policy, OutboundBudget budget) {
        this.policy = requireNonNull(policy, "policy");
        this.budget = requireNonNull(budget, "budget");
    }

    /**
     * A member cut as soon as more than {@code maxQueueBytes} are queued, with a budget of its own that
     * never binds; for tests of delivery that do not care about the policy.
     */
    protected MemberBase(long maxQueueBytes) {
        this(new SlowConsumerPolicy(maxQueueBytes, maxQueueBytes, 0), new OutboundBudget(Long.MAX_VALUE));
    }

    /** Where this member's cut-off and the errors sent to it are counted; none until set. */
    private volatile ChatMeters meters = ChatMeters.NONE;

    public ChatMeters meters() {
        return meters;
    }

    /** Sets where this member's cut-off and errors are counted; call before it is in a room. */
    public void meters(ChatMeters value) {
        this.meters = java.util.Objects.requireNonNull(value, "meters");
    }

    @Override
    public String nick() {
        return nick;
    }

    public void nick(String value) {
        this.nick = value;
    }

    /** What to do when the cluster reports that another node holds this member's nick; none until set. */
    private volatile Runnable nickLost = () -> { };

    /** Sets what {@link #nickLost()} does: its chat connection renames it. */
    public void onNickLost(Runnable action) {
        this.nickLost = java.util.Objects.requireNonNull(action, "action");
    }

    /** Another node holds this member's nick; called from any thread. */
    public void nickLost() {
        nickLost.run();
    }

    @Override
    public OutputFormat format() {
        return format;
    }

    public void format(OutputFormat value) {
        if (this.format != value) {
            this.format = value;
            FORMAT_CHANGES.incrementAndGet();
        }
    }

    /**
     * How many times any member's format has changed: a room that remembers which formats its members use
     * (see {@code Room.fanOut}) looks again when this moves. Format changes are rare; broadcasts are not.
     */
    static long formatChanges() {
        return FORMAT_CHANGES.get();
    }

    @Override
    public boolean echo() {
        return echo;
    }

    public void echo(boolean value) {
        this.echo = value;
    }

    @Override
    public final EventExecutor executor() {
        return eventLoop();
    }

    @Override
    public final boolean markUnflushed() {
        if (unflushed) {
            return false;
        }
        unflushed = true;
        return true;
    }

    @Override
    public final void flush() {
        unflushed = false;
        flushTransport();
        // The flush may have drained the queue: the guard and the budget see it shrink.
        queueChanged();
    }

    @Override
    public final void deliver(ByteBuf payload) {
        if (!cutOff && isTransportOpen() && shouldCutOff()) {
            // The guard has cut this member through cutOff(CutOff, long); nothing more is queued for it.
            cutOff = true;
        }
        if (cutOff || !isTransportOpen()) {
            payload.release();
            return;
        }
        write(payload);
    }

    @Override
    public final void reply(ByteBuf payload) {
        if (cutOff || !isTransportOpen()) {
            payload.release();
            return;
        }
        write(payload);
    }

    @Override
    public final boolean isOpen() {
        return !cutOff && isTransportOpen();
    }

    /**
     * The queue may have changed without a delivery (a flush, a change of writability): lets the guard
     * look, so a reader that stalled after a burst is still timed and the budget sees queues shrink.
     * Call on the member's loop.
     */
    public final void queueChanged() {
        if (!cutOff && !closed && isTransportOpen()) {
            guard().check();
        }
    }

    /** The transport closed: stops the guard's timer and leaves the budget. Idempotent; call on the loop. */
    public final void transportClosed() {
        closed = true;
        if (guard != null) {
            guard.close();
        }
    }

    /**
     * The slow-consumer decision, asked before each delivery from others: true when this member is cut
     * off, by its guard now or by the budget before. See the class comment for the policy.
     */
    protected boolean shouldCutOff() {
        return closed || !guard().check();
    }

    /**
     * Cuts this member off: no more output is queued for it, and the final {@value CutOff#CODE} error
     * goes out behind what is queued, where the socket allows, before the transport closes. Called by
     * the guard or the budget on the member's loop; idempotent.
     */
    @Override
    public final void cutOff(CutOff reason, long bytes) {
        if (cutOff) {
            return;
        }
        cutOff = true;
        meters.slowConsumerCutoff();
        if (!isTransportOpen()) {
            return;
        }
        meters.error(ErrorCode.SLOW_CONSUMER.wire());
        cutOff(Encoded.encode(Event.Error.of(ErrorCode.SLOW_CONSUMER, reason.message(bytes)), format, framing(),
                alloc()));
    }

    private SlowConsumerGuard guard() {
        if (guard == null) {
            guard = new SlowConsumerGuard(this, policy, budget);
        }
        return guard;
    }

    /** Writes a payload in this transport's framing, without flushing; takes ownership. */
    protected abstract void write(ByteBuf payload);

    protected abstract void flushTransport();

    protected abstract boolean isTransportOpen();

    /**
     * Sends {@code last} (owned here) behind whatever is queued, then closes the transport, giving the
     * reader a bounded time to take it.
     */
    protected abstract void cutOff(ByteBuf last);
}
