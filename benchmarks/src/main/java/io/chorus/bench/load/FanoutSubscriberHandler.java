package io.chorus.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One fan-out subscriber: sends the subscribe line, notices when it is ready, then finds the payload
 * marker in every line it receives, whatever the server wrapped around it, and records each delivery.
 *
 * <p>Lines without a marker (greetings, join notices, RESP framing) are ignored. A payload that does
 * not check out counts as corrupt; one whose sequence number is not newer than the last from the same
 * publisher counts as a duplicate. State is confined to the channel's event loop; the handler releases
 * every line it gets from the framer.
 */
final class FanoutSubscriberHandler extends ChannelInboundHandlerAdapter {

    private final int index;
    private final int size;
    private final byte[] subscribeLine;
    private final byte[] readyNeedle;
    private final FanoutStats stats;
    private final int[] lastSeq;
    private final Payload.Decoded decoded = new Payload.Decoded();
    private boolean ready;
    private long received;
    private boolean failed;

    FanoutSubscriberHandler(int index, FanoutLoadConfig config, FanoutStats stats) {
        this.index = index;
        this.size = config.size();
        this.subscribeLine = config.subscribeBytes();
        this.readyNeedle = config.readyNeedle();
        this.stats = stats;
        this.lastSeq = new int[config.publishers()];
        java.util.Arrays.fill(lastSeq, -1);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (subscribeLine != null) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(subscribeLine), ctx.voidPromise());
        }
        if (readyNeedle == null) {
            markReady();
        }
        ctx.fireChannelActive();
    }

    private void markReady() {
        if (!ready) {
            ready = true;
            stats.ready.incrementAndGet();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = System.nanoTime();
        try {
            if (!(msg instanceof ByteBuf line)) {
                stats.otherLines.increment();
                return;
            }
            int start = line.readerIndex();
            int end = line.writerIndex();
            if (!ready && contains(line, start, end, readyNeedle)) {
                markReady();
            }
            int at = Payload.find(line, start, end);
            if (at < 0) {
                stats.otherLines.increment();
            } else {
                delivered(line, at, end, now);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void delivered(ByteBuf line, int at, int end, long now) {
        if (!Payload.read(line, at, end, size, decoded) || decoded.source < 0 || decoded.source >= lastSeq.length) {
            stats.corrupt.increment();
            stats.error("corrupt payload on subscriber " + index);
            return;
        }
        int source = decoded.source;
        int seq = decoded.sequence;
        if (seq <= lastSeq[source]) {
            stats.duplicates.increment();
            stats.error("subscriber " + index + " got message " + seq + " of publisher " + source + " after " + lastSeq[source]);
            return;
        }
        lastSeq[source] = seq;
        // A release store: the run's thread reads it only at the end, so no fence per delivery is needed.
        stats.perSubscriber.lazySet(index, ++received);
        stats.deliveries.increment();
        if (stats.measuring) {
            stats.deliveriesInWindow.increment();
        }
        boolean publishedInWindow = seq >= stats.windowStartSeq.get(source);
        if (publishedInWindow) {
            stats.measuredDeliveries.increment();
        }
        stats.latency.record(now - decoded.sentNanos, publishedInWindow);
    }

    private static boolean contains(ByteBuf line, int start, int end, byte[] needle) {
        if (needle == null || needle.length == 0) {
            return false;
        }
        outer:
        for (int i = line.indexOf(start, end, needle[0]); i >= 0 && i + needle.length <= end;
                i = line.indexOf(i + 1, end, needle[0])) {
            for (int j = 1; j < needle.length; j++) {
                if (line.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!stats.closing && !failed) {
            stats.disconnects.increment();
            stats.error("server closed subscriber " + index);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!stats.closing && !failed) {
            failed = true;
            stats.exceptions.increment();
            stats.error("subscriber " + index + ": " + LoadClient.describe(cause));
        }
        ctx.close();
    }
}
