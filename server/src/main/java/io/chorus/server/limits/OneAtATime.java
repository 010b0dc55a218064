package io.chorus.server.limits;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs an action on one thread at a time, without ever leaving a request unserved. A thread that asks
 * while another runs the action does not wait and does not run it: it leaves a request, and the running
 * thread takes another turn before it lets go. So the action always runs at least once after the last
 * request, and that turn sees whatever the requester changed before asking.
 *
 * <p>The budgets use it to decide whom to cut: one loop decides at a time, and growth that another
 * loop reports meanwhile is still looked at, even when it is the last report of a burst.
 *
 * <p>Thread-safe.
 */
final class OneAtATime {

    private final Runnable action;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean requested = new AtomicBoolean();

    OneAtATime(Runnable action) {
        this.action = requireNonNull(action, "action");
    }

    /** Runs the action now on this thread, or leaves the request to the thread that is running it. */
    void request() {
        requested.set(true);
        while (requested.get() && running.compareAndSet(false, true)) {
            try {
                requested.set(false);
                action.run();
            } finally {
                running.set(false);
            }
        }
    }
}
