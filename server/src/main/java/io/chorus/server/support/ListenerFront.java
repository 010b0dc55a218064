package io.chorus.server.support;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;

/**
 * The first pipeline steps every TCP listener shares: connection limits, live-connection tracking and
 * counting, byte counts, and on TLS ports the TLS handshake (or a readable refusal of plain text).
 *
 * @param limiter the server's connection limits, shared by all listeners
 * @param tracker this listener's tracker
 * @param tls     the TLS context on a TLS port, or null on a plain one
 * @param tlsHint what a plain-text client on the TLS port is told to do instead
 */
public record ListenerFront(ConnectionLimiter limiter, ConnectionTracker tracker, SslContext tls, String tlsHint) {

    /** A plain-text listener's front. */
    public static ListenerFront plain(ConnectionLimiter limiter, ConnectionTracker tracker) {
        return new ListenerFront(limiter, tracker, null, null);
    }

    public boolean isTls() {
        return tls != null;
    }

    /** Adds the shared steps at the head of a new connection's pipeline. */
    public void addTo(ChannelPipeline p) {
        // Counts the connections the limiter below refuses, for this listener's metrics.
        p.addLast("refusals", tracker.refusals());
        // Refuses connections over --max-connections / --max-connections-per-ip with one error line.
        p.addLast("limit", limiter);
        // Registers the connection for shutdown, counts it as open and logs open/close.
        p.addLast("tracker", tracker);
        // Counts the bytes read and written on this listener, as they cross the socket.
        p.addLast("bytes", tracker.metrics().traffic());
        if (tls != null) {
            // TLS: becomes the SslHandler, or answers a plain-text client with a readable error.
            p.addLast("tls", new TlsRequired(tls, tlsHint));
        }
    }
}
