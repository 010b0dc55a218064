package io.chorus.bench.load;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Drives rate-limited senders with one fixed-rate tick per event loop, instead of one timer per
 * connection, and calls every sender that lives on that loop.
 */
final class Pacer {

    /** The tick period: {@value} microseconds. */
    static final long TICK_MICROS = 1000;

    /** A sender that catches up with its schedule when ticked; called on its own event loop. */
    interface Paced {
        EventLoop eventLoop();

        void tick(long nowNanos);
    }

    private final List<ScheduledFuture<?>> ticks = new ArrayList<>();

    private Pacer(Collection<? extends Paced> senders) {
        Map<EventLoop, List<Paced>> byLoop = new IdentityHashMap<>();
        for (Paced sender : senders) {
            byLoop.computeIfAbsent(sender.eventLoop(), loop -> new ArrayList<>()).add(sender);
        }
        byLoop.forEach((loop, onLoop) -> {
            Paced[] array = onLoop.toArray(Paced[]::new);
            ticks.add(loop.scheduleAtFixedRate(() -> {
                long now = System.nanoTime();
                for (Paced sender : array) {
                    sender.tick(now);
                }
            }, 0, TICK_MICROS, TimeUnit.MICROSECONDS));
        });
    }

    static Pacer start(Collection<? extends Paced> senders) {
        return new Pacer(senders);
    }

    void stop() {
        for (ScheduledFuture<?> tick : ticks) {
            tick.cancel(false);
        }
    }
}
