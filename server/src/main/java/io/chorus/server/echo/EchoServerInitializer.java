package io.chorus.server.echo;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.chorus.server.ServerConfig;
import io.chorus.server.support.ConnectionLimiter;
import io.chorus.server.support.ConnectionTracker;
import io.chorus.server.support.TlsRequired;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;

/**
 * Builds the pipeline of one TCP echo connection, plain or TLS.
 */
public final class EchoServerInitializer extends ChannelInitializer<Channel> {

    private final ConnectionLimiter limiter;
    private final ConnectionTracker tracker;
    private final EchoServerHandler handler;
    private final int maxLineBytes;
    private final SslContext tls;
    private final String tlsHint;

    /** {@code tls} is null for the plain-text listener. */
    public EchoServerInitializer(ServerConfig config, ConnectionLimiter limiter, ConnectionTracker tracker,
            SslContext tls, String tlsHint) {
        this.limiter = limiter;
        this.tracker = tracker;
        this.handler = new EchoServerHandler(config.echoPrefix());
        this.maxLineBytes = config.maxLineBytes();
        this.tls = tls;
        this.tlsHint = tlsHint;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        // Refuses connections over --max-connections / --max-connections-per-ip with one error line.
        p.addLast("limit", limiter);
        // Registers the connection for shutdown and logs open/close.
        p.addLast("tracker", tracker);
        if (tls != null) {
            // TLS: becomes the SslHandler, or answers a plain-text client with a readable error.
            p.addLast("tls", new TlsRequired(tls, tlsHint));
        }
        // Splits bytes into LF/CRLF lines, bounded by maxLineBytes; overlong lines become LineTooLong.
        p.addLast("framer", new LineFrameDecoder(maxLineBytes));
        // Writes each line back; flushes per read batch; pauses reading for a peer that does not read.
        p.addLast("echo", handler);
    }
}
