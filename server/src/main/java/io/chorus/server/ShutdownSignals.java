package io.chorus.server;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into one call of a shutdown action, so {@code docker stop} and Ctrl-C
 * drain the server and the process exits 0. A JVM shutdown hook runs the same action for any other
 * exit path. Installed before the listeners bind, so a signal that arrives during startup is not lost.
 */
final class ShutdownSignals {

    private final AtomicReference<Runnable> action = new AtomicReference<>();
    private final AtomicBoolean signalled = new AtomicBoolean();
    private final AtomicBoolean ran = new AtomicBoolean();

    private ShutdownSignals() {
    }

    static ShutdownSignals install() {
        ShutdownSignals signals = new ShutdownSignals();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                // Handling the signal ourselves (instead of the JVM's default exit) lets main return 0.
                Signal.handle(new Signal(name), signal -> signals.signal());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // Not available here: the shutdown hook below still drains.
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(signals::runOnce, "chorus-shutdown-hook"));
        return signals;
    }

    /** True once SIGTERM or SIGINT has arrived. */
    boolean signalled() {
        return signalled.get();
    }

    /** Sets the action; runs it at once if a signal already arrived. */
    void onTerminate(Runnable shutdown) {
        action.set(shutdown);
        if (signalled.get()) {
            new Thread(this::runOnce, "chorus-shutdown").start();
        }
    }

    private void signal() {
        signalled.set(true);
        new Thread(this::runOnce, "chorus-shutdown").start();
    }

    private void runOnce() {
        Runnable shutdown = action.get();
        if (shutdown != null && ran.compareAndSet(false, true)) {
            shutdown.run();
        }
    }
}
