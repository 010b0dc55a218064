package io.chorus.client.line;

import io.chorus.protocol.frame.LineEncoder;
import io.chorus.protocol.frame.LineFrameDecoder;
import io.chorus.protocol.frame.Utf8LineDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/**
 * Builds the pipeline of a plain line connection: the protocol module's framing both ways.
 */
public final class LineClientInitializer extends ChannelInitializer<Channel> {

    private final int maxLineBytes;
    private final LineClientHandler handler;

    public LineClientInitializer(int maxLineBytes, LineClientHandler handler) {
        this.maxLineBytes = maxLineBytes;
        this.handler = handler;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        // Splits the server's bytes into lines, bounded by maxLineBytes.
        p.addLast("framer", new LineFrameDecoder(maxLineBytes));
        // Lines to Strings, invalid UTF-8 as U+FFFD.
        p.addLast("utf8", Utf8LineDecoder.INSTANCE);
        // Outgoing Strings to LF-terminated UTF-8.
        p.addLast("encoder", LineEncoder.INSTANCE);
        // Prints what arrives.
        p.addLast("printer", handler);
    }
}
