package io.chorus.bench.jmh;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.EventEncoder;
import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Measures encoding one room message, the event every broadcast carries, as a text line and as a
 * JSON line into a pooled buffer (released before returning).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EventEncodeBenchmark {

    @Param({"TEXT", "JSON"})
    OutputFormat format;

    @Param({"64", "1024"})
    int textChars;

    @Param({"ascii", "mixed"})
    String alphabet;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private EventEncoder encoder;
    private Event event;

    @Setup
    public void setUp() {
        encoder = EventEncoder.of(format);
        event = new Event.Message("engineering", "alice", Lines.text(alphabet, textChars), 123_456L,
                Instant.parse("2026-11-25T12:00:00.123Z"), false);
    }

    /** Returns the encoded size; the buffer is released before returning. */
    @Benchmark
    public int encode() {
        ByteBuf encoded = encoder.encode(event, alloc);
        try {
            return encoded.readableBytes();
        } finally {
            encoded.release();
        }
    }
}
