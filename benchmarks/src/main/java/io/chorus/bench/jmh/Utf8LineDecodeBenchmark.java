package io.chorus.bench.jmh;

import io.chorus.protocol.frame.Utf8LineDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Measures {@link Utf8LineDecoder#decode} turning one line frame (a direct buffer, as the framer hands
 * it over) into a {@link String}, for ASCII and for mixed multi-byte text.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class Utf8LineDecodeBenchmark {

    /** Characters per line (the byte count is larger for mixed text). */
    @Param({"16", "64", "1024"})
    int lineChars;

    @Param({"ascii", "mixed"})
    String alphabet;

    private ByteBuf line;

    @Setup
    public void setUp() {
        byte[] bytes = Lines.text(alphabet, lineChars).getBytes(StandardCharsets.UTF_8);
        line = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }

    @Benchmark
    public String decode() {
        return Utf8LineDecoder.decode(line);
    }

    @TearDown
    public void tearDown() {
        line.release();
    }
}
