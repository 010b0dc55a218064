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
 * it, counts it in its listener's metrics (opened, open) and logs its open and close at DEBUG. One
 * instance per server and listener, shared by channels. It sits just below the
 * {@link ConnectionLimiter}, so it sees only admitted connections, and counts them before the
 * handlers below say anything to the client. It removes itself once the connection is open: the
 * group drops closed channels by itself.
 *
 * <p>Refused connections never get this far; {@link #refusals()} counts them from above the limiter.
 */
@Sharable
public final class ConnectionTracker extends ChannelInboundHandlerAdapter {

    private static final Logger log = LogManager.getLogger(ConnectionTracker.class);

    private final String listener;
    private final ChannelGroup liveChannels;
    private final ListenerMetrics metrics;
    private final RefusalCounter refusals;

    public ConnectionTracker(String listener, ChannelGroup liveChannels) {
        this(listener, liveChannels, ListenerMetrics.unregistered(listener));
    }

    public ConnectionTracker(String listener, ChannelGroup liveChannels, ListenerMetrics metrics) {
        this.listener = listener;
        this.liveChannels = liveChannels;
        this.metrics = metrics;
        this.refusals = new RefusalCounter(metrics);
    }

    /** This listener's counts; its byte counter goes into the pipeline too (see {@link ListenerFront}). */
    public ListenerMetrics metrics() {
        return metrics;
    }

    /** The step that goes just above the limiter and counts the connections it refuses. */
    public ChannelInboundHandlerAdapter refusals() {
        return refusals;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        metrics.opened();
        channel.closeFuture().addListener(f -> metrics.closed());
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

    /**
     * Counts a connection as refused when the limiter below it is still in the pipeline after it saw
     * the connection: the limiter leaves the pipeline when it admits one and stays when it refuses.
     */
    @Sharable
    private static final class RefusalCounter extends ChannelInboundHandlerAdapter {

        private final ListenerMetrics metrics;

        RefusalCounter(ListenerMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ChannelPipeline pipeline = ctx.pipeline();
            pipeline.remove(this);
            ctx.fireChannelActive();
            if (pipeline.get(ConnectionLimiter.class) != null) {
                metrics.refused();
            }
        }
    }
}
