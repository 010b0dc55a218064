package io.chorus.server.limits;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;

/** An embedded event loop with fake time, through the channel that owns it. */
final class EmbeddedLoop implements AutoCloseable {

    private final EmbeddedChannel channel = new EmbeddedChannel();

    EmbeddedLoop() {
        channel.freezeTime();
    }

    EventExecutor executor() {
        return channel.eventLoop();
    }

    void runPendingTasks() {
        channel.runPendingTasks();
    }

    void advance(long amount, TimeUnit unit) {
        channel.advanceTimeBy(amount, unit);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
    }
}
