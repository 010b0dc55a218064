package io.chorus.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;

/**
 * One fan-out publisher: sends its setup line, then publishes payloads on the schedule {@link Pacer}
 * ticks it with, wrapped in the configured publish format.
 *
 * <p>It holds its rate: each tick writes every message that is due, all in one buffer, with one write
 * and one flush, so a tick that comes late (or a socket that was full) is made up in one batch instead
 * of one write per message. A batch never exceeds {@value #MAX_BATCH} messages. Each message carries the
 * time of the write it goes out in.
 *
 * <p>Whatever the server sends back (a chat greeting, Redis' {@code :N} replies to PUBLISH, other
 * publishers' messages) is read and dropped so it never backs up. State is confined to the channel's
 * event loop.
 */
final class FanoutPublisherHandler extends ChannelInboundHandlerAdapter implements Pacer.Paced {

    /** The most messages one tick writes: {@value}; the rest wait for the next tick. */
    static final int MAX_BATCH = 4096;

    private final int index;
    private final int size;
    private final byte[] setupLine;
    private final byte[] prefix;
    private final byte[] suffix;
    private final FanoutStats stats;

    private ChannelHandlerContext ctx;
    private boolean running;
    private boolean failed;
    private double perNano;
    private long pacingStart;
    private long sentCount;
    private int nextSeq;

    FanoutPublisherHandler(int index, FanoutLoadConfig config, FanoutStats stats) {
        this.index = index;
        this.size = config.size();
        this.setupLine = config.publisherBytes();
        this.prefix = config.publishPrefix();
        this.suffix = config.publishSuffix();
        this.stats = stats;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (setupLine != null) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(setupLine), ctx.voidPromise());
        }
        ctx.fireChannelActive();
    }

    /** Starts the schedule at {@code startNanos}; must run on the event loop. */
    void start(long startNanos, double messagesPerSecond) {
        running = ctx.channel().isActive();
        pacingStart = startNanos;
        perNano = messagesPerSecond / 1e9;
    }

    /** Marks the next message as the first of the measured window; must run on the event loop. */
    void startWindow() {
        stats.windowStartSeq.set(index, nextSeq);
    }

    /** Stops publishing and returns how many messages were sent in the measured window; must run on the event loop. */
    int stop() {
        running = false;
        int first = stats.windowStartSeq.get(index);
        return first == Integer.MAX_VALUE ? 0 : nextSeq - first;
    }

    @Override
    public void tick(long nowNanos) {
        if (!running || !ctx.channel().isWritable()) {
            return;
        }
        long due = (long) ((nowNanos - pacingStart) * perNano);
        int batch = (int) Math.min(MAX_BATCH, due - sentCount);
        if (batch <= 0) {
            return;
        }
        int lineBytes = prefix.length + size + suffix.length;
        // Owned by the transport once written.
        ByteBuf out = ctx.alloc().ioBuffer(batch * lineBytes);
        long sentAt = System.nanoTime();
        for (int i = 0; i < batch; i++) {
            out.writeBytes(prefix);
            Payload.write(out, sentAt, index, nextSeq++, size);
            out.writeBytes(suffix);
        }
        sentCount += batch;
        stats.published.add(batch);
        if (batch > 1) {
            stats.batchedTicks.increment();
            stats.largestBatch.accumulateAndGet(batch, Math::max);
        }
        ctx.writeAndFlush(out, ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!stats.closing && !failed) {
            stats.disconnects.increment();
            stats.error("server closed publisher " + index);
        }
        running = false;
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!stats.closing && !failed) {
            failed = true;
            stats.exceptions.increment();
            stats.error("publisher " + index + ": " + LoadClient.describe(cause));
        }
        ctx.close();
    }
}
