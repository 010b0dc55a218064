package io.chorus.server.api;

import io.chorus.server.chat.ChatService;
import io.chorus.server.chat.RoomRegistry;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.chorus.protocol.event.OutputFormat;
import io.chorus.server.chat.Framing;
import io.chorus.server.chat.MemberBase;
import io.chorus.server.chat.Room;
import io.chorus.server.support.ChannelErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.InputStream;
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
 * <p>Confined to the channel's event loop. Payloads handed to {@link #write} are owned here: copied into
 * one SSE event buffer, which the channel then owns and releases once written.
 */
final class SseWatcher extends MemberBase {

    private static final Logger log = LogManager.getLogger(SseWatcher.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);
    /** How long a cut-off reader gets to take its final error before the connection is closed: {@value} ms. */
    private static final long CUT_OFF_GRACE_MILLIS = 1000;

    private final Channel channel;
    private final RoomRegistry.Lease<Room> lease;
    private final Room room;
    private ScheduledFuture<?> keepalive;

    /** Watches the leased room until the connection closes, then gives the lease back. */
    SseWatcher(Channel channel, RoomRegistry.Lease<Room> lease, ChatService chat) {
        super(chat.config().slowConsumerPolicy(), chat.outboundBudget());
        this.channel = channel;
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
    void start(long afterId, long keepaliveMillis) {
        if (keepaliveMillis > 0) {
            keepalive = channel.eventLoop().scheduleAtFixedRate(this::ping, keepaliveMillis, keepaliveMillis,
                    TimeUnit.MILLISECONDS);
        }
        // Watch first: if the channel is already closed, the unwatch below is queued to the room after it.
        room.watch(this, afterId);
        channel.closeFuture().addListener(f -> {
            if (keepalive != null) {
                keepalive.cancel(false);
            }
            room.unwatch(this);
            // After the unwatch is queued, so a TTL expiry runs behind it; the budget forgets this member.
            lease.release();
            transportClosed();
            if (log.isDebugEnabled()) {
                log.debug("[{}] stopped watching #{}", channel.id(), room.name());
            }
        });
        if (log.isDebugEnabled()) {
            log.debug("[{}] watching #{} after id {}", channel.id(), room.name(), afterId);
        }
    }

    private void ping() {
        if (isOpen()) {
            channel.writeAndFlush(new DefaultHttpContent(channel.alloc().buffer(PING.length).writeBytes(PING)),
                    channel.voidPromise());
        }
    }

    @Override
    public EventExecutor eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public Framing framing() {
        return Framing.MESSAGE;
    }

    @Override
    public long queuedBytes() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    @Override
    protected void write(ByteBuf payload) {
        channel.write(new DefaultHttpContent(event(payload)), channel.voidPromise());
    }

    /** One SSE event holding {@code payload} (one JSON line, released here); the caller owns the result. */
    private ByteBuf event(ByteBuf payload) {
        try {
            long id = messageId(payload);
            String idLine = id > 0 ? "id: " + id + "\n" : "";
            ByteBuf out = channel.alloc().buffer(idLine.length() + DATA.length + payload.readableBytes() + 2);
            out.writeCharSequence(idLine, StandardCharsets.US_ASCII);
            out.writeBytes(DATA);
            // JSON escapes every line break inside strings, so the payload is one line: one data: field.
            out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
            out.writeByte('\n').writeByte('\n');
            return out;
        } finally {
            payload.release();
        }
    }

    /** The top-level {@code id} of a JSON event (messages and actions carry one), or 0. */
    static long messageId(ByteBuf json) {
        try (JsonParser parser = JSON.createParser((InputStream) new ByteBufInputStream(json.duplicate()))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return 0;
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("id".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
                    return parser.getLongValue();
                }
                parser.skipChildren();
            }
            return 0;
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    protected void flushTransport() {
        channel.flush();
    }

    @Override
    protected boolean isTransportOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    protected void cutOff(ByteBuf last) {
        log.info("[{}] SSE watcher of #{} cut off as a slow consumer", channel.id(), room.name());
        // Queued behind what the reader has not taken yet: it arrives only if the reader catches up in time.
        channel.writeAndFlush(new DefaultHttpContent(event(last))).addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, CUT_OFF_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return "watcher@" + channel.id().asShortText();
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
