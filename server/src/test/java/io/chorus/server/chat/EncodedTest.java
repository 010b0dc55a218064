package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The framings {@link Encoded} builds once per broadcast, byte for byte. */
class EncodedTest {

    private static final Instant TS = Instant.parse("2026-12-01T08:00:00Z");

    private static String sse(Event event) {
        ByteBuf framed = Encoded.encode(event, OutputFormat.JSON, Framing.SSE, UnpooledByteBufAllocator.DEFAULT);
        try {
            return framed.toString(StandardCharsets.UTF_8);
        } finally {
            framed.release();
        }
    }

    @Test
    void anSseEventCarriesTheMessageIdAndOneDataLine() {
        assertThat(sse(new Event.Message("news", "bot", "line one \"two\"", 7, TS, false)))
                .isEqualTo("id: 7\ndata: {\"type\":\"message\",\"room\":\"news\",\"from\":\"bot\",\"text\":\"line one \\\"two\\\"\","
                        + "\"id\":7,\"ts\":\"2026-12-01T08:00:00.000Z\"}\n\n");
        assertThat(sse(new Event.Action("news", "bot", "waves", 8, TS, true))).startsWith("id: 8\ndata: {\"type\":\"action\"");
    }

    @Test
    void eventsWithoutAnIdHaveNoIdField() {
        assertThat(sse(new Event.Join("news", "alice"))).isEqualTo("data: {\"type\":\"join\",\"room\":\"news\",\"nick\":\"alice\"}\n\n");
    }
}
