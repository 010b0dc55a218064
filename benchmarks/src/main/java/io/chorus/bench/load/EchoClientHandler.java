package io.chorus.bench.load;

import io.chorus.protocol.frame.LineTooLong;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;

/**
 * One echo connection of the load generator: keeps up to {@code pipeline} messages in flight, checks
 * that each reply is the next message it sent, byte for byte, and records the round trip.
 *
 * <p>All state is confined to the channel's event loop. Unpaced, it sends a new message for every
 * reply; paced, it sends when {@link Pacer} ticks it and its schedule says a message is due. The
 * messages of one read batch or one tick go out together, in one buffer and one write. Replies come
 * from the line framer as retained slices, which this handler releases; each round trip is one record
 * into the event loop's own histogram.
 */
final class EchoClientHandler extends ChannelInboundHandlerAdapter implements Pacer.Paced {

    private final int id;
    private final int size;
    private final int pipeline;
    private final EchoStats stats;
    /** Send times of the messages in flight, oldest at {@link #readSlot}. */
    private final long[] sentAt;
    private final Payload.Decoded decoded = new Payload.Decoded();

    private ChannelHandlerContext ctx;
    private LatencyRecorder.Shard latency;
    /** Messages not yet written: gathered over one read batch or tick; owned here until written. */
    private ByteBuf pending;
    private boolean running;
    /** Set when an exception closed the connection, so the close is not counted a second time. */
    private boolean failed;
    private double perNano;
    private long pacingStart;
    private long sentCount;
    private int nextSeq;
    private int expectedSeq;
    private int inFlight;
    private int writeSlot;
    private int readSlot;

    EchoClientHandler(int id, int size, int pipeline, EchoStats stats) {
        this.id = id;
        this.size = size;
        this.pipeline = pipeline;
        this.stats = stats;
        this.sentAt = new long[pipeline];
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.latency = stats.latency.shardFor(ctx.channel().eventLoop());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    /** Starts sending: fills the pipeline at once if unpaced. Must run on the event loop. */
    void start(long startNanos, double messagesPerSecond) {
        if (!ctx.channel().isActive()) {
            return;
        }
        running = true;
        pacingStart = startNanos;
        perNano = messagesPerSecond / 1e9;
        if (perNano == 0) {
            while (inFlight < pipeline) {
                send();
            }
            writePending();
        }
    }

    @Override
    public void tick(long nowNanos) {
        if (!running || stats.stopping || !ctx.channel().isActive()) {
            return;
        }
        long due = (long) ((nowNanos - pacingStart) * perNano);
        boolean wrote = false;
        while (sentCount < due && inFlight < pipeline && ctx.channel().isWritable()) {
            send();
            wrote = true;
        }
        if (wrote) {
            writePending();
        }
    }

    private void send() {
        if (pending == null) {
            pending = ctx.alloc().ioBuffer((size + 1) * pipeline);
        }
        long now = System.nanoTime();
        Payload.write(pending, now, id, nextSeq, size);
        pending.writeByte('\n');
        sentAt[writeSlot] = now;
        writeSlot = writeSlot + 1 == pipeline ? 0 : writeSlot + 1;
        nextSeq++;
        inFlight++;
        sentCount++;
        stats.sent.increment();
        stats.outstanding.increment();
    }

    /** Writes and flushes the gathered messages; the transport owns them from here. */
    private void writePending() {
        if (pending != null) {
            ByteBuf out = pending;
            pending = null;
            ctx.writeAndFlush(out, ctx.voidPromise());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = System.nanoTime();
        try {
            if (inFlight == 0) {
                stats.unexpected.increment();
                stats.error("reply with nothing in flight on connection " + id);
                return;
            }
            boolean intact = msg instanceof ByteBuf line
                    && line.readableBytes() == size
                    && Payload.read(line, line.readerIndex(), line.writerIndex(), size, decoded)
                    && decoded.source == id
                    && decoded.sequence == expectedSeq
                    && decoded.sentNanos == sentAt[readSlot];
            if (intact) {
                boolean inWindow = stats.measuring;
                latency.record(now - decoded.sentNanos, inWindow);
                if (inWindow) {
                    stats.measuredReplies.increment();
                }
            } else {
                stats.mismatches.increment();
                stats.error(msg instanceof LineTooLong ? "reply longer than expected" : "reply differs from message "
                        + expectedSeq + " on connection " + id);
            }
            readSlot = readSlot + 1 == pipeline ? 0 : readSlot + 1;
            expectedSeq++;
            inFlight--;
            stats.replies.increment();
            stats.outstanding.decrement();
            if (running && perNano == 0 && !stats.stopping) {
                send();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        writePending();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!stats.closing) {
            if (!failed) {
                stats.disconnects.increment();
                stats.error("server closed connection " + id);
            }
            stats.lost.add(inFlight);
            stats.outstanding.add(-inFlight);
            inFlight = 0;
        }
        running = false;
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!stats.closing && !failed) {
            failed = true;
            stats.exceptions.increment();
            stats.error(LoadClient.describe(cause));
        }
        ctx.close();
    }
}
