package io.chorus.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.Test;

/** The text-endpoint steps the {@code /ws} chat route will use: 1003 for binary, 1009 past the limit. */
class WebSocketTextTest {

    private static EmbeddedChannel textEndpoint(int max) {
        EmbeddedChannel ch = new EmbeddedChannel();
        WebSocketText.textMessages(ch.pipeline(), max);
        return ch;
    }

    @Test
    void aBinaryFrameIsReleasedAndClosedWith1003() {
        EmbeddedChannel ch = textEndpoint(64);
        BinaryWebSocketFrame binary = new BinaryWebSocketFrame(Unpooled.copiedBuffer(new byte[] {1, 2, 3}));
        ch.writeInbound(binary);
        assertThat(binary.refCnt()).isZero();
        assertThat((Object) ch.readInbound()).isNull();
        CloseWebSocketFrame close = ch.readOutbound();
        assertThat(close.statusCode()).isEqualTo(1003);
        close.release();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void fragmentsAreJoinedIntoOneTextMessage() {
        EmbeddedChannel ch = textEndpoint(64);
        ch.writeInbound(new TextWebSocketFrame(false, 0, "/join "));
        ch.writeInbound(new ContinuationWebSocketFrame(true, 0, "dev"));
        TextWebSocketFrame whole = ch.readInbound();
        assertThat(whole.text()).isEqualTo("/join dev");
        whole.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aFragmentedMessagePastTheLimitIsClosedWith1009() {
        EmbeddedChannel ch = textEndpoint(8);
        ch.writeInbound(new TextWebSocketFrame(false, 0, "12345"));
        ch.writeInbound(new ContinuationWebSocketFrame(true, 0, "67890"));
        assertThat((Object) ch.readInbound()).isNull();
        CloseWebSocketFrame close = ch.readOutbound();
        assertThat(close.statusCode()).isEqualTo(1009);
        close.release();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }
}
