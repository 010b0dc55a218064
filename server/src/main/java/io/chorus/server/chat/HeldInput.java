package io.chorus.server.chat;

import io.chorus.server.support.ReadPause;
import io.netty.channel.ChannelHandlerContext;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The input side of a chat transport adapter: hands each command line to the {@link ChatConnection}, or
 * holds it, in order, while the connection cannot take more ({@link ChatConnection#acceptsInput()}: too
 * many replies waiting, a {@code /nick} claim in flight) or the peer does not take its replies
 * ({@link ReadPause}). Reading stops meanwhile, and {@link #resume} goes on with the held lines first.
 * Lines already read when the pause began wait here: at most one read's worth.
 *
 * <p>Per channel; confined to the channel's event loop.
 *
 * @param <T> what the adapter reads: a line (WebSocket), or a line or an overlong-line marker (TCP)
 */
final class HeldInput<T> {

    private final ChatService service;
    private final ChatConnection connection;
    private final Consumer<T> handle;
    private boolean paused;
    /** Made on first pause: most connections never need it, and idle ones should stay small. */
    private ArrayDeque<T> held;

    HeldInput(ChatService service, ChatConnection connection, Consumer<T> handle) {
        this.service = service;
        this.connection = connection;
        this.handle = handle;
    }

    /** One line read: handled now, or held behind the earlier ones while paused. */
    void offer(ChannelHandlerContext ctx, T line) {
        if (paused) {
            if (held == null) {
                held = new ArrayDeque<>();
            }
            held.add(line);
        } else {
            handle.accept(line);
            pauseIfNeeded(ctx);
        }
    }

    /**
     * Reading may go on, if it was paused and both the connection and the transport allow it now: the held
     * lines are handled first, then reading resumes (unless the server is shutting down).
     */
    void resume(ChannelHandlerContext ctx) {
        if (!paused || !ctx.channel().isWritable() || !connection.acceptsInput()) {
            return;
        }
        paused = false;
        while (held != null && !held.isEmpty() && !paused) {
            handle.accept(held.poll());
            pauseIfNeeded(ctx);
        }
        ctx.flush();
        if (!paused && !service.shuttingDown()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void pauseIfNeeded(ChannelHandlerContext ctx) {
        if (!connection.acceptsInput()) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
            ctx.flush();
        } else if (ReadPause.pauseIfUnwritable(ctx)) {
            paused = true;
        }
    }
}
