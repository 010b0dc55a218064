package io.chorus.client;

import io.chorus.protocol.event.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Keeps every event a client receives, so a test can wait for one and look at all of them. */
public final class EventRecorder implements Consumer<Event> {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<Event> events = new ArrayList<>();

    @Override
    public synchronized void accept(Event event) {
        events.add(event);
        notifyAll();
    }

    public synchronized List<Event> all() {
        return List.copyOf(events);
    }

    /** Waits for the first event of {@code type} that matches, and returns it. */
    public synchronized <T extends Event> T await(Class<T> type, Predicate<? super T> matching) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            for (Event event : events) {
                if (type.isInstance(event) && matching.test(type.cast(event))) {
                    return type.cast(event);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no " + type.getSimpleName() + " matching within " + TIMEOUT + "; got " + events);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    public <T extends Event> T await(Class<T> type) throws InterruptedException {
        return await(type, e -> true);
    }
}
