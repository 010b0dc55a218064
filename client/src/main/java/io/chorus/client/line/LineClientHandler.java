package io.chorus.client.line;

import io.chorus.protocol.frame.LineTooLong;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.PrintStream;

/**
 * Prints every line the server sends to an output stream, flushing once per read batch.
 *
 * <p>Per channel: it holds the stream and the first error seen on the connection.
 */
public final class LineClientHandler extends ChannelInboundHandlerAdapter {

    private final PrintStream out;
    private volatile Throwable failure;

    public LineClientHandler(PrintStream out) {
        this.out = out;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof String line) {
            out.println(line);
        } else if (msg instanceof LineTooLong tooLong) {
            out.println("!!! " + LineTooLong.CODE + ": server sent a " + tooLong.describe());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        out.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        synchronized (this) {
            notifyAll();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        synchronized (this) {
            notifyAll();
        }
        ctx.fireChannelInactive();
    }

    /**
     * Blocks the calling (non event loop) thread while the channel's outbound buffer is above its high
     * water mark, so piping a large file in never grows memory without bound.
     */
    public void awaitWritable(io.netty.channel.Channel channel) throws InterruptedException {
        synchronized (this) {
            while (channel.isActive() && !channel.isWritable()) {
                wait(100);
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        ctx.close();
    }

    /** The first error on the connection, or null. */
    public Throwable failure() {
        return failure;
    }
}
