package io.chorus.server.support;

import io.chorus.protocol.event.ErrorCode;
import io.chorus.protocol.event.ErrorLine;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Caps open TCP connections, in all and per remote address (loopback included). A connection over a
 * cap gets one {@code too-many-connections} error line and is closed before any other handler sees it.
 *
 * <p>One instance per server, shared by every TCP listener and channel; counters are atomic.
 */
@Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    /** Error code a refused client sees. */
    public static final ErrorCode ERROR = ErrorCode.TOO_MANY_CONNECTIONS;
    /** {@link #ERROR} as it is on the wire, kept for callers that compare strings. */
    public static final String CODE = ERROR.wire();

    private static final Logger log = LogManager.getLogger(ConnectionLimiter.class);

    private final int maxTotal;
    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();

    /** Either limit may be 0 for none. */
    public ConnectionLimiter(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetAddress address = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        String refusal = admit(address);
        if (refusal == null) {
            // Counted until the channel closes; then this handler has no per-message work, so it leaves.
            ctx.channel().closeFuture().addListener(f -> release(address));
            ctx.pipeline().remove(this);
            ctx.fireChannelActive();
            return;
        }
        refused.incrementAndGet();
        if (log.isDebugEnabled()) {
            log.debug("[{}] refused {}: {}", ctx.channel().id(), address, refusal);
        }
        // Ours until written; the write releases it.
        ByteBuf line = ErrorLine.encode(ERROR, refusal, ctx.alloc());
        ctx.writeAndFlush(line).addListener(ChannelFutureListener.CLOSE);
        // Not passed on: the rest of the pipeline never learns of this connection.
    }

    private String admit(InetAddress address) {
        if (maxTotal > 0 && total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return "the server is full (" + maxTotal + " connections); try again later";
        } else if (maxTotal <= 0) {
            total.incrementAndGet();
        }
        AtomicInteger count = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
        if (maxPerAddress > 0 && count.incrementAndGet() > maxPerAddress) {
            count.decrementAndGet();
            total.decrementAndGet();
            return "too many connections from " + address.getHostAddress() + " (at most " + maxPerAddress + ")";
        } else if (maxPerAddress <= 0) {
            count.incrementAndGet();
        }
        return null;
    }

    private void release(InetAddress address) {
        total.decrementAndGet();
        perAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() == 0 ? null : count);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // Only refused connections are still here when they close; keep them from the handlers below.
    }

    /** Connections open now. */
    public int open() {
        return total.get();
    }

    /** Connections refused since start. */
    public long refused() {
        return refused.get();
    }
}
