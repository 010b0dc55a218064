package io.chorus.server.limits;

import static java.util.Objects.requireNonNull;

import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Applies the slow-consumer limits to one member: its {@link SlowConsumerPolicy} tracker, its account in
 * the {@link OutboundBudget}, and the timer that looks again at a member that stopped receiving new
 * output while it was above the soft limit (without it, a reader that stalls after the last message of
 * a burst would never be cut and would hold its queue for good).
 *
 * <p>Confined to the member's event loop: every method runs there, and the re-check timer is scheduled
 * on it, with its clock, so fake time drives it in tests.
 */
public final class SlowConsumerGuard {

    private final OutboundMember member;
    private final SlowConsumerPolicy policy;
    private final SlowConsumerPolicy.Tracker tracker;
    private final OutboundBudget.Account account;
    private ScheduledFuture<?> recheck;
    private boolean cut;

    public SlowConsumerGuard(OutboundMember member, SlowConsumerPolicy policy, OutboundBudget budget) {
        this.member = requireNonNull(member, "member");
        this.policy = requireNonNull(policy, "policy");
        this.tracker = policy.tracker();
        this.account = budget.register(member);
    }

    /**
     * Looks at the member's queue and cuts it if a limit says so. Call it before writing output that others
     * caused (and drop that output when this returns false), and after a flush or a writability change so
     * the budget sees queues shrink.
     *
     * @return false once the member is cut, by this guard or by the budget
     */
    public boolean check() {
        if (cut) {
            return false;
        }
        long queued = member.queuedBytes();
        account.update(queued);
        if (account.isCut()) {
            // The budget cut this member on this loop; a member only chosen may still be spared, so its
            // output goes on until then.
            return false;
        }
        long now = LoopClock.nanoTime(member.executor());
        switch (tracker.check(queued, now)) {
            case KEEP -> cancelRecheck();
            case WATCH -> {
                if (recheck == null) {
                    recheck = member.executor().schedule(this::recheck, tracker.recheckAtNanos() - now,
                            TimeUnit.NANOSECONDS);
                }
            }
            case CUT_SLOW -> cut(CutOff.SLOW, policy.softLimitBytes());
            case CUT_HARD -> cut(CutOff.HARD, policy.hardLimitBytes());
        }
        return !cut;
    }

    /** True once this guard cut the member. */
    public boolean isCut() {
        return cut;
    }

    /** The member closed: stops the timer and leaves the budget. Idempotent. */
    public void close() {
        cancelRecheck();
        account.close();
    }

    private void recheck() {
        recheck = null;
        check();
    }

    private void cut(CutOff reason, long limit) {
        cut = true;
        cancelRecheck();
        member.cutOff(reason, limit);
    }

    private void cancelRecheck() {
        if (recheck != null) {
            recheck.cancel(false);
            recheck = null;
        }
    }
}
