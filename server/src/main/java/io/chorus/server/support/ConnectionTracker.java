package io.chorus.server.support;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import java.net.SocketAddress;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Registers every accepted connection in the server's group of live channels, so shutdown can reach
 * it, and logs its open and close at DEBUG. One instance per server and listener, shared by channels.
 * It removes itself once the connection is open: the group drops closed channels by itself.
 */
@Sharable
public final class ConnectionTracker extends ChannelInboundHandlerAdapter {

    private static final Logger log = LogManager.getLogger(ConnectionTracker.class);

    private final String listener;
    private final ChannelGroup liveChannels;

    public ConnectionTracker(String listener, ChannelGroup liveChannels) {
        this.listener = listener;
        this.liveChannels = liveChannels;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        liveChannels.add(channel);
        if (log.isDebugEnabled()) {
            SocketAddress remote = channel.remoteAddress();
            log.debug("[{}] {} open from {}", channel.id(), listener, remote);
            channel.closeFuture().addListener(f -> log.debug("[{}] {} closed from {}", channel.id(), listener, remote));
        }
        // Nothing more to do per message: leave the pipeline, so reads and writes skip this step.
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }
}
