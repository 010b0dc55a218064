package io.chorus.client.cli;

import io.chorus.client.line.ConnectFailure;
import io.chorus.client.line.LineClientHandler;
import io.chorus.client.line.LineClientInitializer;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Sends lines over one TCP connection, prints everything the server sends back, and returns once the
 * input is done and the server has answered (it closed after our half-close) or the linger passed.
 */
public final class LineSender {

    private final String host;
    private final int port;
    private final int maxLineBytes;
    private final Duration linger;
    private final PrintStream out;
    private final PrintStream err;

    public LineSender(String host, int port, int maxLineBytes, Duration linger, PrintStream out, PrintStream err) {
        this.host = host;
        this.port = port;
        this.maxLineBytes = maxLineBytes;
        this.linger = linger;
        this.out = out;
        this.err = err;
    }

    /** Sends the lines and returns the process exit code: 0, or 1 when the connection failed. */
    public int run(Iterator<String> lines) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            LineClientHandler handler = new LineClientHandler(out);
            ChannelFuture connect = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .handler(new LineClientInitializer(maxLineBytes, handler))
                    .connect(host, port)
                    .await();
            if (!connect.isSuccess()) {
                err.println(ConnectFailure.describe(host, port, connect.cause()));
                return 1;
            }
            Channel channel = connect.channel();
            int pending = 0;
            while (lines.hasNext() && channel.isActive()) {
                channel.write(lines.next());
                if (++pending >= 64 || !channel.isWritable()) {
                    channel.flush();
                    pending = 0;
                    handler.awaitWritable(channel);
                }
            }
            channel.flush();
            if (channel.isActive()) {
                // Half-close: tells the server we are done while its replies can still arrive.
                ((DuplexChannel) channel).shutdownOutput().await();
            }
            channel.closeFuture().await(linger.toMillis(), TimeUnit.MILLISECONDS);
            channel.close().await();
            if (handler.failure() != null && !(handler.failure() instanceof IOException)) {
                err.println("connection to " + host + ":" + port + " failed: " + handler.failure().getMessage());
                return 1;
            }
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await();
        }
    }

    /** The lines of a reader, read lazily so stdin is streamed rather than loaded. */
    public static Iterator<String> linesOf(BufferedReader reader) {
        return reader.lines().iterator();
    }
}
