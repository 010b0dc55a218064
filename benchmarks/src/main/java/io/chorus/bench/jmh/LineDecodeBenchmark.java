package io.chorus.bench.jmh;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
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
 * Measures {@link LineFrameDecoder} splitting one socket read into lines, inside an
 * {@link EmbeddedChannel} pipeline: the time for one read of {@code linesPerRead} lines of
 * {@code lineBytes} bytes each, CRLF and LF alternating.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LineDecodeBenchmark {

    @Param({"16", "64", "1024"})
    int lineBytes;

    @Param({"1", "16"})
    int linesPerRead;

    private EmbeddedChannel channel;
    private LineSink sink;
    private ByteBuf read;

    @Setup
    public void setUp() {
        sink = new LineSink();
        channel = new EmbeddedChannel(new LineFrameDecoder(LineFrameDecoder.DEFAULT_MAX_LINE_BYTES), sink);
        byte[] line = Lines.text("ascii", lineBytes).getBytes(StandardCharsets.US_ASCII);
        read = PooledByteBufAllocator.DEFAULT.directBuffer(linesPerRead * (lineBytes + 2));
        for (int i = 0; i < linesPerRead; i++) {
            read.writeBytes(line);
            if (i % 2 == 0) {
                read.writeByte('\r');
            }
            read.writeByte('\n');
        }
    }

    /** Returns the bytes of all lines decoded from one read. */
    @Benchmark
    public long decodeOneRead() {
        // The decoder takes the duplicate as its cumulation and releases it once every line is out.
        channel.pipeline().fireChannelRead(read.retainedDuplicate());
        return sink.takeBytes();
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
        read.release();
    }

    /** Ends the pipeline: counts and releases each line, as the next handler in Chorus would. */
    static final class LineSink extends ChannelInboundHandlerAdapter {
        private long bytes;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf line) {
                bytes += line.readableBytes();
            }
            ReferenceCountUtil.release(msg);
        }

        long takeBytes() {
            long taken = bytes;
            bytes = 0;
            return taken;
        }
    }
}
