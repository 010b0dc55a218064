package io.chorus.server.api;

import io.chorus.server.chat.ChatService;
import io.chorus.server.chat.RoomRegistry;
import io.chorus.protocol.event.OutputFormat;
import io.chorus.server.chat.Framing;
import io.chorus.server.chat.ChannelMember;
import io.chorus.server.chat.MemberBase;
import io.chorus.server.chat.Room;
import io.chorus.server.support.ChannelErrors;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A read-only room member on a server-sent-events response: each room event becomes one SSE event,
 * {@code id:} set to the message id (for messages and actions) and {@code data:} the event in the TCP
 * JSON format, so a browser's {@code EventSource} resumes by itself with {@code Last-Event-ID}.
 *
 * <p>It has no chat connection and sends no commands. It falls under the same slow-consumer cut-off as
 * every member ({@link MemberBase}), measured on the channel's outbound buffer. A comment line
 * ({@code : ping}) goes out every keepalive interval so proxies keep the idle stream open.
 *
 * <p>Confined to the channel's event loop. Payloads handed to {@link #write} are whole SSE events, framed
 * once per broadcast ({@code Framing.SSE}); each goes out as one HTTP chunk, which the channel then owns
 * and releases once written.
 */
final class SseWatcher extends ChannelMember {

    private static final Logger log = LogManager.getLogger(SseWatcher.class);
    private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);
    private final RoomRegistry.Lease<Room> lease;
    private final Room room;
    private ScheduledFuture<?> keepalive;

    /** Watches the leased room until the connection closes, then gives the lease back. */
    SseWatcher(Channel channel, RoomRegistry.Lease<Room> lease, ChatService chat) {
        super(channel, chat.config().slowConsumerPolicy(), chat.outboundBudget());
        this.lease = lease;
        this.room = lease.room();
        nick("watcher");
        format(OutputFormat.JSON);
    }

    /**
     * Starts watching: keepalive comments every {@code keepaliveMillis} (0 = none), room events from now
     * on, after the history since {@code afterId} when it is not negative; leaves the room when the
     * connection closes.
     */
    void start(long afterId, long keepaliveMillis, Runnable watching) {
        if (keepaliveMillis > 0) {
            keepalive = channel().eventLoop().scheduleAtFixedRate(this::ping, keepaliveMillis, keepaliveMillis,
                    TimeUnit.MILLISECONDS);
        }
        // Watch first: if the channel is already closed, the unwatch below is queued to the room after it.
        room.watch(this, afterId, watching);
        channel().closeFuture().addListener(f -> {
            if (keepalive != null) {
                keepalive.cancel(false);
            }
            room.unwatch(this);
            // After the unwatch is queued, so a TTL expiry runs behind it; the budget forgets this member.
            lease.release();
            transportClosed();
            if (log.isDebugEnabled()) {
                log.debug("[{}] stopped watching #{}", channel().id(), room.name());
            }
        });
        if (log.isDebugEnabled()) {
            log.debug("[{}] watching #{} after id {}", channel().id(), room.name(), afterId);
        }
    }

    private void ping() {
        if (isOpen()) {
            channel().writeAndFlush(new DefaultHttpContent(alloc().buffer(PING.length).writeBytes(PING)),
                    channel().voidPromise());
        }
    }

    @Override
    public Framing framing() {
        return Framing.SSE;
    }

    @Override
    protected void write(ByteBuf payload) {
        // Already whole SSE events, framed once per broadcast (Framing.SSE); one HTTP chunk carries them.
        channel().write(new DefaultHttpContent(payload), channel().voidPromise());
    }

    @Override
    public void close() {
        channel().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    protected void cutOff(ByteBuf last) {
        log.info("[{}] SSE watcher of #{} cut off as a slow consumer", channel().id(), room.name());
        channel().writeAndFlush(new DefaultHttpContent(last)).addListener(ChannelFutureListener.CLOSE);
        closeAfterGrace();
    }

    @Override
    public String toString() {
        return "watcher@" + channel().id().asShortText();
    }

    /**
     * Takes the place of the HTTP router once a feed has started: the response is a stream now, so a
     * further request on this connection is dropped (released here), never answered in the middle of it.
     */
    static final class Inbound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ChannelErrors.closeOnError(log, ctx, cause);
        }
    }
}
