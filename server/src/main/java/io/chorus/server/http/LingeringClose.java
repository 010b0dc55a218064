package io.chorus.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Closes a WebSocket connection the way RFC 6455 (section 7.1.1) asks: after the server's close frame,
 * it shuts down only its output, discards what the client is still sending, and closes once the client
 * has closed too, or after {@value #LINGER_MILLIS} ms.
 *
 * <p>Why: a client in the middle of sending a refused 5 MB frame still has bytes in flight. Closing the
 * socket with unread input makes the kernel answer with a reset, and a reset can overtake the close
 * frame (1009, 1003, 1002) on its way, so the client sees an abnormal 1006 instead of the reason.
 *
 * <p>It sits below the WebSocket frame codec (so it sees the codec's own close requests) and above
 * TLS. Inbound messages are released while lingering. Per channel. Not used while the server shuts
 * down: then connections close at once.
 */
public final class LingeringClose extends ChannelDuplexHandler {

    /** The longest a closing connection waits for its client to close: {@value} ms. */
    static final long LINGER_MILLIS = 2000;

    private final BooleanSupplier closeAtOnce;
    private boolean lingering;

    /** {@code closeAtOnce}: true when connections should close without lingering (server shutdown). */
    public LingeringClose(BooleanSupplier closeAtOnce) {
        this.closeAtOnce = closeAtOnce;
    }

    /**
     * Adds a lingering close below the HTTP codec that the WebSocket handshake will replace with the
     * frame codec; for a {@link WebSocketRoute} to call. Does nothing if the pipeline has no such codec.
     */
    public static void addTo(io.netty.channel.ChannelPipeline p, BooleanSupplier closeAtOnce) {
        if (p.get(HttpServerInitializer.CODEC) != null) {
            p.addBefore(HttpServerInitializer.CODEC, "ws-linger", new LingeringClose(closeAtOnce));
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Channel ch = ctx.channel();
        if (lingering) {
            // Handlers above close too (the protocol handler after its error): the linger decides when.
            ch.closeFuture().addListener(f -> promise.trySuccess());
            return;
        }
        if (closeAtOnce.getAsBoolean() || !(ch instanceof DuplexChannel duplex) || !ch.isActive()
                || duplex.isInputShutdown() || duplex.isOutputShutdown()) {
            ctx.close(promise);
            return;
        }
        lingering = true;
        ch.closeFuture().addListener(f -> promise.trySuccess());
        // What was written before this close is flushed; shutting down the output sends FIN behind it.
        duplex.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
            }
        });
        ch.config().setAutoRead(true);
        ch.read();
        ch.eventLoop().schedule(() -> {
            ctx.close();
        }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (lingering && evt instanceof ChannelInputShutdownEvent) {
            // The client closed its side: both directions are done.
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
