package io.chorus.server.support;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps a TCP listener accepting through failed accepts, such as "too many open files" at the
 * descriptor limit: it pauses accepting briefly, retries, and logs one WARN line per
 * {@value #REPORT_INTERVAL_SECONDS} s with a count instead of a stack trace per failure.
 *
 * <p>It sits on the listener's own pipeline ({@code ServerBootstrap.handler}), ahead of Netty's
 * acceptor. One instance per listener; its state is confined to the listener's event loop. It holds no
 * buffers: accepted channels pass through untouched.
 */
public final class AcceptFailureHandler extends ChannelInboundHandlerAdapter {

    /** Seconds between the WARN lines of one run of failures: {@value}. */
    public static final long REPORT_INTERVAL_SECONDS = 10;
    /** Pause after the first failed accept, in milliseconds: {@value}. It doubles while accepts keep failing. */
    public static final long FIRST_PAUSE_MILLIS = 10;
    /** Longest pause, in milliseconds: {@value}; also the longest a freed descriptor waits to be used. */
    public static final long MAX_PAUSE_MILLIS = 1000;

    private static final Logger log = LogManager.getLogger(AcceptFailureHandler.class);

    private long pauseMillis = FIRST_PAUSE_MILLIS;
    /** A report is scheduled: failures until then are counted, not logged. */
    private boolean reporting;
    private long unreported;
    private String lastReason = "";

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // A connection was accepted, so descriptors are free again: the next failure starts a short pause.
        pauseMillis = FIRST_PAUSE_MILLIS;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        // Not passed on: Netty's acceptor would pause for a fixed second, and the pipeline's tail would log
        // a full stack trace for every failure, thousands a second at the descriptor limit.
        lastReason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (reporting) {
            unreported++;
        } else {
            reporting = true;
            log.warn("[{}] cannot accept a connection: {}; pausing accepts and retrying, further failures are"
                    + " counted every {} s", ctx.channel().id(), lastReason, REPORT_INTERVAL_SECONDS);
            ctx.executor().schedule(() -> report(ctx), REPORT_INTERVAL_SECONDS, TimeUnit.SECONDS);
        }
        pauseAccepting(ctx);
    }

    private void pauseAccepting(ChannelHandlerContext ctx) {
        ChannelConfig config = ctx.channel().config();
        if (!config.isAutoRead()) {
            return;
        }
        config.setAutoRead(false);
        ctx.executor().schedule(() -> {
            if (ctx.channel().isOpen()) {
                config.setAutoRead(true);
            }
        }, pauseMillis, TimeUnit.MILLISECONDS);
        pauseMillis = Math.min(MAX_PAUSE_MILLIS, pauseMillis * 2);
    }

    private void report(ChannelHandlerContext ctx) {
        if (unreported == 0) {
            reporting = false;
            return;
        }
        log.warn("[{}] cannot accept a connection: {}; {} more failures in the last {} s", ctx.channel().id(),
                lastReason, unreported, REPORT_INTERVAL_SECONDS);
        unreported = 0;
        if (ctx.channel().isOpen()) {
            ctx.executor().schedule(() -> report(ctx), REPORT_INTERVAL_SECONDS, TimeUnit.SECONDS);
        } else {
            reporting = false;
        }
    }
}
