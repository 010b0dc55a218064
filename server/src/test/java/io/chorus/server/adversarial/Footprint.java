package io.chorus.server.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * What the server costs this JVM right now: open file descriptors and the bytes held by Netty's
 * allocators, so an adversarial scenario can assert that both stay bounded and come back down.
 *
 * <p>Two allocators are counted: {@link PooledByteBufAllocator#DEFAULT}, which the chat rooms encode
 * their broadcasts with, and {@link ByteBufAllocator#DEFAULT} (the adaptive allocator in Netty 4.2),
 * which every channel reads into and replies from. Their figures are the memory they reserved in
 * chunks, so they only move in chunk-sized steps.
 */
record Footprint(long fds, long allocatorBytes) {

    /** Descriptors tolerated above the baseline once everything is closed: epoll, pipes, jar files. */
    static final long FD_TOLERANCE = 16;

    static Footprint now() {
        return new Footprint(openFds(), nettyBytes());
    }

    /** The entries of {@code /proc/self/fd}: this JVM's open descriptors (the listing's own included). */
    static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Direct plus heap bytes reserved by the pooled and the default allocator. */
    static long nettyBytes() {
        long bytes = used(PooledByteBufAllocator.DEFAULT.metric());
        if (ByteBufAllocator.DEFAULT != PooledByteBufAllocator.DEFAULT
                && ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            bytes += used(provider.metric());
        }
        return bytes;
    }

    private static long used(ByteBufAllocatorMetric metric) {
        return Math.max(0, metric.usedDirectMemory()) + Math.max(0, metric.usedHeapMemory());
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    @Override
    public String toString() {
        return fds + " fds, " + mib(allocatorBytes) + " in Netty allocators";
    }

    /**
     * Waits until the server holds no connection and no chat session, and this JVM is back to
     * {@code baseline} descriptors, give or take {@link #FD_TOLERANCE}; returns the count reached.
     */
    static long awaitQuiet(ChorusServer server, Footprint baseline, Duration atMost) {
        await("live connections back to 0").atMost(atMost).until(() -> server.liveConnections() == 0);
        server.chat().ifPresent(chat ->
                await("chat sessions back to 0").atMost(atMost).until(() -> chat.sessions() == 0));
        AtomicLong last = new AtomicLong();
        await("descriptors back to the baseline of " + baseline.fds()).atMost(atMost)
                .until(() -> {
                    last.set(openFds());
                    return last.get() <= baseline.fds() + FD_TOLERANCE;
                });
        assertThat(server.liveConnections()).isZero();
        return last.get();
    }

    /** Samples {@link #nettyBytes()} on a daemon thread until closed, keeping the highest value seen. */
    static final class PeakSampler implements AutoCloseable {
        private final AtomicLong peak = new AtomicLong(nettyBytes());
        private volatile boolean running = true;
        private final Thread thread;

        PeakSampler() {
            thread = new Thread(() -> {
                while (running) {
                    peak.accumulateAndGet(nettyBytes(), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "footprint-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        long peak() {
            return Math.max(peak.get(), nettyBytes());
        }

        @Override
        public void close() {
            running = false;
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
