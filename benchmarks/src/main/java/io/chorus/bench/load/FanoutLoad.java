package io.chorus.bench.load;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs {@code load fanout}: connects subscribers, waits until they are ready, publishes at the target
 * rate for warmup plus duration, waits for the last deliveries, and returns what it measured.
 *
 * <p>The measured window is defined by sequence numbers: each publisher notes its next sequence number
 * when measuring starts and when it stops, on its own event loop, so "published in the window" and
 * "delivered from the window" count exactly the same messages.
 */
public final class FanoutLoad {

    private FanoutLoad() {
    }

    /** Runs one bounded fan-out load; progress lines go to {@code err}. */
    public static FanoutResult run(FanoutLoadConfig config, PrintWriter err) throws InterruptedException {
        LoadSettings settings = config.settings();
        Progress progress = new Progress(err, "fanout");
        FanoutStats stats = new FanoutStats(config.subscribers(), config.publishers(), config.subscriberPortCount());
        Queue<FanoutPublisherHandler> publishers = new ConcurrentLinkedQueue<>();
        AtomicInteger subscribed = new AtomicInteger();
        // Publishers get an event loop of their own, so a busy subscriber loop never delays the schedule.
        try (LoadClient client = new LoadClient(settings, subscriberThreads(settings), 1)) {
            progress.note("connecting " + config.subscribers() + " subscribers and " + config.publishers()
                    + " publishers to " + settings.target() + " (" + client.transportName() + ")");
            long timeout = settings.timeout().toNanos();
            FanoutLoadConfig.WebSocketTarget ws = config.webSocket();
            if (ws != null) {
                progress.note("subscribers over WebSocket: ws://" + settings.host() + ":" + ws.port() + ws.path());
            }
            if (!config.subscriberPorts().isEmpty()) {
                progress.note("subscribers spread over ports " + config.subscriberPorts() + " (round robin), publishers on "
                        + settings.port());
            }
            LoadClient.ConnectSummary subs = client.connectAll(config.subscribers(), 0,
                    client.connectDeadline(config.subscribers()),
                    index -> subscriberInitializer(new FanoutSubscriberHandler(index, config, stats), settings.host(), ws),
                    (index, channel, nanos) -> {
                        subscribed.incrementAndGet();
                        stats.connectedByPort.incrementAndGet(config.portIndexOf(index));
                    },
                    () -> progress.note(subscribed.get() + " subscribers connected, " + stats.ready.get() + " ready"),
                    false, index -> new InetSocketAddress(settings.host(), ws == null ? config.subscriberPort(index) : ws.port()));
            LoadClient.ConnectSummary pubs = client.connectAll(config.publishers(), 0,
                    client.connectDeadline(config.publishers()),
                    index -> publisherInitializer(new FanoutPublisherHandler(index, config, stats)),
                    (index, channel, nanos) -> publishers.add(channel.pipeline().get(FanoutPublisherHandler.class)),
                    () -> progress.note(publishers.size() + " publishers connected"), true);
            for (LoadClient.ConnectSummary summary : List.of(subs, pubs)) {
                if (summary.firstFailure() != null) {
                    stats.error("connect: " + summary.firstFailure());
                }
            }
            if (subs.succeeded() == 0 || pubs.succeeded() == 0) {
                progress.note("cannot run: " + subs.succeeded() + " subscribers and " + pubs.succeeded()
                        + " publishers connected (" + stats.firstError.get() + ")");
                return FanoutResult.of(config, client.transportName(), subs, pubs, 0, 0, 0, stats, null,
                        ProcessCpu.Use.UNKNOWN);
            }
            boolean allReady = Timeline.awaitCondition(() -> stats.ready.get() >= subs.succeeded(), timeout);
            int ready = stats.ready.get();
            progress.note(ready + " of " + subs.succeeded() + " subscribers ready"
                    + (allReady ? "" : " after " + settings.timeout().toSeconds() + " s; the others are left out of the expected count")
                    + "; settling " + config.settle().toMillis() + " ms");
            TimeUnit.NANOSECONDS.sleep(config.settle().toNanos());

            double perPublisher = config.rate() / (double) publishers.size();
            long start = System.nanoTime();
            for (FanoutPublisherHandler publisher : publishers) {
                publisher.eventLoop().execute(() -> publisher.start(start, perPublisher));
            }
            Pacer pacer = Pacer.start(publishers);
            long[] last = {0, 0, start};
            ProcessCpu.Use[] cpuAtStart = {ProcessCpu.Use.UNKNOWN};
            Timeline.Window window = Timeline.run(settings, new Timeline.Listener() {
                @Override
                public void measuringStarted() {
                    cpuAtStart[0] = ProcessCpu.Use.start(settings.serverPids());
                    stats.measuring = true;
                    for (FanoutPublisherHandler publisher : publishers) {
                        publisher.eventLoop().execute(publisher::startWindow);
                    }
                }

                @Override
                public void tick(double elapsedSeconds, boolean measuring) {
                    long now = System.nanoTime();
                    long published = stats.published.sum();
                    long delivered = stats.deliveries();
                    double seconds = Math.max(1, now - last[2]) / 1e9;
                    String body = Progress.rate((published - last[0]) / seconds, "pub/s") + " "
                            + Progress.rate((delivered - last[1]) / seconds, "deliveries/s");
                    last[0] = published;
                    last[1] = delivered;
                    last[2] = now;
                    progress.print(elapsedSeconds, measuring, body, stats.latency.nextInterval(),
                            stats.errorsSoFar() + subs.errors() + pubs.errors());
                }
            });
            stats.measuring = false;
            ProcessCpu.Use cpu = cpuAtStart[0].since(settings.serverPids());
            pacer.stop();
            long publishedInWindow = 0;
            for (FanoutPublisherHandler publisher : publishers) {
                publishedInWindow += stopOnLoop(publisher);
            }
            long expected = publishedInWindow * ready;
            boolean drained = Timeline.awaitCondition(() -> stats.measuredDeliveries() >= expected, timeout);
            if (!drained) {
                progress.note("gave up waiting for " + (expected - stats.measuredDeliveries())
                        + " deliveries after " + settings.timeout().toSeconds() + " s");
            }
            stats.closing = true;
            return FanoutResult.of(config, client.transportName(), subs, pubs, ready, publishedInWindow,
                    window.seconds(), stats, stats.latency.total(), cpu).withBreakdown(stats.breakdown())
                    .withByPort(byPort(config, stats));
        }
    }

    /** The figures of each of {@code --subscriber-ports}; none without that option. Call once, after the drain. */
    private static List<FanoutResult.PortResult> byPort(FanoutLoadConfig config, FanoutStats stats) {
        List<FanoutResult.PortResult> ports = new java.util.ArrayList<>();
        for (int i = 0; i < config.subscriberPorts().size(); i++) {
            ports.add(new FanoutResult.PortResult(config.subscriberPorts().get(i), stats.connectedByPort.get(i),
                    stats.readyByPort.get(i), stats.latencyOfPort(i)));
        }
        return ports;
    }

    /**
     * Subscriber event loops: {@code --threads}, or by default one per core, as for the other loads.
     * Measured on the 2-core machine (docs/BENCHMARKS.md, "How many subscriber loops, measured on a quiet
     * machine"): with one loop the generator, not the server, capped the C broadcast server at 8.4-9.2M
     * deliveries/s; with two it delivered 13.9-15.2M, and the latency of a known server (Redis) agreed
     * with an independent C probe either way.
     */
    static int subscriberThreads(LoadSettings settings) {
        return settings.effectiveThreads();
    }

    private static int stopOnLoop(FanoutPublisherHandler publisher) throws InterruptedException {
        try {
            return publisher.eventLoop().submit(publisher::stop).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("publisher did not stop", e);
        }
    }

    private static ChannelHandler subscriberInitializer(FanoutSubscriberHandler handler, String host,
            FanoutLoadConfig.WebSocketTarget ws) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (ws != null) {
                    // The upgrade first; then server frames reach the subscriber as a raw stream, and its
                    // subscribe line goes out as a masked text frame.
                    ch.pipeline().addLast("ws-upgrade", new WebSocketSubscriberUpgrade(host, ws.port(), ws.path()));
                }
                // No framer: the subscriber finds payloads in the raw stream, right behind the socket.
                ch.pipeline().addLast("subscriber", handler);
            }
        };
    }

    private static ChannelHandler publisherInitializer(FanoutPublisherHandler handler) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                // Publishes on schedule; drops whatever comes back without framing it.
                ch.pipeline().addLast("publisher", handler);
            }
        };
    }
}
