package io.chorus.server.limits;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Bounds the sum of all members' queued output bytes: when the sum passes the budget, the largest
 * queues are cut first until the rest fit. With it, server memory for output stays bounded however many
 * connections there are, and the per-connection limits of {@link SlowConsumerPolicy} can be generous.
 *
 * <p>The hot path is {@link Account#update}, called on a member's own event loop after it writes or
 * flushes. It adds the change to one counter per event loop (a stripe, so loops never contend on one
 * cache line). Only when its stripe has grown by {@value #LOOK_STEPS}th of the budget since it last
 * looked does a loop read the other stripes to compare the sum with the budget: reading a counter
 * another core keeps writing costs a cache miss, and at a million deliveries a second that was 5% of
 * the server's samples. So the sum may pass the budget by up to that step per loop before it is seen. Only when the sum
 * is over does one thread at a time walk the accounts, pick the largest, and ask their loops to cut them.
 * The bytes of a member being cut count against the budget until its account is closed, but they are
 * not cut a second time.
 *
 * <p>The sum counts a broadcast once per member, although the members of a loop share one buffer for it:
 * behind a burst to 1,000 readers the sum is up to 1,000 times the memory really held. So when the sum is
 * over, the budget also asks what the allocator really holds ({@link #heldBy}, looked at no more than
 * once per {@value #HELD_REFRESH_MILLIS} ms), and cuts only while both are over, by the smaller excess.
 * Readers who are merely behind together with everyone else, on a buffer they share, are then not cut for
 * memory they do not use; a queue of its own still counts in full.
 *
 * <p>Thread-safe.
 */
public final class OutboundBudget {

    private static final Logger LOG = LogManager.getLogger(OutboundBudget.class);

    /** Share of Netty's maximum direct memory used by the default budget: 1/{@value}. */
    public static final int DEFAULT_DIRECT_MEMORY_SHARE = 4;
    /** The default budget is never below this: {@value} bytes (64 MiB). */
    public static final long DEFAULT_FLOOR_BYTES = 64L * 1024 * 1024;

    /** The longest the budget trusts one look at the memory really held: {@value} ms. */
    static final long HELD_REFRESH_MILLIS = 1;
    private static final long HELD_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(HELD_REFRESH_MILLIS);

    /** The share of the budget one loop's queues may grow by between two looks at the sum: 1/{@value}. */
    static final int LOOK_STEPS = 64;

    private final long budgetBytes;
    private final long lookStepBytes;
    private final LongSupplier heldBytes;
    private final ConcurrentMap<EventExecutor, Stripe> stripes = new ConcurrentHashMap<>();
    /** The values of {@link #stripes}, copied on each new one, so the hot path sums an array. */
    private volatile Stripe[] stripeArray = new Stripe[0];
    /** The last look at {@link #heldBytes} and when it was taken ({@link System#nanoTime}, 0 for never). */
    private volatile long heldSample;
    private volatile long heldSampledAt;
    /** Queued bytes of members that were cut and are not closed yet; they will be freed without help. */
    private final AtomicLong cuttingBytes = new AtomicLong();
    /** Growth reported while another loop is choosing whom to cut gets a turn of its own. */
    private final OneAtATime enforcer = new OneAtATime(this::enforceOnce);
    private final AtomicLong cuts = new AtomicLong();

    /** A budget over the members' reported queues alone. */
    public OutboundBudget(long budgetBytes) {
        this(budgetBytes, null);
    }

    /**
     * A budget that cuts only while {@code heldBytes} (what buffers really hold, see {@link #heldBy}) is
     * over it too; {@code null} trusts the reported queues alone.
     */
    public OutboundBudget(long budgetBytes, LongSupplier heldBytes) {
        if (budgetBytes < 1) {
            throw new IllegalArgumentException("budgetBytes must be positive: " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
        this.lookStepBytes = Math.max(1, budgetBytes / LOOK_STEPS);
        this.heldBytes = heldBytes;
    }

    /**
     * What {@code alloc} really holds in direct memory: the bytes of live buffers for Netty's pooled
     * allocator, what it has reserved for another that reports metrics, and {@code null} (unknown) otherwise.
     */
    public static LongSupplier heldBy(ByteBufAllocator alloc) {
        if (alloc instanceof PooledByteBufAllocator pooled) {
            return pooled::pinnedDirectMemory;
        }
        if (alloc instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            return metric::usedDirectMemory;
        }
        return null;
    }

    /**
     * The default budget: a quarter of the direct memory Netty may use (by default the JVM's maximum
     * heap), and at least 64 MiB. Queued output lives in pooled direct buffers, so the share leaves room
     * for reads, TLS and the pool's own slack.
     */
    public static long defaultBudgetBytes() {
        return defaultBudgetBytes(PlatformDependent.maxDirectMemory());
    }

    /** {@link #defaultBudgetBytes()} for a given maximum of direct memory; visible for tests and docs. */
    public static long defaultBudgetBytes(long maxDirectMemory) {
        long share = maxDirectMemory <= 0 ? DEFAULT_FLOOR_BYTES : maxDirectMemory / DEFAULT_DIRECT_MEMORY_SHARE;
        return Math.max(DEFAULT_FLOOR_BYTES, share);
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** Opens the account of one member; call on any thread, once per member. */
    public Account register(OutboundMember member) {
        requireNonNull(member, "member");
        Stripe stripe = stripes.computeIfAbsent(member.executor(), e -> newStripe());
        Account account = new Account(member, stripe);
        stripe.accounts.add(account);
        return account;
    }

    private Stripe newStripe() {
        Stripe stripe = new Stripe();
        synchronized (stripes) {
            Stripe[] grown = java.util.Arrays.copyOf(stripeArray, stripeArray.length + 1);
            grown[grown.length - 1] = stripe;
            stripeArray = grown;
        }
        return stripe;
    }

    /** The sum of all members' last reported queued bytes. */
    public long total() {
        long sum = 0;
        for (Stripe stripe : stripeArray) {
            sum += stripe.bytes.get();
        }
        return sum;
    }

    /**
     * True unless a look at the memory really held, taken within {@value #HELD_REFRESH_MILLIS} ms, found it
     * within the budget; without a {@link #heldBytes} supplier, always true.
     */
    private boolean mayHoldTooMuch() {
        if (heldBytes == null) {
            return true;
        }
        long at = heldSampledAt;
        return at == 0 || System.nanoTime() - at >= HELD_REFRESH_NANOS || heldSample > budgetBytes;
    }

    /**
     * The memory really held now, looked at again when the last look is too old; called only by
     * {@link #enforceOnce}, one thread at a time.
     */
    private long held() {
        long now = System.nanoTime();
        long at = heldSampledAt;
        if (at == 0 || now - at >= HELD_REFRESH_NANOS) {
            heldSample = heldBytes.getAsLong();
            heldSampledAt = now == 0 ? 1 : now;
        }
        return heldSample;
    }

    /** Members cut by this budget since start. */
    public long cuts() {
        return cuts.get();
    }

    /** Open accounts, for tests and metrics. */
    public int accounts() {
        int n = 0;
        for (Stripe stripe : stripes.values()) {
            n += stripe.accounts.size();
        }
        return n;
    }

    /** Cuts the largest queues until the rest fit; run by {@link #enforcer}, one thread at a time. */
    private void enforceOnce() {
        long excess = total() - cuttingBytes.get() - budgetBytes;
        if (excess > 0 && heldBytes != null) {
            // Members being cut still hold their buffers until they close; counting them as freed
            // already errs towards cutting fewer, and their close makes the next look fresh.
            excess = Math.min(excess, held() - cuttingBytes.get() - budgetBytes);
        }
        if (excess <= 0) {
            return;
        }
        // Sizes are copied first: they change while we sort, and a sort needs a stable order.
        List<Candidate> candidates = new ArrayList<>();
        for (Stripe stripe : stripes.values()) {
            for (Account account : stripe.accounts) {
                long bytes = account.reported;
                if (bytes > 0 && !account.chosen.get()) {
                    candidates.add(new Candidate(account, bytes));
                }
            }
        }
        candidates.sort(Comparator.comparingLong(Candidate::bytes).reversed());
        for (Candidate candidate : candidates) {
            if (excess <= 0) {
                break;
            }
            Account account = candidate.account();
            long bytes = candidate.bytes();
            if (account.markCut(bytes)) {
                excess -= bytes;
                account.member.executor().execute(() -> account.confirmCut(bytes));
            }
        }
    }

    /** An account and its size when the enforcer looked. */
    private record Candidate(Account account, long bytes) {
    }

    /** The counters of one event loop's members. */
    private static final class Stripe {
        final AtomicLong bytes = new AtomicLong();
        final Set<Account> accounts = ConcurrentHashMap.newKeySet();
        /** This stripe's bytes when its loop last looked at the sum; confined to that loop. */
        long lookedAt;
    }

    /** One member's share of the budget; {@link #update} and {@link #close} run on the member's loop. */
    public final class Account {

        private final OutboundMember member;
        private final Stripe stripe;
        /** Last reported queued bytes; written on the member's loop, read by the enforcer. */
        private volatile long reported;
        /** Chosen by the enforcer, or closed: no candidate for a cut. */
        private final AtomicBoolean chosen = new AtomicBoolean();
        /** The budget cut this member; set on the member's loop. */
        private volatile boolean cutOff;
        private long countedAsCutting;
        private boolean closed;

        private Account(OutboundMember member, Stripe stripe) {
            this.member = member;
            this.stripe = stripe;
        }

        /**
         * Reports the member's queued bytes now; if that takes the sum over the budget, the largest queues
         * are cut. Call on the member's loop after writing to it and after a flush or writability change.
         */
        public void update(long queuedBytes) {
            if (closed) {
                return;
            }
            long delta = queuedBytes - reported;
            if (delta == 0) {
                return;
            }
            reported = queuedBytes;
            long stripeBytes = stripe.bytes.addAndGet(delta);
            boolean look = stripeBytes - stripe.lookedAt >= lookStepBytes;
            if (look || stripeBytes < stripe.lookedAt) {
                stripe.lookedAt = stripeBytes;
            }
            if (chosen.get()) {
                // A member on its way out still grows until its cut runs; that growth is not a reason to cut others.
                synchronized (this) {
                    if (countedAsCutting > 0) {
                        countedAsCutting += delta;
                        cuttingBytes.addAndGet(delta);
                    }
                }
                return;
            }
            if (delta > 0 && look && total() - cuttingBytes.get() > budgetBytes && mayHoldTooMuch()) {
                enforcer.request();
            }
        }

        /** The member is gone: its bytes leave the sum and it is no candidate any more. Idempotent. */
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            // Its buffers were just let go of: the next look at the memory held must see that.
            heldSampledAt = 0;
            stripe.accounts.remove(this);
            stripe.bytes.addAndGet(-reported);
            reported = 0;
            synchronized (this) {
                chosen.set(true);
                cuttingBytes.addAndGet(-countedAsCutting);
                countedAsCutting = 0;
            }
            if (heldBytes != null && total() - cuttingBytes.get() > budgetBytes) {
                // Readers behind on shared buffers free little one at a time: with this one gone, the next
                // furthest behind may hold what is still over, and no write may come to ask again.
                enforcer.request();
            }
        }

        /** The last reported queued bytes. */
        public long reported() {
            return reported;
        }

        /** True once the budget cut this member. A member chosen but spared because it drained is not cut. */
        public boolean isCut() {
            return cutOff;
        }

        /**
         * Runs on the member's loop after the enforcer chose it. The enforcer saw the last reported size,
         * which may be stale: a member that has drained most of it since then is spared, and the budget
         * looks again.
         */
        private void confirmCut(long chosenAt) {
            if (closed) {
                return;
            }
            long now = member.queuedBytes();
            if (now >= chosenAt / 2) {
                cuts.incrementAndGet();
                cutOff = true;
                LOG.warn("outbound memory budget of {} bytes exceeded: cutting a member {} bytes behind", budgetBytes, now);
                member.cutOff(CutOff.BUDGET, now);
                return;
            }
            synchronized (this) {
                chosen.set(false);
                cuttingBytes.addAndGet(-countedAsCutting);
                countedAsCutting = 0;
            }
            update(now);
            enforcer.request();
        }

        private synchronized boolean markCut(long bytes) {
            if (!chosen.compareAndSet(false, true)) {
                return false;
            }
            countedAsCutting = bytes;
            cuttingBytes.addAndGet(bytes);
            return true;
        }
    }
}
