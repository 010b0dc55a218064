package io.chorus.server.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.RateLimit;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UdpEchoHandlerTest {

    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 7007);

    private static DatagramPacket from(String host, int port, String text) {
        return new DatagramPacket(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8), SERVER,
                new InetSocketAddress(host, port));
    }

    /** Every reply queued so far, as "recipient text". */
    private static java.util.List<String> replies(EmbeddedChannel ch) {
        java.util.List<String> seen = new java.util.ArrayList<>();
        for (DatagramPacket reply; (reply = ch.readOutbound()) != null; ) {
            try {
                seen.add(reply.recipient().getAddress().getHostAddress() + ":" + reply.recipient().getPort() + " "
                        + reply.content().toString(StandardCharsets.UTF_8));
            } finally {
                reply.release();
            }
        }
        return seen;
    }

    @Test
    void aDatagramGoesBackToItsSenderAfterThePrefixWithoutCopyingThePayload() {
        EmbeddedChannel ch = new EmbeddedChannel(new UdpEchoHandler("Echo: ", RateLimit.OFF));
        DatagramPacket packet = from("127.0.0.1", 40_000, "ping");
        ByteBuf payload = packet.content();
        ch.writeInbound(packet);
        DatagramPacket reply = ch.readOutbound();
        try {
            assertThat(reply.recipient()).isEqualTo(new InetSocketAddress("127.0.0.1", 40_000));
            assertThat(reply.content().toString(StandardCharsets.UTF_8)).isEqualTo("Echo: ping");
            // The reply shares the received payload's memory: it was not copied.
            payload.setByte(0, 'P');
            assertThat(reply.content().toString(StandardCharsets.UTF_8)).isEqualTo("Echo: Ping");
        } finally {
            reply.release();
        }
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void withoutAPrefixThePayloadBufferIsTheReply() {
        EmbeddedChannel ch = new EmbeddedChannel(new UdpEchoHandler("", RateLimit.OFF));
        DatagramPacket packet = from("127.0.0.1", 40_000, "ping");
        ByteBuf payload = packet.content();
        ch.writeInbound(packet);
        DatagramPacket reply = ch.readOutbound();
        assertThat(reply.content()).isSameAs(payload);
        reply.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void datagramsFromPrivilegedPortsAreDropped() {
        EmbeddedChannel ch = new EmbeddedChannel(new UdpEchoHandler("", RateLimit.OFF));
        ch.writeInbound(from("127.0.0.1", 19, "chargen"));
        ch.writeInbound(from("127.0.0.1", 7, "echo"));
        ch.writeInbound(from("127.0.0.1", 1023, "last privileged"));
        ch.writeInbound(from("127.0.0.1", 1024, "first unprivileged"));
        assertThat(replies(ch)).containsExactly("127.0.0.1:1024 first unprivileged");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void eachSourceAddressGetsItsBurstThenTheRate() {
        EmbeddedChannel ch = new EmbeddedChannel(new UdpEchoHandler("", new RateLimit(2, 3)));
        ch.freezeTime();
        for (int i = 0; i < 10; i++) {
            // Same address, different ports: the limit is per address.
            ch.writeInbound(from("127.0.0.1", 40_000 + i, "a" + i));
        }
        ch.writeInbound(from("127.0.0.2", 40_000, "b"));
        assertThat(replies(ch)).containsExactly("127.0.0.1:40000 a0", "127.0.0.1:40001 a1", "127.0.0.1:40002 a2",
                "127.0.0.2:40000 b");

        ch.advanceTimeBy(500, TimeUnit.MILLISECONDS);
        ch.writeInbound(from("127.0.0.1", 40_000, "c1"));
        ch.writeInbound(from("127.0.0.1", 40_000, "c2"));
        assertThat(replies(ch)).as("one token after half a second at 2/s").containsExactly("127.0.0.1:40000 c1");

        ch.advanceTimeBy(1, TimeUnit.HOURS);
        for (int i = 0; i < 5; i++) {
            ch.writeInbound(from("127.0.0.1", 40_000, "d" + i));
        }
        assertThat(replies(ch)).as("refilled to the burst, not beyond").hasSize(3);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void forgedSourcesCannotGrowTheLimiter() {
        UdpEchoHandler handler = new UdpEchoHandler("", new RateLimit(1, 1), 64);
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        ch.freezeTime();
        for (int i = 0; i < 5_000; i++) {
            ch.writeInbound(from("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 40_000, "x"));
            ch.releaseOutbound();
        }
        assertThat(handler.trackedSources()).isEqualTo(64);
        // Quiet sources expire once a new bucket would behave the same.
        ch.advanceTimeBy(2, TimeUnit.SECONDS);
        for (int i = 0; i < 10; i++) {
            ch.writeInbound(from("127.0.0.1", 40_000, "y"));
            ch.releaseOutbound();
        }
        assertThat(handler.trackedSources()).isLessThan(64);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void zeroTurnsTheLimitOff() {
        EmbeddedChannel ch = new EmbeddedChannel(new UdpEchoHandler("", RateLimit.parse("0")));
        for (int i = 0; i < 1_000; i++) {
            ch.writeInbound(from("127.0.0.1", 40_000, "z"));
        }
        assertThat(replies(ch)).hasSize(1_000);
        assertThat(ch.finish()).isFalse();
    }
}
