package io.chorus.protocol.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.protocol.command.Command;
import io.chorus.protocol.frame.LineTooLong;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ErrorCodeTest {

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void everyCodeReadsBackFromItsWireString(ErrorCode code) {
        assertThat(ErrorCode.fromWire(code.wire())).contains(code);
        assertThat(code.wire()).matches("[a-z]+(-[a-z]+)*");
        assertThat(Event.Error.of(code, "m").errorCode()).contains(code);
        assertThat(Event.Error.of(code, "m").is(code)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(NoticeKind.class)
    void everyNoticeKindReadsBackFromItsWireString(NoticeKind kind) {
        assertThat(NoticeKind.fromWire(kind.wire())).contains(kind);
        assertThat(Event.Notice.of(kind, "t").kind()).contains(kind);
    }

    @Test
    void unknownCodesAreEmptyNotErrors() {
        assertThat(ErrorCode.fromWire("from-the-future")).isEmpty();
        assertThat(new Event.Error("from-the-future", "m").errorCode()).isEmpty();
        assertThat(new Event.Notice("information only").kind()).isEmpty();
        assertThat(NoticeKind.fromWire("from-the-future")).isEmpty();
    }

    @Test
    void theParserAndFramerCodesAreInTheEnum() {
        Set<String> wire = Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).collect(Collectors.toSet());
        assertThat(wire).contains(Command.Invalid.USAGE, Command.Invalid.UNKNOWN_COMMAND, Command.Invalid.INVALID_NICK,
                Command.Invalid.INVALID_ROOM, Command.Invalid.EMPTY_MESSAGE, LineTooLong.CODE);
    }

    @Test
    void errorLineIsTheTextEncodersLine() {
        ByteBuf line = ErrorLine.encode(ErrorCode.TOO_MANY_CONNECTIONS, "the server is full", PooledByteBufAllocator.DEFAULT);
        try {
            assertThat(line.toString(StandardCharsets.UTF_8)).isEqualTo("!!! too-many-connections: the server is full\n");
        } finally {
            line.release();
        }
        assertThat(TextEventEncoder.INSTANCE.encodeToString(Event.Error.of(ErrorCode.TLS_REQUIRED, "use TLS")))
                .isEqualTo("!!! tls-required: use TLS\n");
    }

    @Test
    void oldConstructorsStillMakeEventsWithoutTheNewFields() {
        assertThat(new Event.Error("nick-taken", "m")).isEqualTo(new Event.Error("nick-taken", "m", null, null));
        assertThat(new Event.Notice("t")).isEqualTo(new Event.Notice("t", null, null, null));
        assertThat(new Event.Welcome("n", "r", "s").run()).isNull();
        assertThat(JsonEventDecoder.decode("{\"type\":\"welcome\",\"nick\":\"n\",\"room\":\"r\",\"server\":\"s\"}"))
                .isEqualTo(new Event.Welcome("n", "r", "s"));
    }
}
