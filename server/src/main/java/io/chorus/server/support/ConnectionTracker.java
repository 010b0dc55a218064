package io.chorus.server.support;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Registers every accepted connection in the server's group of live channels, so shutdown can reach
 * it, and logs its open and close at DEBUG. One instance per server and listener, shared by channels.
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
        liveChannels.add(ctx.channel());
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} open from {}", ctx.channel().id(), listener, ctx.channel().remoteAddress());
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (log.isDebugEnabled()) {
            log.debug("[{}] {} closed from {}", ctx.channel().id(), listener, ctx.channel().remoteAddress());
        }
        ctx.fireChannelInactive();
    }
}
