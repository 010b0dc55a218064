package io.chorus.server;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * Runs a shutdown action on SIGTERM or SIGINT, so {@code docker stop} and Ctrl-C drain the server and
 * the process exits 0. A JVM shutdown hook runs the same action for any other exit path.
 */
final class ShutdownSignals {

    private ShutdownSignals() {
    }

    static void onTerminate(Runnable action) {
        AtomicBoolean started = new AtomicBoolean();
        Runnable once = () -> {
            if (started.compareAndSet(false, true)) {
                action.run();
            }
        };
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                // Handling the signal ourselves (instead of the JVM's default exit) lets main return 0.
                Signal.handle(new Signal(name), signal -> new Thread(once, "chorus-shutdown").start());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // Signal not available on this platform: the shutdown hook below still drains.
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(once, "chorus-shutdown-hook"));
    }
}
