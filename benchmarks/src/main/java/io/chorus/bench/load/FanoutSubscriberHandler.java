package io.chorus.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One fan-out subscriber: sends the subscribe line, notices when it is ready, then finds payloads in
 * the raw byte stream, whatever the server wrapped around them, and records each delivery.
 *
 * <p>The handler sits right behind the socket, with no framer. Each read is copied once, in bulk, into
 * its event loop's scratch array (one buffer access, which also keeps Netty's paranoid leak detector,
 * which records every access, out of the per-byte path). Per delivery it then finds the payload
 * marker, parses and checks the payload in place, and records one latency sample into its event
 * loop's histogram. Nothing is allocated per message. A payload split over two reads is carried in a
 * small array owned by this handler. Bytes outside payloads (greetings, join notices, RESP
 * framing) are skipped. A payload that does not check out counts as corrupt; one whose sequence number
 * is not newer than the last from the same publisher counts as a duplicate.
 *
 * <p>State is confined to the channel's event loop. The handler releases every buffer it reads.
 */
final class FanoutSubscriberHandler extends ChannelInboundHandlerAdapter {

    private static final byte MARKER_FIRST = 'C';

    private final int index;
    /** Which subscriber endpoint this subscriber connects to, for the per-endpoint figures. */
    private final int port;
    private final int size;
    private final byte[] subscribeLine;
    private final ReadyMatcher readyMatcher;
    private final FanoutStats stats;
    private final int[] lastSeq;
    private final Payload.Decoded decoded = new Payload.Decoded();
    /** The start of a payload that the last read cut off: {@link #carried} bytes, 0 between payloads. */
    private final byte[] carry;
    private int carried;
    private FanoutStats.LoopStats loop;
    private boolean ready;
    private long received;
    private boolean failed;

    FanoutSubscriberHandler(int index, FanoutLoadConfig config, FanoutStats stats) {
        this.index = index;
        this.port = config.portIndexOf(index);
        this.size = config.size();
        this.subscribeLine = config.subscribeBytes();
        byte[] needle = config.readyNeedle();
        this.readyMatcher = needle == null || needle.length == 0 ? null : new ReadyMatcher(needle);
        this.stats = stats;
        this.lastSeq = new int[config.publishers()];
        java.util.Arrays.fill(lastSeq, -1);
        this.carry = new byte[size];
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        loop = stats.loop(ctx.channel().eventLoop());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (subscribeLine != null) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(subscribeLine), ctx.voidPromise());
        }
        if (readyMatcher == null) {
            markReady();
        }
        ctx.fireChannelActive();
    }

    private void markReady() {
        if (!ready) {
            ready = true;
            stats.ready.incrementAndGet();
            stats.readyByPort.incrementAndGet(port);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof ByteBuf in) {
                // One clock read per socket read: every payload in it arrived at the same time.
                long now = System.nanoTime();
                int n = in.readableBytes();
                // One bulk copy into the loop's scratch array; the scan and the parse then touch plain bytes.
                byte[] bytes = loop.scratch(n);
                in.getBytes(in.readerIndex(), bytes, 0, n);
                scan(bytes, n, now);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void scan(byte[] bytes, int end, long now) {
        if (!ready && readyMatcher.feed(bytes, end)) {
            markReady();
        }
        int from = carried > 0 ? finishCarried(bytes, end, now) : 0;
        while (true) {
            int at = indexOf(bytes, from, end, MARKER_FIRST);
            if (at < 0) {
                return;
            }
            if (end - at >= size) {
                if (Payload.startsLikeMarker(bytes, at, at + 4)) {
                    delivered(bytes, at, now);
                    from = at + size;
                } else {
                    from = at + 1;
                }
            } else if (Payload.startsLikeMarker(bytes, at, end)) {
                // The payload continues in the next read.
                System.arraycopy(bytes, at, carry, 0, end - at);
                carried = end - at;
                return;
            } else {
                from = at + 1;
            }
        }
    }

    /** Completes the carried payload from the start of {@code bytes}; returns where scanning goes on. */
    private int finishCarried(byte[] bytes, int end, long now) {
        int take = Math.min(size - carried, end);
        System.arraycopy(bytes, 0, carry, carried, take);
        carried += take;
        if (!Payload.startsLikeMarker(carry, 0, carried)) {
            // Not a payload after all. Only its first byte could start a marker, and that byte came from
            // the last read, so everything taken from this read is scanned again.
            carried = 0;
            return 0;
        }
        if (carried < size) {
            return end;
        }
        carried = 0;
        delivered(carry, 0, now);
        return take;
    }

    private static int indexOf(byte[] bytes, int from, int end, byte value) {
        for (int i = from; i < end; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private void delivered(byte[] bytes, int at, long now) {
        if (!Payload.read(bytes, at, size, decoded) || decoded.source < 0 || decoded.source >= lastSeq.length) {
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
        loop.delivered(source, seq, decoded.sentNanos, now, seq >= stats.windowStartSeq.get(source), stats.measuring,
                port);
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

    /** Finds the ready text in a byte stream that may split it across reads (Knuth–Morris–Pratt). */
    static final class ReadyMatcher {
        private final byte[] needle;
        private final int[] fallback;
        private int matched;

        ReadyMatcher(byte[] needle) {
            this.needle = needle;
            this.fallback = new int[needle.length];
            for (int i = 1, k = 0; i < needle.length; i++) {
                while (k > 0 && needle[i] != needle[k]) {
                    k = fallback[k - 1];
                }
                if (needle[i] == needle[k]) {
                    k++;
                }
                fallback[i] = k;
            }
        }

        /** Feeds {@code bytes[0, end)}; true once the needle has been seen. */
        boolean feed(byte[] bytes, int end) {
            for (int i = 0; i < end; i++) {
                byte b = bytes[i];
                while (matched > 0 && b != needle[matched]) {
                    matched = fallback[matched - 1];
                }
                if (b == needle[matched]) {
                    matched++;
                }
                if (matched == needle.length) {
                    return true;
                }
            }
            return false;
        }
    }
}
