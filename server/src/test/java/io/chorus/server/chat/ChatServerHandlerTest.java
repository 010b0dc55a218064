package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.chorus.protocol.frame.Utf8LineDecoder;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The chat handler on an {@link EmbeddedChannel}, with Netty's fake time where time matters. */
class ChatServerHandlerTest {

    private static EmbeddedChannel channel(ServerConfig config) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ChatService service = new ChatService(config, ch.eventLoop(), UnpooledByteBufAllocator.DEFAULT);
        ch.pipeline().addLast(new IdleStateHandler(config.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS),
                new LineFrameDecoder(config.maxLineBytes()), Utf8LineDecoder.INSTANCE, new ChatServerHandler(service, false));
        ch.pipeline().fireChannelActive();
        ch.runPendingTasks();
        return ch;
    }

    private static List<String> output(EmbeddedChannel ch) {
        ch.runPendingTasks();
        List<String> lines = new ArrayList<>();
        ByteBuf buf;
        while ((buf = ch.readOutbound()) != null) {
            for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
                lines.add(line);
            }
            buf.release();
        }
        return lines;
    }

    private static void type(EmbeddedChannel ch, String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        ch.runPendingTasks();
    }

    @Test
    void idleConnectionIsToldAndClosedAndPingKeepsItOpen() {
        ServerConfig config = ServerConfig.builder().idleTimeout(Duration.ofMinutes(5)).build();
        EmbeddedChannel ch = channel(config);
        assertThat(output(ch)).first().asString().startsWith("*** Welcome to Chorus, guest-1!");
        for (int i = 0; i < 3; i++) {
            ch.advanceTimeBy(4, TimeUnit.MINUTES);
            ch.runScheduledPendingTasks();
            type(ch, "/ping still-here\n");
            assertThat(output(ch)).containsExactly("*** pong still-here");
            assertThat(ch.isActive()).isTrue();
        }
        ch.advanceTimeBy(5, TimeUnit.MINUTES);
        ch.runScheduledPendingTasks();
        assertThat(output(ch)).contains("!!! idle-timeout: nothing received for 300 seconds; send /ping to stay connected");
        assertThat(ch.isActive()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void floodIsCutToTheBurstAndTheSenderIsToldOnce() {
        ServerConfig config = ServerConfig.builder().rateLimit(new RateLimit(20, 50)).build();
        EmbeddedChannel ch = channel(config);
        output(ch);
        StringBuilder flood = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            flood.append("/ping ").append(i).append('\n');
        }
        type(ch, flood.toString());
        List<String> lines = output(ch);
        assertThat(lines.stream().filter(l -> l.startsWith("*** pong"))).hasSize(50);
        assertThat(lines.stream().filter(l -> l.startsWith("!!! rate-limited:"))).hasSize(1);
        // A second later, 20 more lines get through.
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        type(ch, flood.toString());
        assertThat(output(ch).stream().filter(l -> l.startsWith("*** pong"))).hasSize(20);
        ch.finishAndReleaseAll();
    }
}
