package io.chorus.client.chat;

import io.chorus.protocol.frame.LineEncoder;
import io.chorus.protocol.frame.LineFrameDecoder;
import io.chorus.protocol.frame.Utf8LineDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;

/**
 * Builds the pipeline of one chat client connection: optional TLS, the protocol module's line framing,
 * then the {@link ChatClientHandler}.
 */
public final class ChatClientInitializer extends ChannelInitializer<Channel> {

    private final SslContext sslContext;
    private final String host;
    private final int port;
    private final int maxLineBytes;
    private final ChatClientHandler handler;

    /**
     * @param sslContext the client TLS context, or {@code null} for plain TCP
     * @param handler the connection's own handler (it holds per-connection state)
     */
    public ChatClientInitializer(SslContext sslContext, String host, int port, int maxLineBytes,
                                 ChatClientHandler handler) {
        this.sslContext = sslContext;
        this.host = host;
        this.port = port;
        this.maxLineBytes = maxLineBytes;
        this.handler = handler;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        if (sslContext != null) {
            // TLS, with the dialled host for SNI and the certificate's host name check.
            p.addLast("tls", sslContext.newHandler(ch.alloc(), host, port));
        }
        // Splits the server's bytes into lines, bounded by maxLineBytes.
        p.addLast("framer", new LineFrameDecoder(maxLineBytes));
        // Lines to Strings, invalid UTF-8 as U+FFFD.
        p.addLast("utf8", Utf8LineDecoder.INSTANCE);
        // Outgoing command Strings to LF-terminated UTF-8.
        p.addLast("encoder", LineEncoder.INSTANCE);
        // JSON lines to events, requests to their answers.
        p.addLast("chat", handler);
    }
}
