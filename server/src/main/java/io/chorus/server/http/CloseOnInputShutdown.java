package io.chorus.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * Closes an HTTP connection once the client has closed its side. The listeners allow half-closed
 * connections (a line client may send and then shut down its output), so without this an HTTP client
 * that hangs up would keep its connection open until the idle timeout. What was already written is
 * flushed first: the close waits behind an empty write. Stateless; use {@link #INSTANCE}.
 */
@Sharable
final class CloseOnInputShutdown extends ChannelInboundHandlerAdapter {

    static final CloseOnInputShutdown INSTANCE = new CloseOnInputShutdown();

    private CloseOnInputShutdown() {
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        super.userEventTriggered(ctx, evt);
    }
}
