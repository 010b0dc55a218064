package io.chorus.server.limits;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Hands each incarnation of a room the first message id it may use, so that ids for a room name never
 * repeat within a server run and keep increasing across restarts.
 *
 * <p>An id is a positive {@code long} below 2<sup>53</sup>, so JSON and JavaScript carry it exactly. It
 * has the shape of a Redis stream id folded into one number: {@code epochMillis * 1000 + sequence}. A
 * room, once created, counts up from its first id on its own executor without touching this class
 * (the hot path stays a field increment). When a room is freed, its registry {@linkplain #retire
 * retires} the last id it issued; a later room of any name starts above every retired id and above
 * {@code now * 1000}. No per-name state is kept, so churning through room names costs no memory here.
 *
 * <p>Across restarts ids increase because a new run starts at {@code now * 1000}: a room would have to
 * average more than 1,000 messages per millisecond over its whole life to run ahead of the clock. A
 * wall clock stepped back further than the downtime breaks that guarantee; the {@linkplain #runId()
 * run id} in the welcome still tells a client that the server restarted.
 *
 * <p>Thread-safe: rooms are created and retired from every event loop.
 */
public final class MessageIds {

    /** Ids per millisecond of wall clock: {@value}. */
    public static final long PER_MILLI = 1000;
    /** Every id is below this: 2<sup>53</sup>, the largest range JSON numbers hold exactly. */
    public static final long LIMIT = 1L << 53;

    private final LongSupplier epochMillis;
    private final String runId;
    /** The highest id any freed room issued, or reserved by a created room; never decreases. */
    private final AtomicLong ceiling = new AtomicLong();

    /** Ids from the system clock, with a fresh run id. */
    public MessageIds() {
        this(System::currentTimeMillis, ThreadLocalRandom.current().nextInt(1 << 20));
    }

    /**
     * Ids from the given clock; tests pass a fake one.
     *
     * @param epochMillis milliseconds since the epoch, as {@link System#currentTimeMillis()}
     * @param salt        random bits that tell apart two runs started in the same millisecond
     */
    public MessageIds(LongSupplier epochMillis, int salt) {
        this.epochMillis = requireNonNull(epochMillis, "epochMillis");
        long start = epochMillis.getAsLong();
        this.runId = Long.toString(start, 36) + "-" + Integer.toString(salt & 0xfffff, 36);
    }

    /**
     * The server run id for the welcome event: different for every run, so a client that sees a new one
     * knows the server restarted. It is informative only; ids alone already order runs.
     */
    public String runId() {
        return runId;
    }

    /**
     * The lowest id the wall clock allows now ({@code now * 1000}): where a sequence starts, and what a
     * cluster node cut off from Redis numbers at least from (see {@code Room}).
     */
    public static long timeFloor() {
        return Math.multiplyExact(System.currentTimeMillis(), PER_MILLI);
    }

    /**
     * The first id of a new room incarnation: above every id retired so far and at least
     * {@code now * 1000}. Call it when the room is created, before it is visible to anyone.
     */
    public long firstId() {
        long fromClock = Math.multiplyExact(epochMillis.getAsLong(), PER_MILLI);
        long first = ceiling.updateAndGet(c -> Math.max(c + 1, fromClock));
        if (first >= LIMIT) {
            throw new IllegalStateException("message ids exhausted: " + first + " is not below 2^53");
        }
        // The reservation is only the first id; what the room issues after it is retired when it is freed.
        return first;
    }

    /**
     * Records the last id a freed room issued ({@code firstId - 1} if it issued none). Must be called
     * before the room's registry entry is removed, so that a room created under the same name afterwards
     * starts above it.
     */
    public void retire(long lastIssued) {
        ceiling.accumulateAndGet(lastIssued, Math::max);
    }

    /**
     * Whether a replay of everything after {@code afterId} is complete, for {@code /history ROOM since ID}.
     * It is complete only when {@code afterId} belongs to this incarnation of the room and nothing after
     * it has been dropped:
     * <ul>
     *   <li>{@code afterId < firstId}: the id is from an earlier incarnation or an earlier run, whose
     *       messages are gone; false.</li>
     *   <li>{@code afterId > lastIssued}: the room never issued it (a later run, or another server); false.</li>
     *   <li>{@code afterId < droppedThrough}: messages after it were evicted from history; false.</li>
     * </ul>
     *
     * @param afterId        the last id the client holds
     * @param firstId        the first id of the room's current incarnation
     * @param lastIssued     the last id the room issued; {@code firstId - 1} when none
     * @param droppedThrough the highest id dropped from history; {@code firstId - 1} when none
     *
     * <p>{@code afterId} 0 is the one exception: a client that has seen no message of the room asks for
     * everything the room holds, and that is complete when this incarnation has dropped nothing. (It
     * cannot vouch for an earlier incarnation freed while the client was away; a client that knows an
     * id asks with it and gets the strict answer.)
     */
    public static boolean complete(long afterId, long firstId, long lastIssued, long droppedThrough) {
        if (afterId == 0) {
            return droppedThrough < firstId;
        }
        return afterId >= firstId && afterId <= lastIssued && afterId >= droppedThrough;
    }
}
