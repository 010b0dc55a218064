package io.chorus.bench.load;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import java.io.PrintWriter;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Runs {@code load echo}: opens the connections, keeps messages in flight for warmup plus duration,
 * waits for the last replies, and returns what it measured.
 */
public final class EchoLoad {

    private EchoLoad() {
    }

    /** Runs one bounded echo load; progress lines go to {@code err}. */
    public static EchoResult run(EchoLoadConfig config, PrintWriter err) throws InterruptedException {
        LoadSettings settings = config.settings();
        Progress progress = new Progress(err, "echo");
        EchoStats stats = new EchoStats();
        Queue<EchoClientHandler> handlers = new ConcurrentLinkedQueue<>();
        // A reply longer than this is a mismatch anyway; the bound only keeps a broken server from growing our buffers.
        int maxLine = Math.max(1024, config.size() * 2);
        try (LoadClient client = new LoadClient(settings)) {
            progress.note("connecting " + config.connections() + " to " + settings.target() + " (" + client.transportName() + ")");
            LoadClient.ConnectSummary connects = client.connectAll(config.connections(), 0,
                    client.connectDeadline(config.connections()),
                    index -> initializer(maxLine, new EchoClientHandler(index, config.size(), config.pipeline(), stats)),
                    (index, channel, nanos) -> handlers.add(channel.pipeline().get(EchoClientHandler.class)),
                    () -> progress.note("connected " + handlers.size()));
            if (connects.succeeded() == 0) {
                progress.note("no connection succeeded: " + connects.firstFailure());
                return EchoResult.of(config, client.transportName(), connects, stats, 0, null, ProcessCpu.Use.UNKNOWN);
            }
            if (connects.firstFailure() != null) {
                stats.error("connect: " + connects.firstFailure());
            }
            double perConnection = config.rate() / (double) connects.succeeded();
            long start = System.nanoTime();
            for (EchoClientHandler handler : handlers) {
                handler.eventLoop().execute(() -> handler.start(start, perConnection));
            }
            Pacer pacer = config.rate() > 0 ? Pacer.start(handlers) : null;
            long[] lastReplies = {0};
            long[] lastTick = {start};
            ProcessCpu.Use[] cpuAtStart = {ProcessCpu.Use.UNKNOWN};
            Timeline.Window window = Timeline.run(settings, new Timeline.Listener() {
                @Override
                public void measuringStarted() {
                    cpuAtStart[0] = ProcessCpu.Use.start(settings.serverPids());
                    stats.measuring = true;
                }

                @Override
                public void tick(double elapsedSeconds, boolean measuring) {
                    long now = System.nanoTime();
                    long replies = stats.replies.sum();
                    double rate = (replies - lastReplies[0]) * 1e9 / Math.max(1, now - lastTick[0]);
                    lastReplies[0] = replies;
                    lastTick[0] = now;
                    progress.print(elapsedSeconds, measuring, Progress.rate(rate, "msg/s"),
                            stats.latency.nextInterval(), stats.errorsSoFar() + connects.errors());
                }
            });
            stats.measuring = false;
            ProcessCpu.Use cpu = cpuAtStart[0].since(settings.serverPids());
            stats.stopping = true;
            if (pacer != null) {
                pacer.stop();
            }
            boolean drained = Timeline.awaitCondition(() -> stats.outstanding.sum() <= 0, settings.timeout().toNanos());
            if (!drained) {
                long missing = stats.outstanding.sum();
                stats.lost.add(missing);
                stats.error(missing + " replies still missing " + settings.timeout().toSeconds() + " s after the run");
            }
            stats.closing = true;
            return EchoResult.of(config, client.transportName(), connects, stats, window.seconds(), stats.latency.total(), cpu);
        }
    }

    private static ChannelHandler initializer(int maxLine, EchoClientHandler handler) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                // Splits the echoed stream back into lines; the handler owns each line slice.
                ch.pipeline().addLast("framer", new LineFrameDecoder(maxLine));
                // Sends, verifies and times messages.
                ch.pipeline().addLast("echo", handler);
            }
        };
    }
}
