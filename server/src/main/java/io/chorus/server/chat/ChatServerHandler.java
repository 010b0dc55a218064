package io.chorus.server.chat;

import io.chorus.protocol.command.Command;
import io.chorus.protocol.command.CommandParser;
import io.chorus.protocol.command.Commands;
import io.chorus.protocol.event.Event;
import io.chorus.protocol.frame.LineTooLong;
import io.chorus.server.RateLimit;
import io.chorus.server.support.ChannelErrors;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The chat behaviour of one connection: greets it as a guest in the lobby, turns each line into a
 * command, and answers or hands the command to a room.
 *
 * <p>Per channel; its {@link ChatSession} is confined to the channel's event loop. Replies are written
 * during the read and flushed once per read batch.
 */
public final class ChatServerHandler extends ChannelInboundHandlerAdapter {

    /** Error code for lines dropped by the rate limit. */
    public static final String RATE_LIMITED = "rate-limited";
    /** Error code sent before an idle connection is closed. */
    public static final String IDLE_TIMEOUT = "idle-timeout";

    private static final Logger log = LogManager.getLogger(ChatServerHandler.class);

    private final ChatService service;
    private ChatSession session;
    private boolean quit;
    /** Rooms this connection has sent requests to; closing waits until they have answered. Made on first use. */
    private Set<Room> asked;
    /** Null when rate limiting is off. */
    private RateLimiter limiter;
    /** True while this client's replies are backed up; requests wait in {@link #held}. */
    private boolean paused;
    /** Made on first pause: most connections never need it, and idle ones should stay small. */
    private ArrayDeque<Object> held;

    private final boolean afterTlsHandshake;

    /** {@code afterTlsHandshake}: greet only once TLS is up, so nothing is ever sent in the clear. */
    public ChatServerHandler(ChatService service, boolean afterTlsHandshake) {
        this.service = service;
        this.afterTlsHandshake = afterTlsHandshake;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!afterTlsHandshake) {
            start(ctx);
        }
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        RateLimit rate = service.config().rateLimit();
        if (rate.enabled()) {
            limiter = new RateLimiter(rate, ctx.executor().ticker().nanoTime());
        }
        session = new ChatSession(ctx.channel(), service.config().maxQueueBytes());
        session.nick(service.nicks().claimGuest(session));
        session.write(new Event.Welcome(session.nick(), ChatService.DEFAULT_ROOM, service.config().serverName()));
        join(ChatService.DEFAULT_ROOM);
        ctx.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (session == null) {
            // Nothing is read before the session starts; TLS delivers no data before its handshake.
            ReferenceCountUtil.release(msg);
        } else if (msg instanceof String || msg instanceof LineTooLong) {
            if (paused) {
                if (held == null) {
                    held = new ArrayDeque<>();
                }
                held.add(msg);
            } else {
                process(ctx, msg);
                pauseIfUnwritable(ctx);
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void process(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof String line) {
            if (!quit && admitted(ctx)) {
                handle(ctx, CommandParser.parse(line));
            }
        } else if (msg instanceof LineTooLong tooLong) {
            reply(new Event.Error(LineTooLong.CODE, tooLong.describe()));
        }
    }

    /**
     * When this client's replies pile up past the high water mark, stop handling its requests: lines
     * already decoded from the current read wait in {@link #held} (at most one read's worth), and
     * reading stops until the client takes its replies.
     */
    private void pauseIfUnwritable(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            return;
        }
        ctx.flush();
        if (!ctx.channel().isWritable()) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void resume(ChannelHandlerContext ctx) {
        paused = false;
        while (held != null && !held.isEmpty() && !paused) {
            process(ctx, held.poll());
            pauseIfUnwritable(ctx);
        }
        ctx.flush();
        if (!paused && !service.shuttingDown()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private boolean admitted(ChannelHandlerContext ctx) {
        if (limiter == null) {
            return true;
        }
        RateLimiter.Verdict verdict = limiter.take(ctx.executor().ticker().nanoTime());
        if (verdict == RateLimiter.Verdict.DROP_AND_TELL) {
            RateLimit rate = service.config().rateLimit();
            error(RATE_LIMITED, "slow down: at most " + formatRate(rate.perSecond()) + " lines per second (bursts of "
                    + rate.burst() + "); lines over the limit are dropped");
        }
        return verdict == RateLimiter.Verdict.ACCEPT;
    }

    private static String describe(java.time.Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " seconds" : millis + " ms";
    }

    private static String formatRate(double perSecond) {
        return perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (paused && ctx.channel().isWritable()) {
            resume(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (session != null) {
            // When the whole server is going down, a "quit" for every closing connection would only be noise.
            if (!quit && !service.shuttingDown()) {
                leaveAll("connection closed", true);
            }
            service.nicks().release(session.nick(), session);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess() && session == null) {
                start(ctx);
            }
            ctx.fireUserEventTriggered(evt);
        } else if (session == null) {
            ctx.fireUserEventTriggered(evt);
        } else if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
            if (!quit) {
                quit = true;
                leaveAll("idle timeout", true);
                closeWhenAnswered(ctx, new Event.Error(IDLE_TIMEOUT, "nothing received for "
                        + describe(service.config().idleTimeout()) + "; send /ping to stay connected"));
            }
        } else if (evt instanceof ChannelInputShutdownEvent) {
            // The client sent all it will send and its lines were handled: answer them, then close.
            if (!quit) {
                quit = true;
                leaveAll("connection closed", true);
                closeWhenAnswered(ctx, null);
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ChannelErrors.closeOnError(log, ctx, cause);
    }

    private void reply(Event event) {
        session.write(event);
    }

    private void error(String code, String message) {
        reply(new Event.Error(code, message));
    }

    private void handle(ChannelHandlerContext ctx, Command command) {
        if (command instanceof Command.Say say) {
            say(say.text(), false);
        } else if (command instanceof Command.Me me) {
            say(me.text(), true);
        } else if (command instanceof Command.Nick nick) {
            nick(nick.nick());
        } else if (command instanceof Command.Join join) {
            join(join.room());
        } else if (command instanceof Command.Leave leave) {
            leave(leave.room());
        } else if (command instanceof Command.Msg msg) {
            privateMessage(msg.nick(), msg.text());
        } else if (command instanceof Command.Who who) {
            who(who.room());
        } else if (command instanceof Command.Rooms) {
            reply(new Event.Rooms(service.rooms().occupied()));
        } else if (command instanceof Command.HistoryLast last) {
            Room room = currentRoomOrError();
            if (room != null) {
                ask(room).historyLast(session, last.count());
            }
        } else if (command instanceof Command.HistorySince since) {
            service.rooms().find(since.room()).ifPresentOrElse(
                    room -> ask(room).historySince(session, since.afterId()),
                    () -> error("no-such-room", "#" + since.room() + " does not exist"));
        } else if (command instanceof Command.Ping ping) {
            reply(new Event.Pong(ping.token()));
        } else if (command instanceof Command.Quit q) {
            quit(ctx, q.reason());
        } else if (command instanceof Command.Format format) {
            session.format(format.format());
            Room current = session.current();
            reply(new Event.Welcome(session.nick(), current == null ? "" : current.name(), service.config().serverName()));
        } else if (command instanceof Command.Echo echo) {
            session.echo(echo.on());
            reply(new Event.Notice("echo is " + (echo.on() ? "on: you will see your own messages" : "off")));
        } else if (command instanceof Command.Help) {
            reply(new Event.Help(Commands.HELP));
        } else if (command instanceof Command.Invalid invalid) {
            error(invalid.code(), invalid.message());
        }
        // Command.Empty: a blank line does nothing.
    }

    private Room currentRoomOrError() {
        Room room = session.current();
        if (room == null) {
            error("not-in-room", "you are not in any room; /join ROOM first");
        }
        return room;
    }

    private void say(String text, boolean action) {
        Room room = currentRoomOrError();
        if (room != null) {
            ask(room).publish(session, session.nick(), text, action, Instant.now());
        }
    }

    private void nick(String wanted) {
        String old = session.nick();
        if (wanted.equals(old)) {
            reply(new Event.Notice("you are already " + old));
            return;
        }
        if (!service.nicks().rename(session, old, wanted)) {
            error("nick-taken", wanted + " is already in use");
            return;
        }
        session.nick(wanted);
        reply(new Event.NickChange(null, old, wanted));
        for (Room room : session.rooms().values()) {
            room.nickChanged(session, old, wanted);
        }
    }

    private void join(String name) {
        Room already = session.rooms().get(name);
        if (already != null) {
            session.current(already);
            reply(new Event.Notice("#" + name + " is now your current room"));
            return;
        }
        int limit = service.config().maxRoomsPerConnection();
        if (session.rooms().size() >= limit) {
            error("too-many-rooms", "you can be in at most " + limit + " rooms; /leave one first");
            return;
        }
        service.rooms().getOrCreate(name).ifPresentOrElse(room -> {
            session.rooms().put(name, room);
            session.current(room);
            ask(room).join(session, session.nick());
        }, () -> error("too-many-rooms", "the server holds its maximum of " + service.config().maxRooms()
                + " rooms; join an existing one"));
    }

    private void leave(String name) {
        Room room = name == null ? session.current() : session.rooms().get(name);
        if (room == null) {
            error("not-in-room", name == null ? "you are not in any room" : "you are not in #" + name);
            return;
        }
        session.rooms().remove(room.name());
        if (session.current() == room) {
            Room next = null;
            for (Room remaining : session.rooms().values()) {
                next = remaining;
            }
            session.current(next);
        }
        ask(room).leave(session, "", false);
    }

    private void leaveAll(String reason, boolean quit) {
        List<Room> rooms = new ArrayList<>(session.rooms().values());
        session.rooms().clear();
        session.current(null);
        for (Room room : rooms) {
            ask(room).leave(session, reason, quit);
        }
    }

    private void privateMessage(String nick, String text) {
        service.nicks().find(nick).ifPresentOrElse(target -> {
            Event.Private event = new Event.Private(session.nick(), target.nick(), text, Instant.now());
            target.send(event);
            if (session.echo() && target != session) {
                reply(event);
            }
        }, () -> error("no-such-nick", nick + " is not connected"));
    }

    private void who(String name) {
        if (name == null) {
            Room room = currentRoomOrError();
            if (room != null) {
                ask(room).who(session);
            }
            return;
        }
        service.rooms().find(name).ifPresentOrElse(room -> ask(room).who(session),
                () -> error("no-such-room", "#" + name + " does not exist"));
    }

    private void quit(ChannelHandlerContext ctx, String reason) {
        quit = true;
        leaveAll(reason, true);
        closeWhenAnswered(ctx, new Event.Notice("bye"));
    }

    private Room ask(Room room) {
        if (asked == null) {
            asked = new HashSet<>(4);
        }
        asked.add(room);
        return room;
    }

    /**
     * Closes the connection once every room it asked something has answered, so a {@code /history}
     * or {@code /who} sent just before {@code /quit} (or before the client half-closed) still arrives.
     */
    private void closeWhenAnswered(ChannelHandlerContext ctx, Event last) {
        Runnable close = () -> {
            if (last != null) {
                session.write(last);
            }
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        };
        if (asked == null || asked.isEmpty()) {
            close.run();
            return;
        }
        int[] waiting = {asked.size()};
        for (Room room : asked) {
            room.barrier(session, () -> {
                if (--waiting[0] == 0) {
                    close.run();
                }
            });
        }
        asked.clear();
    }
}
