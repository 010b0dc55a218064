package io.chorus.server.chat;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.chorus.protocol.frame.Utf8LineDecoder;
import io.chorus.server.support.ConnectionLimiter;
import io.chorus.server.support.ConnectionTracker;
import io.chorus.server.support.TlsRequired;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of one chat connection, plain or TLS.
 */
public final class ChatServerInitializer extends ChannelInitializer<Channel> {

    /** Flushes coalesced into one while a burst of broadcasts is written: {@value}. */
    private static final int FLUSHES_PER_SYSCALL = 64;

    private final ChatService service;
    private final ConnectionLimiter limiter;
    private final ConnectionTracker tracker;
    private final SslContext tls;
    private final String tlsHint;

    /** {@code tls} is null for the plain-text listener. */
    public ChatServerInitializer(ChatService service, ConnectionLimiter limiter, ConnectionTracker tracker,
            SslContext tls, String tlsHint) {
        this.service = service;
        this.limiter = limiter;
        this.tracker = tracker;
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
        long idleMillis = service.config().idleTimeout().toMillis();
        if (idleMillis > 0) {
            // Fires READER_IDLE after --idle-timeout without a line; the chat handler then says so and closes.
            p.addLast("idle", new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
        // Coalesces the many flushes of fan-out deliveries into fewer write syscalls.
        p.addLast("flush", new FlushConsolidationHandler(FLUSHES_PER_SYSCALL, true));
        // Splits bytes into LF/CRLF lines bounded by --max-line; overlong lines become LineTooLong.
        p.addLast("framer", new LineFrameDecoder(service.config().maxLineBytes()));
        // Lines to Strings; invalid UTF-8 becomes U+FFFD.
        p.addLast("utf8", Utf8LineDecoder.INSTANCE);
        // Commands in, events out (already encoded, so no encoder is needed below).
        p.addLast("chat", new ChatServerHandler(service, tls != null));
    }
}
