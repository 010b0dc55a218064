package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
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

    /** The text of one whole, unmasked text frame, checking its header. */
    private static String frameText(ByteBuf frame) {
        assertThat(frame.readUnsignedByte()).as("FIN and text opcode").isEqualTo((short) 0x81);
        int length = frame.readUnsignedByte();
        if (length == 126) {
            length = frame.readUnsignedShort();
        } else if (length == 127) {
            length = (int) frame.readLong();
        }
        assertThat(frame.readableBytes()).isEqualTo(length);
        return frame.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eachPayloadIsOneTextFrameFramedOnceAndWrittenAsItIsAndJsonIsTheFormat() {
        EmbeddedChannel ch = new EmbeddedChannel();
        WebSocketMember member = new WebSocketMember(ch, 1 << 20);
        assertThat(member.format()).isEqualTo(OutputFormat.JSON);
        assertThat(member.framing()).isEqualTo(Framing.WEBSOCKET);

        // A broadcast is framed once (Room does this per broadcast); the member writes that buffer as it is.
        ByteBuf framed = Encoded.webSocketTextFrame(
                Encoded.withoutFinalLf(text("{\"type\":\"pong\",\"token\":\"a\"}\n")), ch.alloc());
        ByteBuf payload = framed.retainedDuplicate();
        member.deliver(payload);
        member.reply(Encoded.encode(new Event.Pong("b"), OutputFormat.JSON, Framing.WEBSOCKET, ch.alloc()));
        // Written, not flushed: the bytes count as queued.
        assertThat(member.queuedBytes()).isGreaterThanOrEqualTo(payload.readableBytes());
        member.flush();
        assertThat(member.queuedBytes()).isZero();

        ByteBuf first = ch.readOutbound();
        assertThat(first).isSameAs(payload);
        assertThat(frameText(first)).isEqualTo("{\"type\":\"pong\",\"token\":\"a\"}");
        first.release();
        ByteBuf second = ch.readOutbound();
        assertThat(frameText(second)).isEqualTo("{\"type\":\"pong\",\"token\":\"b\"}");
        second.release();
        assertThat((Object) ch.readOutbound()).isNull();
        framed.release();
        assertThat(framed.refCnt()).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void longPayloadsGetTheExtendedLengthHeaders() {
        for (int length : new int[] {125, 126, 65_535, 65_536}) {
            ByteBuf frame = Encoded.webSocketTextFrame(text("x".repeat(length)), UnpooledByteBufAllocator.DEFAULT);
            try {
                assertThat(frameText(frame)).hasSize(length);
            } finally {
                frame.release();
            }
        }
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

        ByteBuf queued = ch.readOutbound();
        assertThat(queued.readableBytes()).isEqualTo(2000);
        queued.release();
        ByteBuf error = ch.readOutbound();
        assertThat(frameText(error)).contains("\"code\":\"slow-consumer\"");
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
