package io.chorus.server.support;

import io.netty.channel.ChannelHandlerContext;
import org.apache.logging.log4j.Logger;

/**
 * How every Chorus handler treats an exception on a channel: log it at DEBUG with the channel id and
 * close that channel. A reset or a protocol error must never reach the rest of the server.
 */
public final class ChannelErrors {

    private ChannelErrors() {
    }

    public static void closeOnError(Logger log, ChannelHandlerContext ctx, Throwable cause) {
        if (log.isDebugEnabled()) {
            log.debug("[{}] closing after error from {}: {}", ctx.channel().id(), ctx.channel().remoteAddress(),
                    cause.toString());
        }
        ctx.close();
    }
}
