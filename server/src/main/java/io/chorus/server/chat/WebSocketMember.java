package io.chorus.server.chat;

import io.chorus.protocol.event.OutputFormat;
import io.chorus.protocol.event.ErrorCode;
import io.chorus.server.limits.OutboundBudget;
import io.chorus.server.limits.SlowConsumerPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

/**
 * A chat member on a WebSocket ({@code /ws}): {@link Framing#WEBSOCKET}, JSON from the start. Each event
 * payload is already one whole text frame, built once per broadcast for every WebSocket member, and a
 * run of broadcasts arrives joined, so a busy member gets one write per outbox drain as on TCP.
 *
 * <p>Ownership: {@link #write} passes the payload it was given (a duplicate of a broadcast's one framed
 * buffer) to the channel as it is; the transport releases it once written or on failure.
 */
public final class WebSocketMember extends ChannelMember {

    /** A member under the server's slow-consumer policy and outbound memory budget, like every TCP member. */
    public WebSocketMember(Channel channel, SlowConsumerPolicy policy, OutboundBudget budget) {
        super(channel, policy, budget);
        // Browsers and programs parse the events: JSON is the WebSocket format unless the user asks for text.
        format(OutputFormat.JSON);
    }

    /** A member cut as soon as more than {@code maxQueueBytes} are queued; for tests. */
    WebSocketMember(Channel channel, long maxQueueBytes) {
        super(channel, maxQueueBytes);
        format(OutputFormat.JSON);
    }

    /** Payloads are whole text frames, built once per broadcast; a plain ByteBuf passes the WebSocket encoder. */
    @Override
    public Framing framing() {
        return Framing.WEBSOCKET;
    }

    /** Sends a normal close frame behind what is queued, then closes. */
    @Override
    public void close() {
        if (channel().isActive()) {
            channel().writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE, "bye"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    protected void cutOff(ByteBuf last) {
        channel().write(last, channel().voidPromise());
        channel().writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.POLICY_VIOLATION,
                ErrorCode.SLOW_CONSUMER.wire())).addListener(ChannelFutureListener.CLOSE);
        closeAfterGrace();
    }

    @Override
    public String toString() {
        return nick() + "@ws:" + channel().id().asShortText();
    }
}
