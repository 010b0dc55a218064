package io.chorus.bench.load;

import io.chorus.server.support.TransportKind.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * Opens and owns the load generator's client connections: one event loop group, one bootstrap, the
 * spreading of connections over local source addresses, and a bounded number of connects in flight.
 */
final class LoadClient implements AutoCloseable {

    private final LoadSettings settings;
    private final Transport transport;
    private final EventLoopGroup group;
    /** Event loops of their own for connections that must not wait behind the others (publishers); or null. */
    private final EventLoopGroup sideGroup;
    private final Bootstrap bootstrap;
    private final InetSocketAddress remote;
    private final List<InetSocketAddress> sources = new ArrayList<>();
    private final ChannelGroup channels = new DefaultChannelGroup("load", GlobalEventExecutor.INSTANCE);

    LoadClient(LoadSettings settings) {
        this(settings, settings.effectiveThreads(), 0);
    }

    /**
     * A client with {@code threads} event loops, plus {@code sideThreads} more (0 = none) for the
     * connections opened with {@code side} set.
     */
    LoadClient(LoadSettings settings, int threads, int sideThreads) {
        this.settings = settings;
        this.transport = settings.transport().resolve();
        this.group = new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory("load-io", true), transport.ioHandlerFactory());
        this.sideGroup = sideThreads == 0 ? null : new MultiThreadIoEventLoopGroup(sideThreads,
                new DefaultThreadFactory("load-side", true), transport.ioHandlerFactory());
        this.remote = new InetSocketAddress(settings.host(), settings.port());
        for (String source : settings.sourceAddresses()) {
            sources.add(new InetSocketAddress(source, 0));
        }
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()));
        if (!sources.isEmpty() && transport.name().equals("epoll")) {
            // Pick the local port at connect time, so each source address offers a port per destination.
            bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
    }

    String transportName() {
        return transport.name();
    }

    /** Starts one connect; connection {@code index} binds the source address {@code index mod n}. */
    ChannelFuture connect(int index, ChannelHandler initializer) {
        return connect(index, initializer, false);
    }

    /** Starts one connect, on the side event loops if {@code side} is set and there are any. */
    ChannelFuture connect(int index, ChannelHandler initializer, boolean side) {
        return connect(index, initializer, side, remote);
    }

    /** As above, to {@code to} instead of the target (fan-out's WebSocket subscribers). */
    ChannelFuture connect(int index, ChannelHandler initializer, boolean side, InetSocketAddress to) {
        Bootstrap b = (side && sideGroup != null ? bootstrap.clone(sideGroup) : bootstrap.clone()).handler(initializer);
        ChannelFuture future = sources.isEmpty() ? b.connect(to) : b.connect(to, sources.get(index % sources.size()));
        future.addListener(f -> {
            if (f.isSuccess()) {
                channels.add(future.channel());
            }
        });
        return future;
    }

    /**
     * Opens {@code count} connections, at most {@link LoadSettings#connectConcurrency()} at a time and, if
     * {@code perSecond > 0}, no faster than that. Attempts stop at {@code deadlineNanos}; connects still
     * pending then get the connect timeout to finish. {@code everySecond} runs on this thread about once
     * a second, for progress lines.
     */
    ConnectSummary connectAll(int count, double perSecond, long deadlineNanos, IntFunction<ChannelHandler> initializerFor,
            ConnectListener listener, Runnable everySecond) throws InterruptedException {
        return connectAll(count, perSecond, deadlineNanos, initializerFor, listener, everySecond, false);
    }

    /** As above; {@code side} puts the connections on the side event loops. */
    ConnectSummary connectAll(int count, double perSecond, long deadlineNanos, IntFunction<ChannelHandler> initializerFor,
            ConnectListener listener, Runnable everySecond, boolean side) throws InterruptedException {
        return connectAll(count, perSecond, deadlineNanos, initializerFor, listener, everySecond, side, remote);
    }

    /** As above, to {@code to} instead of the target. */
    ConnectSummary connectAll(int count, double perSecond, long deadlineNanos, IntFunction<ChannelHandler> initializerFor,
            ConnectListener listener, Runnable everySecond, boolean side, InetSocketAddress to) throws InterruptedException {
        return connectAll(count, perSecond, deadlineNanos, initializerFor, listener, everySecond, side, index -> to);
    }

    /** As above, connection {@code index} to {@code addressOf.apply(index)} (fan-out over several nodes). */
    ConnectSummary connectAll(int count, double perSecond, long deadlineNanos, IntFunction<ChannelHandler> initializerFor,
            ConnectListener listener, Runnable everySecond, boolean side, IntFunction<InetSocketAddress> addressOf)
            throws InterruptedException {
        int concurrency = settings.connectConcurrency();
        Semaphore pending = new Semaphore(concurrency);
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        long start = System.nanoTime();
        long nextSecond = start + TimeUnit.SECONDS.toNanos(1);
        int attempted = 0;
        for (int i = 0; i < count; i++) {
            if (perSecond > 0) {
                long due = start + (long) (i * 1e9 / perSecond);
                nextSecond = sleepUntil(due, nextSecond, everySecond);
            }
            boolean acquired = false;
            while (!acquired && System.nanoTime() < deadlineNanos) {
                acquired = pending.tryAcquire(10, TimeUnit.MILLISECONDS);
                nextSecond = maybeTick(nextSecond, everySecond);
            }
            if (!acquired) {
                break;
            }
            attempted++;
            int index = i;
            long began = System.nanoTime();
            connect(index, initializerFor.apply(index), side, addressOf.apply(index)).addListener((ChannelFuture f) -> {
                try {
                    if (f.isSuccess()) {
                        succeeded.incrementAndGet();
                        listener.connected(index, f.channel(), System.nanoTime() - began);
                    } else {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, describe(f.cause()));
                    }
                } finally {
                    pending.release();
                }
            });
        }
        // Let the last connects finish; each one ends by itself within the connect timeout.
        long waitUntil = System.nanoTime() + settings.timeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
        while (!pending.tryAcquire(concurrency, 10, TimeUnit.MILLISECONDS)) {
            nextSecond = maybeTick(nextSecond, everySecond);
            if (System.nanoTime() > waitUntil) {
                break;
            }
        }
        int stillPending = attempted - succeeded.get() - failed.get();
        return new ConnectSummary(count, attempted, succeeded.get(), failed.get() + stillPending, firstFailure.get());
    }

    /**
     * A bound for the connect phase of {@code count} connections: twice the connect timeout plus 10 ms per
     * connection, so a server that accepts slowly (ncat greets every newcomer to everyone) still gets a
     * fair chance while the run stays bounded.
     */
    long connectDeadline(int count) {
        return System.nanoTime() + 2 * settings.timeout().toNanos() + TimeUnit.MILLISECONDS.toNanos(10L * count);
    }

    private static long sleepUntil(long due, long nextSecond, Runnable everySecond) throws InterruptedException {
        while (true) {
            long now = System.nanoTime();
            if (now >= due) {
                return nextSecond;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(due - now, Math.max(0, nextSecond - now)) + 1);
            nextSecond = maybeTick(nextSecond, everySecond);
        }
    }

    private static long maybeTick(long nextSecond, Runnable everySecond) {
        long now = System.nanoTime();
        if (now < nextSecond) {
            return nextSecond;
        }
        everySecond.run();
        long second = TimeUnit.SECONDS.toNanos(1);
        return nextSecond + ((now - nextSecond) / second + 1) * second;
    }

    static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown";
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Connections currently open. */
    int openConnections() {
        return channels.size();
    }

    /** Closes every connection; returns how long that took, in nanoseconds. */
    long closeAll() {
        long began = System.nanoTime();
        channels.close().awaitUninterruptibly(settings.timeout().toMillis());
        return System.nanoTime() - began;
    }

    @Override
    public void close() {
        closeAll();
        group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (sideGroup != null) {
            sideGroup.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Told about each successful connect, on the connection's event loop. */
    @FunctionalInterface
    interface ConnectListener {
        void connected(int index, Channel channel, long connectNanos);
    }

    /**
     * How a batch of connects went.
     *
     * @param requested    connections asked for
     * @param attempted    connects started before the deadline
     * @param succeeded    connections established
     * @param failed       connects that failed or did not finish in time
     * @param firstFailure the first failure's cause, or null
     */
    record ConnectSummary(int requested, int attempted, int succeeded, int failed, String firstFailure) {
        /** Connects that failed, timed out or were never started. */
        int errors() {
            return requested - succeeded;
        }
    }
}
