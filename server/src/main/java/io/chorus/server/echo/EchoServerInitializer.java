package io.chorus.server.echo;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.chorus.server.ServerConfig;
import io.chorus.server.support.ConnectionTracker;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/**
 * Builds the pipeline of one TCP echo connection.
 */
public final class EchoServerInitializer extends ChannelInitializer<Channel> {

    private final ConnectionTracker tracker;
    private final EchoServerHandler handler;
    private final int maxLineBytes;

    public EchoServerInitializer(ServerConfig config, ConnectionTracker tracker) {
        this.tracker = tracker;
        this.handler = new EchoServerHandler(config.echoPrefix());
        this.maxLineBytes = config.maxLineBytes();
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        // Registers the connection for shutdown and logs open/close.
        p.addLast("tracker", tracker);
        // Splits bytes into LF/CRLF lines, bounded by maxLineBytes; overlong lines become LineTooLong.
        p.addLast("framer", new LineFrameDecoder(maxLineBytes));
        // Writes each line back; flushes per read batch; pauses reading for a peer that does not read.
        p.addLast("echo", handler);
    }
}
