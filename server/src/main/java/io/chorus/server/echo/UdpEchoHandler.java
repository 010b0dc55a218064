package io.chorus.server.echo;

import io.chorus.server.support.ChannelErrors;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Sends every datagram back to its sender unchanged.
 *
 * <p>The received payload buffer is handed to the reply as is, so the transport releases it after
 * sending; nothing is copied. Replies are flushed once per read batch.
 */
@Sharable
public final class UdpEchoHandler extends ChannelInboundHandlerAdapter {

    public static final UdpEchoHandler INSTANCE = new UdpEchoHandler();

    private static final Logger log = LogManager.getLogger(UdpEchoHandler.class);

    private UdpEchoHandler() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket packet) {
            ctx.write(new DatagramPacket(packet.content(), packet.sender()), ctx.voidPromise());
        } else {
            ReferenceCountUtil.release(msg);
        }
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
