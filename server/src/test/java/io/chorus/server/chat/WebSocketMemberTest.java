package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link WebSocketMember} on an {@link EmbeddedChannel}: one text frame per payload wrapping the very
 * buffer it was given, queued bytes from the channel's outbound buffer, and the slow-consumer cut with
 * close code 1008. {@link ChatWebSocketHandler#lines} splits frames as TCP would.
 */
class WebSocketMemberTest {

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void eachPayloadIsOneTextFrameAroundTheSameBufferAndJsonIsTheFormat() {
        EmbeddedChannel ch = new EmbeddedChannel();
        WebSocketMember member = new WebSocketMember(ch, 1 << 20);
        assertThat(member.format()).isEqualTo(OutputFormat.JSON);
        assertThat(member.framing()).isEqualTo(Framing.MESSAGE);

        ByteBuf encoded = text("{\"type\":\"pong\",\"token\":\"a\"}\n");
        ByteBuf payload = Encoded.withoutFinalLf(encoded.retainedDuplicate());
        member.deliver(payload);
        member.reply(text("{\"type\":\"pong\",\"token\":\"b\"}"));
        // Written, not flushed: the bytes count as queued (Netty adds a fixed overhead per entry).
        assertThat(member.queuedBytes()).isGreaterThanOrEqualTo(payload.readableBytes() + 27);
        member.flush();
        assertThat(member.queuedBytes()).isZero();

        TextWebSocketFrame first = ch.readOutbound();
        assertThat(first.content()).isSameAs(payload);
        assertThat(first.text()).isEqualTo("{\"type\":\"pong\",\"token\":\"a\"}");
        first.release();
        TextWebSocketFrame second = ch.readOutbound();
        assertThat(second.text()).isEqualTo("{\"type\":\"pong\",\"token\":\"b\"}");
        second.release();
        assertThat((Object) ch.readOutbound()).isNull();
        encoded.release();
        assertThat(encoded.refCnt()).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void aMemberTooFarBehindGetsTheErrorThenClose1008AndLaterDeliveriesAreDropped() {
        EmbeddedChannel ch = new EmbeddedChannel();
        WebSocketMember member = new WebSocketMember(ch, 1024);
        member.deliver(text("x".repeat(2000)));
        // Over the limit and nothing taken: the next delivery cuts the member off.
        ByteBuf dropped = text("{\"type\":\"message\"}");
        member.deliver(dropped);
        assertThat(dropped.refCnt()).isZero();
        assertThat(member.isOpen()).isFalse();

        TextWebSocketFrame queued = ch.readOutbound();
        assertThat(queued.content().readableBytes()).isEqualTo(2000);
        queued.release();
        TextWebSocketFrame error = ch.readOutbound();
        assertThat(error.text()).contains("\"code\":\"slow-consumer\"");
        error.release();
        CloseWebSocketFrame close = ch.readOutbound();
        assertThat(close.statusCode()).isEqualTo(1008);
        close.release();
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();

        ByteBuf after = text("{}");
        member.deliver(after);
        assertThat(after.refCnt()).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void aFrameIsOneLineOrItsLfSeparatedLines() {
        assertThat(ChatWebSocketHandler.lines("/ping a")).containsExactly("/ping a");
        assertThat(ChatWebSocketHandler.lines("/ping a\n")).containsExactly("/ping a");
        assertThat(ChatWebSocketHandler.lines("/ping a\r\n/ping b\r\n")).containsExactly("/ping a", "/ping b");
        assertThat(ChatWebSocketHandler.lines("one\n\ntwo")).containsExactly("one", "", "two");
        assertThat(ChatWebSocketHandler.lines("")).containsExactly("");
    }
}
