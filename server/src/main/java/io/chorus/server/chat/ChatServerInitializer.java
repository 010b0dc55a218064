package io.chorus.server.chat;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.chorus.protocol.frame.Utf8LineDecoder;
import io.chorus.server.support.ListenerFront;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of one chat connection, plain or TLS.
 */
public final class ChatServerInitializer extends ChannelInitializer<Channel> {

    private final ChatService service;
    private final ListenerFront front;

    public ChatServerInitializer(ChatService service, ListenerFront front) {
        this.service = service;
        this.front = front;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        // Connection limits, tracking, and TLS on a TLS port.
        front.addTo(p);
        long idleMillis = service.config().idleTimeout().toMillis();
        if (idleMillis > 0) {
            // Fires READER_IDLE after --idle-timeout without a line; the chat handler then says so and closes.
            p.addLast("idle", new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
        // Splits bytes into LF/CRLF lines bounded by --max-line; overlong lines become LineTooLong.
        p.addLast("framer", new LineFrameDecoder(service.config().maxLineBytes()));
        // Lines to Strings; invalid UTF-8 becomes U+FFFD.
        p.addLast("utf8", Utf8LineDecoder.INSTANCE);
        // Commands in, events out (already encoded, so no encoder is needed below).
        p.addLast("chat", new ChatServerHandler(service, front.isTls()));
    }

    /**
     * Where chat output enters {@code p}: the context of the read-idle timer or, without one, of the line
     * framer. A write or flush from there goes on towards the head, through TLS and the byte counter,
     * which must see it, and skips the timer, the line decoders and the chat handler, which do nothing to
     * output. A pipeline that is not a chat pipeline gets its tail.
     */
    static ChannelOutboundInvoker outputEntry(ChannelPipeline p) {
        ChannelHandlerContext entry = p.context("idle");
        if (entry == null) {
            entry = p.context("framer");
        }
        return entry != null ? entry : p.channel();
    }
}
