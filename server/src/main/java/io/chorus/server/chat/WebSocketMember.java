package io.chorus.server.chat;

import io.chorus.protocol.event.OutputFormat;
import io.chorus.protocol.event.ErrorCode;
import io.chorus.server.limits.OutboundBudget;
import io.chorus.server.limits.SlowConsumerPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A chat member on a WebSocket ({@code /ws}): {@link Framing#WEBSOCKET}, JSON from the start. Each event
 * payload is already one whole text frame, built once per broadcast for every WebSocket member, and a
 * run of broadcasts arrives joined, so a busy member gets one write per outbox drain as on TCP.
 *
 * <p>Ownership: {@link #write} passes the payload it was given (a duplicate of a broadcast's one framed
 * buffer) to the channel as it is; the transport releases it once written or on failure.
 */
public final class WebSocketMember extends MemberBase {

    /** How long a cut-off reader gets to take its final error before the connection is closed: {@value} ms. */
    static final long CUT_OFF_GRACE_MILLIS = 1000;

    private final Channel channel;

    /** A member under the server's slow-consumer policy and outbound memory budget, like every TCP member. */
    public WebSocketMember(Channel channel, SlowConsumerPolicy policy, OutboundBudget budget) {
        super(policy, budget);
        this.channel = channel;
        // Browsers and programs parse the events: JSON is the WebSocket format unless the user asks for text.
        format(OutputFormat.JSON);
    }

    /** A member cut as soon as more than {@code maxQueueBytes} are queued; for tests. */
    WebSocketMember(Channel channel, long maxQueueBytes) {
        super(maxQueueBytes);
        this.channel = channel;
        format(OutputFormat.JSON);
    }

    public Channel channel() {
        return channel;
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
        return Framing.WEBSOCKET;
    }

    /**
     * Reads Netty's outbound buffer, as {@link TcpLineMember} does: frames are encoded to bytes on the
     * way down, so this counts the frame headers and payloads the peer has not taken.
     */
    @Override
    public long queuedBytes() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    @Override
    protected void write(ByteBuf payload) {
        // Already a whole text frame, framed once for every member (Framing.WEBSOCKET); a plain ByteBuf
        // passes the WebSocket encoder untouched. The transport releases it once written.
        channel.write(payload, channel.voidPromise());
    }

    @Override
    protected void flushTransport() {
        channel.flush();
    }

    @Override
    protected boolean isTransportOpen() {
        return channel.isActive();
    }

    /** Sends a normal close frame behind what is queued, then closes. */
    @Override
    public void close() {
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE, "bye"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    protected void cutOff(ByteBuf last) {
        // Queued behind what the reader has not taken yet: it arrives only if the reader catches up in time.
        channel.write(last, channel.voidPromise());
        channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.POLICY_VIOLATION, ErrorCode.SLOW_CONSUMER.wire()))
                .addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, CUT_OFF_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return nick() + "@ws:" + channel.id().asShortText();
    }
}
