package io.chorus.server.support;

import io.chorus.server.metrics.ListenerMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import java.net.SocketAddress;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Registers every admitted connection in the server's group of live channels, so shutdown can reach
 * it, counts it in its listener's metrics (opened, open, refused) and logs its open and close at
 * DEBUG. One instance per server and listener, shared by channels.
 *
 * <p>It sits just above the {@link ConnectionLimiter} and lets it decide first: the limiter leaves
 * the pipeline when it admits a connection and stays in it when it refuses one. The tracker then
 * removes itself: the group drops closed channels by itself.
 */
@Sharable
public final class ConnectionTracker extends ChannelInboundHandlerAdapter {

    private static final Logger log = LogManager.getLogger(ConnectionTracker.class);

    private final String listener;
    private final ChannelGroup liveChannels;
    private final ListenerMetrics metrics;

    public ConnectionTracker(String listener, ChannelGroup liveChannels) {
        this(listener, liveChannels, ListenerMetrics.unregistered(listener));
    }

    public ConnectionTracker(String listener, ChannelGroup liveChannels, ListenerMetrics metrics) {
        this.listener = listener;
        this.liveChannels = liveChannels;
        this.metrics = metrics;
    }

    /** This listener's counts; its byte counter goes into the pipeline too (see {@link ListenerFront}). */
    public ListenerMetrics metrics() {
        return metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        ChannelPipeline pipeline = ctx.pipeline();
        // Nothing more to do per message: leave the pipeline, so reads and writes skip this step.
        pipeline.remove(this);
        ctx.fireChannelActive();
        if (pipeline.get(ConnectionLimiter.class) != null) {
            // The limiter refused it and is closing it; the rest of the pipeline never saw it.
            metrics.refused();
            return;
        }
        metrics.opened();
        channel.closeFuture().addListener(f -> metrics.closed());
        liveChannels.add(channel);
        if (log.isDebugEnabled()) {
            SocketAddress remote = channel.remoteAddress();
            log.debug("[{}] {} open from {}", channel.id(), listener, remote);
            channel.closeFuture().addListener(f -> log.debug("[{}] {} closed from {}", channel.id(), listener, remote));
        }
    }
}
