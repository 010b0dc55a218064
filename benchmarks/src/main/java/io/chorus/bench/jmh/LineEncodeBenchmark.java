package io.chorus.bench.jmh;

import io.chorus.protocol.frame.LineEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
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
 * Measures {@link LineEncoder#encode} writing one line of text as UTF-8 plus LF into a pooled direct
 * buffer, then releasing it, for ASCII and for mixed multi-byte text.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LineEncodeBenchmark {

    @Param({"16", "64", "1024"})
    int lineChars;

    @Param({"ascii", "mixed"})
    String alphabet;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private String text;

    @Setup
    public void setUp() {
        text = Lines.text(alphabet, lineChars);
    }

    /** Returns the encoded size; the buffer is released before returning. */
    @Benchmark
    public int encode() {
        ByteBuf encoded = LineEncoder.encode(alloc, text);
        try {
            return encoded.readableBytes();
        } finally {
            encoded.release();
        }
    }
}
