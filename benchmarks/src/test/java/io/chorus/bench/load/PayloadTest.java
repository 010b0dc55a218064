package io.chorus.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Checks that payloads round-trip, are found inside lines other servers decorate, and that damage is detected.
 */
class PayloadTest {

    private static ByteBuf payload(long sent, int source, int seq, int size) {
        ByteBuf buf = Unpooled.buffer();
        Payload.write(buf, sent, source, seq, size);
        return buf;
    }

    @Test
    void roundTripsEveryField() {
        ByteBuf buf = payload(-123_456_789_012L, 0x7fff_fffe, 41, 64);
        try {
            assertThat(buf.readableBytes()).isEqualTo(64);
            Payload.Decoded decoded = new Payload.Decoded();
            assertThat(Payload.read(buf, 0, buf.writerIndex(), 64, decoded)).isTrue();
            assertThat(decoded.sentNanos).isEqualTo(-123_456_789_012L);
            assertThat(decoded.source).isEqualTo(0x7fff_fffe);
            assertThat(decoded.sequence).isEqualTo(41);
        } finally {
            buf.release();
        }
    }

    @Test
    void isFoundInsideLinesOtherServersDecorate() {
        ByteBuf body = payload(System.nanoTime(), 3, 7, 40);
        String text = body.toString(StandardCharsets.US_ASCII);
        body.release();
        for (String decorated : new String[] {
            "#bench <guest-12> " + text,
            "<user5> " + text,
            text,
            "{\"type\":\"message\",\"room\":\"bench\",\"from\":\"CHB guest\",\"text\":\"" + text + "\",\"id\":5}"}) {
            ByteBuf line = Unpooled.copiedBuffer(decorated, StandardCharsets.UTF_8);
            try {
                int at = Payload.find(line, 0, line.writerIndex());
                assertThat(at).as(decorated).isEqualTo(decorated.indexOf("CHB1"));
                Payload.Decoded decoded = new Payload.Decoded();
                assertThat(Payload.read(line, at, line.writerIndex(), 40, decoded)).as(decorated).isTrue();
                assertThat(decoded.sequence).isEqualTo(7);
                assertThat(decoded.source).isEqualTo(3);
            } finally {
                line.release();
            }
        }
    }

    @Test
    void rejectsACorruptedFillerByteOrAShortLine() {
        ByteBuf buf = payload(1, 1, 1, 50);
        try {
            Payload.Decoded decoded = new Payload.Decoded();
            assertThat(Payload.read(buf, 0, 49, 50, decoded)).isFalse();
            buf.setByte(45, buf.getByte(45) + 1);
            assertThat(Payload.read(buf, 0, 50, 50, decoded)).isFalse();
        } finally {
            buf.release();
        }
    }

    @Test
    void linesWithoutAMarkerAreNotPayloads() {
        ByteBuf line = Unpooled.copiedBuffer("*3 $7 message CHB CH CHB2 subscribe", StandardCharsets.US_ASCII);
        try {
            assertThat(Payload.find(line, 0, line.writerIndex())).isEqualTo(-1);
        } finally {
            line.release();
        }
    }

    @Test
    void refusesASizeBelowTheHeader() {
        ByteBuf buf = Unpooled.buffer();
        try {
            assertThatThrownBy(() -> Payload.write(buf, 0, 0, 0, Payload.MIN_SIZE - 1))
                    .isInstanceOf(IllegalArgumentException.class);
        } finally {
            buf.release();
        }
    }
}
