package io.chorus.bench.jmh;

import io.chorus.protocol.frame.LineEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
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
 * Compares two ways to send one chat line to every member of a room: encode it once and write a
 * {@code retainedDuplicate()} to each member (what STYLE.md asks for), or write the text and let each
 * member's {@link LineEncoder} encode it again. Each member is an {@link EmbeddedChannel} whose pipeline
 * ends in a sink that releases what reaches it, as the transport would after writing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BroadcastBenchmark {

    @Param({"10", "100", "1000"})
    int members;

    /** Characters of message text after the {@code #room <nick> } prefix. */
    @Param({"64"})
    int textChars;

    private EmbeddedChannel[] channels;
    private ReleasingSink sink;
    private String line;

    @Setup
    public void setUp() {
        sink = new ReleasingSink();
        channels = new EmbeddedChannel[members];
        for (int i = 0; i < members; i++) {
            // Outbound runs last-added first: LineEncoder encodes text (ByteBufs pass through), then the sink.
            channels[i] = new EmbeddedChannel(sink, LineEncoder.INSTANCE);
        }
        line = "#lobby <guest-42> " + Lines.text("ascii", textChars);
    }

    /** Encodes once; each member gets a duplicate sharing the bytes; the original is released at the end. */
    @Benchmark
    public void encodeOnceRetainedDuplicate() {
        ByteBuf encoded = LineEncoder.encode(channels[0].alloc(), line);
        try {
            for (EmbeddedChannel channel : channels) {
                channel.writeAndFlush(encoded.retainedDuplicate(), channel.voidPromise());
            }
        } finally {
            encoded.release();
        }
    }

    /** Writes the text to each member, whose encoder allocates and encodes its own copy. */
    @Benchmark
    public void encodePerMember() {
        for (EmbeddedChannel channel : channels) {
            channel.writeAndFlush(line, channel.voidPromise());
        }
    }

    @TearDown
    public void tearDown() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
        if (sink.bytes == 0) {
            throw new IllegalStateException("nothing reached the sink: the benchmark measured nothing");
        }
    }

    /** Stands in for the socket: counts and releases each written buffer and completes the write. */
    @Sharable
    static final class ReleasingSink extends ChannelOutboundHandlerAdapter {
        /** Only the benchmark thread writes, so a plain field is enough. */
        long bytes;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf buf) {
                bytes += buf.readableBytes();
            }
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // Nothing is queued: write already "sent" and released the buffer.
        }
    }
}
