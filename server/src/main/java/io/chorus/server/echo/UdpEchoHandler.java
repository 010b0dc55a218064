package io.chorus.server.echo;

import io.chorus.server.RateLimit;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Sends every datagram back to its sender, after the optional prefix, unless it must not be answered:
 * it comes from a privileged source port, or its source address is over the rate limit.
 *
 * <p>Ports below {@value #MIN_SOURCE_PORT} are where other echo, chargen and similar services
 * live; answering them lets a forged datagram start an endless loop between two
 * servers. The per-source rate limit (see {@link UdpSourceLimiter}) keeps the port from being a
 * reflector for forged source addresses.
 *
 * <p>Ownership: the received payload is written back without a copy, so the transport releases it
 * after sending; with a prefix it goes out as the second part of a composite whose first part is a
 * view of the shared prefix. A datagram that is not answered is released here. Replies are flushed
 * once per read batch.
 *
 * <p>Not {@code @Sharable}: the rate limiter is state of the one UDP channel, confined to its event loop.
 */
public final class UdpEchoHandler extends ChannelInboundHandlerAdapter {

    /** Datagrams from source ports below this are dropped: {@value}. */
    public static final int MIN_SOURCE_PORT = 1024;
    /** Receive buffer per datagram, so the largest UDP payload (65,507 bytes over IPv4) arrives whole: {@value}. */
    public static final int MAX_DATAGRAM_BYTES = 65_536;

    private static final Logger log = LogManager.getLogger(UdpEchoHandler.class);

    private final EchoPrefix prefix;
    private final UdpSourceLimiter limiter;

    public UdpEchoHandler(String prefix, RateLimit perSource) {
        this(prefix, perSource, UdpSourceLimiter.DEFAULT_MAX_SOURCES);
    }

    UdpEchoHandler(String prefix, RateLimit perSource, int maxSources) {
        this.prefix = new EchoPrefix(prefix);
        this.limiter = new UdpSourceLimiter(perSource, maxSources);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        InetSocketAddress sender = packet.sender();
        if (sender.getPort() < MIN_SOURCE_PORT) {
            if (log.isDebugEnabled()) {
                log.debug("[{}] udp: dropped a datagram from privileged port {}", ctx.channel().id(), sender);
            }
            packet.release();
            return;
        }
        if (!limiter.tryAcquire(sender.getAddress(), ctx.executor().ticker().nanoTime())) {
            packet.release();
            return;
        }
        ByteBuf content = packet.content();
        ByteBuf reply = prefix.isEmpty() ? content
                : ctx.alloc().compositeDirectBuffer(2).addComponents(true, prefix.share(), content);
        // Ownership of the payload passes to the reply, and with it to the transport.
        ctx.write(new DatagramPacket(reply, sender), ctx.voidPromise());
    }

    /** Sources the rate limiter tracks; call on the channel's event loop. */
    int trackedSources() {
        return limiter.trackedSources();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A datagram socket outlives any one peer: an ICMP error or a failed send must not close it.
        if (log.isDebugEnabled()) {
            log.debug("[{}] udp error: {}", ctx.channel().id(), cause.toString());
        }
    }
}
