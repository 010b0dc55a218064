package io.chorus.server.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The limiter's refusal is one error line from the protocol's encoder, then a close; admitted channels pass. */
class ConnectionLimiterTest {

    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** A channel from {@code host} that has just become active behind {@code limiter}. */
    private EmbeddedChannel connect(ConnectionLimiter limiter, String host) {
        InetSocketAddress remote = new InetSocketAddress(host, 40000 + channels.size());
        EmbeddedChannel channel = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return remote;
            }
        };
        channels.add(channel);
        channel.pipeline().addLast(limiter);
        channel.pipeline().fireChannelActive();
        return channel;
    }

    private static String written(EmbeddedChannel channel) {
        ByteBuf line = channel.readOutbound();
        try {
            return line.toString(StandardCharsets.UTF_8);
        } finally {
            line.release();
        }
    }

    @Test
    void overTheTotalCapTheClientReadsOneErrorLineAndIsClosed() {
        ConnectionLimiter limiter = new ConnectionLimiter(1, 0);
        EmbeddedChannel first = connect(limiter, "127.0.0.1");
        EmbeddedChannel second = connect(limiter, "127.0.0.2");

        assertThat(first.isOpen()).isTrue();
        assertThat((Object) first.readOutbound()).isNull();
        assertThat(written(second)).isEqualTo("!!! too-many-connections: the server is full (1 connections); try again later\n");
        assertThat(second.isOpen()).isFalse();
        assertThat(limiter.refused()).isEqualTo(1);
        assertThat(limiter.open()).isEqualTo(1);
    }

    @Test
    void overThePerAddressCapTheLineNamesTheAddress() {
        ConnectionLimiter limiter = new ConnectionLimiter(0, 1);
        connect(limiter, "127.0.0.1");
        EmbeddedChannel other = connect(limiter, "127.0.0.2");
        EmbeddedChannel again = connect(limiter, "127.0.0.1");

        assertThat(other.isOpen()).isTrue();
        assertThat(written(again)).isEqualTo("!!! too-many-connections: too many connections from 127.0.0.1 (at most 1)\n");
        assertThat(again.isOpen()).isFalse();
    }

    @Test
    void aClosedConnectionFreesItsPlace() {
        ConnectionLimiter limiter = new ConnectionLimiter(1, 0);
        connect(limiter, "127.0.0.1").close();
        EmbeddedChannel next = connect(limiter, "127.0.0.1");
        assertThat(next.isOpen()).isTrue();
        assertThat((Object) next.readOutbound()).isNull();
    }
}
