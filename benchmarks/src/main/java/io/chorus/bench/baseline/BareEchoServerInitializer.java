package io.chorus.bench.baseline;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/**
 * Builds the pipeline of one bare echo connection: the Chorus line framer and nothing but the echo.
 */
final class BareEchoServerInitializer extends ChannelInitializer<Channel> {

    private final int maxLineBytes;

    BareEchoServerInitializer(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        // Splits bytes into LF/CRLF lines, bounded by maxLineBytes (the same framer Chorus uses).
        p.addLast("framer", new LineFrameDecoder(maxLineBytes));
        // Writes each line back plus LF; flushes once per read batch.
        p.addLast("echo", BareEchoServerHandler.INSTANCE);
    }
}
