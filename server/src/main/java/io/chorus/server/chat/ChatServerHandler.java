package io.chorus.server.chat;

import io.chorus.protocol.frame.LineTooLong;
import io.chorus.server.support.ChannelErrors;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The TCP adapter of one chat connection: Netty lifecycle, TLS start, idle timeout, half-close and
 * backpressure around a transport-neutral {@link ChatConnection}, which it feeds one line at a time.
 *
 * <p>Per channel; confined to the channel's event loop. Replies are written during the read and
 * flushed once per read batch. Reading pauses while the peer does not take its replies (see
 * {@link io.chorus.server.support.ReadPause}) or while too many replies wait for earlier ones
 * ({@link ChatConnection#acceptsInput()}).
 */
public final class ChatServerHandler extends ChannelInboundHandlerAdapter implements ChatConnection.Transport {

    private static final Logger log = LogManager.getLogger(ChatServerHandler.class);

    private final ChatService service;
    private final boolean afterTlsHandshake;
    private ChannelHandlerContext ctx;
    private ChatConnection connection;
    /** Lines to the connection, held while it or the peer is behind; made with the connection. */
    private HeldInput<Object> input;

    /** {@code afterTlsHandshake}: greet only once TLS is up, so nothing is ever sent in the clear. */
    public ChatServerHandler(ChatService service, boolean afterTlsHandshake) {
        this.service = service;
        this.afterTlsHandshake = afterTlsHandshake;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!afterTlsHandshake) {
            start(ctx);
        }
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        TcpLineMember member = new TcpLineMember(ctx.channel(), ChatServerInitializer.outputEntry(ctx.pipeline()),
                service.config().slowConsumerPolicy(), service.outboundBudget());
        connection = new ChatConnection(service, member, this);
        input = new HeldInput<>(service, connection, this::process);
        connection.start();
        ctx.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (connection == null || !(msg instanceof String || msg instanceof LineTooLong)) {
            // Nothing is read before the connection starts; TLS delivers no data before its handshake.
            ReferenceCountUtil.release(msg);
        } else {
            input.offer(ctx, msg);
        }
    }

    private void process(Object msg) {
        if (msg instanceof String line) {
            connection.line(line);
        } else {
            connection.lineTooLong((LineTooLong) msg);
        }
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
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess() && connection == null) {
                start(ctx);
            }
            ctx.fireUserEventTriggered(evt);
        } else if (connection == null) {
            ctx.fireUserEventTriggered(evt);
        } else if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
            connection.idleTimeout();
        } else if (evt instanceof ChannelInputShutdownEvent) {
            // The client sent all it will send and its lines were handled: answer them, then close.
            connection.inputShutdown();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ChannelErrors.closeOnError(log, ctx, cause);
    }
}
