package io.chorus.bench.load;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.chorus.server.support.TransportKind;
import io.chorus.server.support.TransportKind.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelMatchers;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A tiny broker for tests that behaves like {@code ncat --chat}: greets each connection, then relays
 * every line to all other connections as {@code <userN> LINE}. It may listen on several ports that
 * share one set of members, like the nodes of a cluster, and counts the connections each port took.
 */
final class ChatRelayServer implements AutoCloseable {

    private final EventLoopGroup group;
    private final ChannelGroup members = new DefaultChannelGroup("relay", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger nextUser = new AtomicInteger(1);
    private final List<Channel> listeners = new ArrayList<>();
    private final AtomicIntegerArray accepted;

    ChatRelayServer() throws InterruptedException {
        this(1);
    }

    /** A relay listening on {@code ports} ports of its own, all relaying into one set of members. */
    ChatRelayServer(int ports) throws InterruptedException {
        Transport transport = TransportKind.AUTO.resolve();
        group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        accepted = new AtomicIntegerArray(ports);
        for (int i = 0; i < ports; i++) {
            int listener = i;
            listeners.add(new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.incrementAndGet(listener);
                            ch.pipeline().addLast(new LineFrameDecoder(4096), new Relay(nextUser.getAndIncrement()));
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel());
        }
    }

    /** The first listener's port. */
    int port() {
        return port(0);
    }

    int port(int listener) {
        return ((java.net.InetSocketAddress) listeners.get(listener).localAddress()).getPort();
    }

    /** Connections the listener has accepted so far. */
    int accepted(int listener) {
        return accepted.get(listener);
    }

    @Override
    public void close() {
        for (Channel listener : listeners) {
            listener.close().awaitUninterruptibly();
        }
        members.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Per connection: greets, then relays each line to everybody else with a prefix. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final byte[] prefix;
        private final int user;

        Relay(int user) {
            this.user = user;
            this.prefix = ("<user" + user + "> ").getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            members.add(ctx.channel());
            ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(("welcome, you are <user" + user + ">\n")
                    .getBytes(StandardCharsets.US_ASCII)));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof ByteBuf line) {
                    ByteBuf out = ctx.alloc().buffer(prefix.length + line.readableBytes() + 1);
                    out.writeBytes(prefix).writeBytes(line).writeByte('\n');
                    // The group writes a retained duplicate to each member and releases the original.
                    members.writeAndFlush(out, ChannelMatchers.isNot(ctx.channel()));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
