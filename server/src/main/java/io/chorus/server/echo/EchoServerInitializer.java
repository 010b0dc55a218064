package io.chorus.server.echo;

import io.chorus.protocol.frame.LineBatchDecoder;
import io.chorus.server.ServerConfig;
import io.chorus.server.support.ListenerFront;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/**
 * Builds the pipeline of one TCP echo connection, plain or TLS, for the configured {@link EchoMode}.
 */
public final class EchoServerInitializer extends ChannelInitializer<Channel> {

    private final ListenerFront front;
    private final EchoMode mode;
    private final EchoPrefix prefix;
    private final RawEchoServerHandler raw;
    private final int maxLineBytes;

    public EchoServerInitializer(ServerConfig config, ListenerFront front) {
        this.front = front;
        this.mode = config.echoMode();
        this.prefix = new EchoPrefix(config.echoPrefix());
        this.raw = new RawEchoServerHandler(config.echoPrefix());
        this.maxLineBytes = config.maxLineBytes();
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        // Connection limits, tracking, and TLS on a TLS port.
        front.addTo(p);
        switch (mode) {
            case RAW -> {
                // Writes each received chunk back after the prefix; pauses reading for a peer that does not read.
                p.addLast("echo", raw);
            }
            case LINE -> {
                // Splits bytes into LF/CRLF lines, bounded by maxLineBytes, handed over one LineBatch per read;
                // overlong lines become LineTooLong.
                p.addLast("framer", new LineBatchDecoder(maxLineBytes));
                // Writes each line back, one write per read batch; pauses reading for a peer that does not read.
                p.addLast("echo", new LineEchoServerHandler(prefix));
            }
        }
    }
}
