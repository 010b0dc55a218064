package io.chorus.server.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Plain text on a TLS port gets the protocol's error line, readable with nc, and a close. */
class TlsRequiredTest {

    @Test
    void plainTextIsAnsweredWithOneErrorLineAndAClose() {
        // The context is only used for a TLS handshake, which this client never starts.
        EmbeddedChannel channel = new EmbeddedChannel(new TlsRequired(null, "connect with --tls to port 17443"));
        channel.writeInbound(Unpooled.copiedBuffer("hi\n", StandardCharsets.UTF_8));

        ByteBuf line = channel.readOutbound();
        try {
            assertThat(line.toString(StandardCharsets.UTF_8))
                    .isEqualTo("!!! tls-required: this port speaks TLS; connect with --tls to port 17443\n");
        } finally {
            line.release();
        }
        assertThat(channel.isOpen()).isFalse();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }
}
