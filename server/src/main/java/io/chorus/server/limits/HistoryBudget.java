package io.chorus.server.limits;

import static java.util.Objects.requireNonNull;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounds the memory that room history holds across all rooms: when the total passes the budget, the
 * least recently active rooms are asked to drop their oldest messages first, until the total fits.
 * A room keeps its own per-room count limit ({@code --history}) as well; this bound is what makes
 * {@code rooms x history} safe.
 *
 * <p>Each room holds one {@link Ledger}. Storing a message adds its {@linkplain #estimate estimated
 * size} and marks the room active; the total is a {@link LongAdder}, so rooms on different loops do not
 * contend. Eviction runs on the evicted room's own executor through {@link Owner#shed}, so history stays
 * confined to its room. Requests in flight are counted, so a room is not asked twice for the same bytes.
 *
 * <p>Thread-safe.
 */
public final class HistoryBudget {

    /** Default budget: {@value} bytes (64 MiB), about 100,000 messages of 300 characters. */
    public static final long DEFAULT_BYTES = 64L * 1024 * 1024;
    /**
     * Estimated heap bytes of one stored message besides its characters: the event record, its
     * {@code Instant}, two {@code String} headers with their arrays, and the deque slot ({@value}).
     * Checked against a heap measurement in {@code HistoryBudgetTest}.
     */
    public static final long PER_MESSAGE_OVERHEAD = 160;

    /** What the budget needs from a room that keeps history. */
    public interface Owner {

        /** The executor the room's history is confined to. */
        EventExecutor executor();

        /**
         * Drops the room's oldest messages until at least {@code bytes} (by {@link #estimate}) are freed or
         * none is left, records that they were dropped (so replays say {@code complete:false}), and returns
         * the bytes freed. Runs on {@link #executor()}; it must not call {@link Ledger#remove} itself.
         */
        long shed(long bytes);
    }

    private final long budgetBytes;
    private final LongAdder total = new LongAdder();
    private final AtomicLong pendingShed = new AtomicLong();
    private final Set<Ledger> ledgers = ConcurrentHashMap.newKeySet();
    /** One thread decides at a time; growth reported meanwhile gets a turn of its own. */
    private final OneAtATime enforcer = new OneAtATime(this::enforceOnce);
    private final AtomicLong evictions = new AtomicLong();

    public HistoryBudget(long budgetBytes) {
        if (budgetBytes < 1) {
            throw new IllegalArgumentException("budgetBytes must be positive: " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
    }

    /** The estimated heap bytes of one stored message: overhead plus two bytes per character of nick and text. */
    public static long estimate(String nick, String text) {
        return PER_MESSAGE_OVERHEAD + 2L * (nick.length() + text.length());
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** The estimated bytes of all history held now. */
    public long total() {
        return total.sum();
    }

    /** Shed requests sent to rooms since start. */
    public long evictions() {
        return evictions.get();
    }

    /** Open ledgers: rooms that exist. */
    public int ledgers() {
        return ledgers.size();
    }

    /** Opens the ledger of a new room. */
    public Ledger open(Owner owner) {
        Ledger ledger = new Ledger(requireNonNull(owner, "owner"));
        ledgers.add(ledger);
        return ledger;
    }

    /** Asks the least recently active rooms to shed until the rest fit; run by {@link #enforcer}. */
    private void enforceOnce() {
        long excess = total.sum() - pendingShed.get() - budgetBytes;
        if (excess <= 0) {
            return;
        }
        // Activity times are copied first: they change while we sort, and a sort needs a stable order.
        List<Candidate> byAge = new ArrayList<>();
        for (Ledger ledger : ledgers) {
            long bytes = ledger.bytes;
            if (bytes > 0) {
                byAge.add(new Candidate(ledger, bytes, ledger.lastActiveNanos));
            }
        }
        // Least recently active first; their readers are the least likely to ask for history.
        byAge.sort(Comparator.comparingLong(Candidate::lastActiveNanos));
        for (Candidate candidate : byAge) {
            if (excess <= 0) {
                break;
            }
            Ledger ledger = candidate.ledger();
            long ask = Math.min(candidate.bytes(), excess);
            if (ledger.request(ask)) {
                excess -= ask;
                evictions.incrementAndGet();
                ledger.owner.executor().execute(ledger::shedNow);
            }
        }
    }

    /** A ledger with its size and last activity when the enforcer looked. */
    private record Candidate(Ledger ledger, long bytes, long lastActiveNanos) {
    }

    /** One room's history bytes; {@link #add}, {@link #remove} and {@link #close} run on the room's executor. */
    public final class Ledger {

        private final Owner owner;
        /** Read by the enforcer from other threads. */
        private volatile long bytes;
        private volatile long lastActiveNanos = System.nanoTime();
        /** Bytes asked of this room and not yet shed; 0 when no request is outstanding. */
        private final AtomicLong requested = new AtomicLong();
        private boolean closed;

        private Ledger(Owner owner) {
            this.owner = owner;
        }

        /** A message of {@code size} bytes (see {@link #estimate}) was stored; the room counts as active now. */
        public void add(long size) {
            if (closed) {
                return;
            }
            bytes += size;
            lastActiveNanos = System.nanoTime();
            total.add(size);
            if (total.sum() - pendingShed.get() > budgetBytes) {
                enforcer.request();
            }
        }

        /** Messages of {@code size} bytes in all were dropped by the room's own count limit. */
        public void remove(long size) {
            if (closed) {
                return;
            }
            long freed = Math.min(size, bytes);
            bytes -= freed;
            total.add(-freed);
        }

        /** The room's bytes held now. */
        public long bytes() {
            return bytes;
        }

        /** The room was freed with its history. Idempotent. */
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            ledgers.remove(this);
            total.add(-bytes);
            bytes = 0;
            pendingShed.addAndGet(-requested.getAndSet(0));
        }

        private boolean request(long ask) {
            if (!requested.compareAndSet(0, ask)) {
                return false;
            }
            pendingShed.addAndGet(ask);
            return true;
        }

        private void shedNow() {
            long ask = requested.get();
            if (closed || ask == 0) {
                return;
            }
            try {
                remove(owner.shed(ask));
            } finally {
                pendingShed.addAndGet(-requested.getAndSet(0));
            }
            // Still over, for example because this room had less than asked left: ask the next ones.
            if (total.sum() - pendingShed.get() > budgetBytes) {
                enforcer.request();
            }
        }
    }
}
