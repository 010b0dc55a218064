package io.chorus.server.chat;

import io.chorus.server.http.LingeringClose;
import io.chorus.server.http.WebSocketRoute;
import io.chorus.server.http.WebSocketText;
import io.chorus.server.support.ChannelErrors;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The WebSocket adapter of one chat connection ({@code /ws}): starts a {@link ChatConnection} on a
 * {@link WebSocketMember} once the handshake is done, and feeds it each text frame as command lines.
 *
 * <p>Per channel; confined to the channel's event loop. It receives whole {@code TextWebSocketFrame}s
 * (binary frames, fragments and the frame limit are handled above it, see {@link #route}) and releases
 * each one after taking its text. A frame is one command line; a frame holding LF-separated lines
 * (a client that sends "line\n") is handled as those lines, as TCP would. Replies are written during the
 * read and flushed once per read batch. Reading pauses while the peer does not take what it is sent or
 * while too many replies wait for earlier ones, exactly as {@link ChatServerHandler} does for TCP.
 *
 * <p>Idle connections are the keepalive's business (ping at half the idle timeout, close 1001 when not
 * even a pong came back), so a quiet browser tab that still answers pings stays in its rooms.
 */
public final class ChatWebSocketHandler extends ChannelInboundHandlerAdapter implements ChatConnection.Transport {

    private static final Logger log = LogManager.getLogger(ChatWebSocketHandler.class);

    private final ChatService service;
    private ChannelHandlerContext ctx;
    private ChatConnection connection;
    /** Lines to the connection, held while it or the peer is behind; made with the connection. */
    private HeldInput<String> input;

    public ChatWebSocketHandler(ChatService service) {
        this.service = service;
    }

    /**
     * The {@code /ws} route: text messages only (binary gets 1003, fragments are joined, 1009 past the
     * frame limit), then this handler.
     */
    public static WebSocketRoute route(ChatService service) {
        return (p, maxFrameBytes) -> {
            // After a close frame (1009 for a huge frame), let the client read it instead of resetting.
            LingeringClose.addTo(p, service::shuttingDown);
            // Binary -> 1003; fragments joined into one TextWebSocketFrame, refused with 1009 past the limit.
            WebSocketText.textMessages(p, maxFrameBytes);
            // Whole text frames in, each a command line; events out as one JSON text frame each.
            p.addLast("chat-ws", new ChatWebSocketHandler(service));
        };
    }

    /** The member, once the handshake is done; for tests and the server's own bookkeeping. */
    public WebSocketMember member() {
        return connection == null ? null : (WebSocketMember) connection.member();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete && connection == null) {
            WebSocketMember member = new WebSocketMember(ctx.channel(), service.config().slowConsumerPolicy(),
                    service.outboundBudget());
            connection = new ChatConnection(service, member, this);
            input = new HeldInput<>(service, connection, connection::line);
            connection.start();
            ctx.flush();
            if (log.isDebugEnabled()) {
                log.debug("[{}] chat over WebSocket as {}", ctx.channel().id(), member.nick());
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof TextWebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String text;
        try {
            text = frame.text();
        } finally {
            frame.release();
        }
        if (connection == null) {
            return;
        }
        for (String line : lines(text)) {
            input.offer(ctx, line);
        }
    }

    /**
     * The command lines of one frame: the frame itself, or its LF-separated lines (CR before LF dropped,
     * one final LF ignored), so a frame means what the same bytes would mean on TCP.
     */
    static String[] lines(String text) {
        if (text.indexOf('\n') < 0) {
            return new String[] {stripCr(text)};
        }
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        String[] lines = body.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            lines[i] = stripCr(lines[i]);
        }
        return lines;
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    /** The reply backlog was written (called on the loop by the connection). */
    @Override
    public void inputReady() {
        if (input != null && ctx != null) {
            input.resume(ctx);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (connection != null) {
            // The queue crossed a water mark: the slow-consumer guard and the budget look at it now.
            connection.member().queueChanged();
        }
        if (input != null) {
            input.resume(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (connection != null) {
            connection.closed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ChannelErrors.closeOnError(log, ctx, cause);
    }

    @Override
    public String toString() {
        return "ChatWebSocketHandler" + (connection == null ? "" : "(" + connection.member() + ")");
    }
}
