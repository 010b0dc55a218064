package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A chat user on {@code /ws} in tests, on Netty's own WebSocket client over a real socket: each text
 * frame it receives is one JSON event, parsed into {@link #events}; the server's close code lands in
 * {@link #closeCode}, and a refused handshake in {@link #handshake}.
 *
 * <p>Owns its event loop; {@link #close()} shuts it down. Received frames are released here after parsing.
 */
public final class NettyWsUser implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    public final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    final BlockingQueue<String> rawTexts = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    final CompletableFuture<Void> handshake = new CompletableFuture<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Channel channel;
    public String nick;

    private final class Receiver extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                handshake.complete(null);
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof TextWebSocketFrame text) {
                    String s = text.text();
                    rawTexts.add(s);
                    try {
                        events.add(JSON.readTree(s));
                    } catch (Exception notJson) {
                        // Kept in rawTexts; a test that expects JSON fails on the missing event.
                    }
                } else if (msg instanceof CloseWebSocketFrame close) {
                    closeCode.complete(close.statusCode());
                    ctx.close();
                }
            } finally {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // No close frame at all (the server dropped the socket): 1006, as a browser reports it.
            closeCode.complete(1006);
            handshake.completeExceptionally(new IllegalStateException("closed before the handshake"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            handshake.completeExceptionally(cause);
            ctx.close();
        }
    }

    /** Opens {@code ws://127.0.0.1:port/ws} with an {@code Origin} header ({@code null}: none). */
    static NettyWsUser open(int port, String origin) throws Exception {
        NettyWsUser user = new NettyWsUser();
        HttpHeaders headers = new DefaultHttpHeaders();
        if (origin != null) {
            headers.set("Origin", origin);
        }
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(URI.create("ws://127.0.0.1:" + port + "/ws"))
                .version(WebSocketVersion.V13)
                .customHeaders(headers)
                .maxFramePayloadLength(16 << 20)
                // Close frames come up to the receiver, which records their code.
                .handleCloseFrames(false)
                .dropPongFrames(true)
                .build();
        user.channel = new Bootstrap().group(user.group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                                new WebSocketClientProtocolHandler(config), user.new Receiver());
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
        return user;
    }

    /** Opens {@code /ws} as a same-origin page would, and reads the welcome and the lobby join. */
    public static NettyWsUser connect(int port) throws Exception {
        NettyWsUser user = open(port, null);
        user.handshake.get(20, TimeUnit.SECONDS);
        JsonNode welcome = user.next(e -> e.path("type").asText().equals("welcome"));
        user.nick = welcome.get("nick").asText();
        user.next(e -> e.path("type").asText().equals("join") && e.path("nick").asText().equals(user.nick));
        return user;
    }

    /** Connects, takes {@code nick}, and moves from the lobby into {@code room} only. */
    public static NettyWsUser in(int port, String nick, String room) throws Exception {
        NettyWsUser user = connect(port);
        user.send("/nick " + nick);
        user.next(e -> e.path("type").asText().equals("nick") && e.path("new").asText().equals(nick));
        user.nick = nick;
        user.send("/join " + room);
        user.next(e -> e.path("type").asText().equals("join") && e.path("nick").asText().equals(nick));
        user.send("/leave lobby");
        user.next(e -> e.path("type").asText().equals("leave") && e.path("room").asText().equals("lobby"));
        return user;
    }

    static boolean refused(Throwable t) {
        return t instanceof WebSocketClientHandshakeException
                || (t.getCause() != null && t.getCause() instanceof WebSocketClientHandshakeException);
    }

    public NettyWsUser send(String line) {
        channel.writeAndFlush(new TextWebSocketFrame(line)).syncUninterruptibly();
        return this;
    }

    NettyWsUser sendFrame(WebSocketFrame frame) {
        channel.writeAndFlush(frame).syncUninterruptibly();
        return this;
    }

    /** The next event, within 20 s. */
    public JsonNode next() throws InterruptedException {
        JsonNode e = events.poll(20, TimeUnit.SECONDS);
        assertThat(e).as("a JSON event within 20 s").isNotNull();
        return e;
    }

    /** Skips events until one matches, within 20 s in all. */
    public JsonNode next(Predicate<JsonNode> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode e = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
            assertThat(e).as("a matching JSON event within 20 s").isNotNull();
            if (wanted.test(e)) {
                return e;
            }
        }
    }

    int awaitClose() throws Exception {
        return closeCode.get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
