package io.chorus.bench.load;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs {@code load connections}: opens connections at a bounded rate, holds them for the duration,
 * checks how many are still open, then closes them all, timing each phase.
 */
public final class ConnectionsLoad {

    private ConnectionsLoad() {
    }

    /** Runs one bounded connections load; progress lines go to {@code err}. */
    public static ConnectionsResult run(ConnectionsLoadConfig config, PrintWriter err) throws InterruptedException {
        LoadSettings settings = config.settings();
        Progress progress = new Progress(err, "connections");
        LatencyRecorder latency = new LatencyRecorder();
        ConnectionsHandler handler = new ConnectionsHandler();
        AtomicInteger connected = new AtomicInteger();
        try (LoadClient client = new LoadClient(settings)) {
            progress.note("opening " + config.connections() + " to " + settings.target() + " at "
                    + (config.rate() > 0 ? config.rate() + "/s" : "full speed") + " (" + client.transportName() + ")");
            long began = System.nanoTime();
            long planned = config.rate() > 0 ? (long) (config.connections() / config.rate() * 1e9) : 0;
            long deadline = began + planned + 2 * settings.timeout().toNanos()
                    + TimeUnit.MILLISECONDS.toNanos(config.connections());
            double[] lastTick = {0};
            LoadClient.ConnectSummary connects = client.connectAll(config.connections(), config.rate(), deadline,
                    index -> new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            // Reads and drops anything the server sends; notices server-side closes.
                            ch.pipeline().addLast("hold", handler);
                        }
                    },
                    (index, channel, nanos) -> {
                        latency.record(nanos, true);
                        connected.incrementAndGet();
                    },
                    () -> {
                        double elapsed = (System.nanoTime() - began) / 1e9;
                        progress.print(elapsed, true, String.format(java.util.Locale.ROOT, "open %,d of %,d  %,.0f conn/s",
                                connected.get(), config.connections(), (connected.get() - lastTick[0]) / 1.0),
                                latency.nextInterval(), handler.closedByServer.sum());
                        lastTick[0] = connected.get();
                    });
            double connectSeconds = (System.nanoTime() - began) / 1e9;
            progress.note(String.format(java.util.Locale.ROOT, "%,d of %,d open after %.1f s; holding for %.1f s",
                    connects.succeeded(), config.connections(), connectSeconds, settings.duration().toMillis() / 1000.0));
            LoadSettings hold = settings.withTimes(java.time.Duration.ZERO, settings.duration());
            Timeline.run(hold, new Timeline.Listener() {
                @Override
                public void measuringStarted() {
                }

                @Override
                public void tick(double elapsedSeconds, boolean measuring) {
                    progress.print(elapsedSeconds, true, String.format(java.util.Locale.ROOT, "holding %,d open",
                            client.openConnections()), null, handler.closedByServer.sum());
                }
            });
            int stillOpen = client.openConnections();
            handler.closing = true;
            double closeSeconds = client.closeAll() / 1e9;
            String firstError = connects.firstFailure() != null ? connects.firstFailure() : handler.firstError.get();
            return new ConnectionsResult(config, client.transportName(), connects.attempted(), connects.succeeded(),
                    connects.errors(), connectSeconds, latency.total(), stillOpen, handler.closedByServer.sum(),
                    closeSeconds, firstError);
        }
    }
}
