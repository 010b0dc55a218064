package io.chorus.server.chat;

import io.chorus.protocol.command.Command;
import io.chorus.protocol.command.CommandParser;
import io.chorus.protocol.command.Commands;
import io.chorus.protocol.event.Event;
import io.chorus.protocol.frame.LineTooLong;
import io.chorus.server.RateLimit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The chat side of one user's connection, whatever the transport: command dispatch and the chat
 * operations (nick, join, leave, say, msg, who, rooms, history, quit, format, echo, help, ping).
 *
 * <p>A transport adapter ({@link ChatServerHandler} for TCP lines; a WebSocket handler later) feeds it
 * lines and lifecycle events; it answers through its {@link MemberBase} and never sees a channel. Every
 * reply goes through one {@link OrderedReplies} stream, so a connection's own replies come out in
 * command order while other users' messages interleave.
 *
 * <p>Confined to the member's event loop.
 */
public final class ChatConnection {

    /** Error code for lines dropped by the rate limit. */
    public static final String RATE_LIMITED = "rate-limited";
    /** Error code sent before an idle connection is closed. */
    public static final String IDLE_TIMEOUT = "idle-timeout";
    /**
     * Commands whose replies may wait for earlier ones before the connection stops reading: {@value}. A
     * pipelining client is not held up by a round trip per line, and the waiting replies stay bounded.
     */
    public static final int MAX_REPLY_BACKLOG = 1024;

    /** What the transport adapter does for its connection. */
    public interface Transport {
        /** The reply backlog was written: the adapter may read commands again if it held them for it. */
        void inputReady();
    }

    /** Handlers by command type; built and checked complete against the sealed {@link Command} once. */
    private static final Map<Class<?>, BiConsumer<ChatConnection, Command>> HANDLERS = handlers();

    private final ChatService service;
    private final MemberBase member;
    private final OrderedReplies replies;
    /** Rooms joined, in join order. */
    private final Map<String, Room> rooms = new LinkedHashMap<>(4);
    private Room current;
    private boolean quit;
    /** Null when rate limiting is off. */
    private RateLimiter limiter;

    public ChatConnection(ChatService service, MemberBase member, Transport transport) {
        this.service = service;
        this.member = member;
        this.replies = new OrderedReplies(member, MAX_REPLY_BACKLOG / 2, transport::inputReady);
        member.meters(service.meters());
    }

    public MemberBase member() {
        return member;
    }

    /** Greets the user as a guest and joins the default room; call once the transport can send. */
    public void start() {
        RateLimit rate = service.config().rateLimit();
        if (rate.enabled()) {
            limiter = new RateLimiter(rate, now());
        }
        member.nick(service.nicks().claimGuest(member));
        replies.now(new Event.Welcome(member.nick(), ChatService.DEFAULT_ROOM, service.config().serverName()));
        join(ChatService.DEFAULT_ROOM);
    }

    /** False while so many replies wait for earlier ones that the adapter should stop reading. */
    public boolean acceptsInput() {
        return replies.backlog() < MAX_REPLY_BACKLOG;
    }

    /** True once the user quit, timed out or half-closed: later lines are ignored. */
    public boolean isClosing() {
        return quit;
    }

    /** One line the user sent, subject to the rate limit; once shutdown has begun, lines are not accepted. */
    public void line(String line) {
        if (!quit && !service.shuttingDown() && admitted()) {
            handle(CommandParser.parse(line));
        }
    }

    /** A line longer than {@code --max-line} arrived; the connection stays usable. */
    public void lineTooLong(LineTooLong tooLong) {
        replies.now(new Event.Error(LineTooLong.CODE, tooLong.describe()));
    }

    /** Dispatches one parsed command; every {@link Command} type has exactly one handler. */
    public void handle(Command command) {
        HANDLERS.get(command.getClass()).accept(this, command);
    }

    /** The command types with a handler; for the test that none is missing. */
    static Set<Class<?>> handledCommands() {
        return HANDLERS.keySet();
    }

    /** Nothing received for the idle timeout: say so, then close once earlier replies are out. */
    public void idleTimeout() {
        if (!quit) {
            quit = true;
            leaveAll("idle timeout");
            replies.now(new Event.Error(IDLE_TIMEOUT, "nothing received for "
                    + describe(service.config().idleTimeout()) + "; send /ping to stay connected"));
            replies.afterAll(member::close);
        }
    }

    /** The client sent all it will send: answer what it sent, then close. */
    public void inputShutdown() {
        if (!quit) {
            quit = true;
            leaveAll("connection closed");
            replies.afterAll(member::close);
        }
    }

    /** The transport closed: leave the rooms (quietly during shutdown) and free the nick. */
    public void closed() {
        // When the whole server is going down, a "quit" for every closing connection would only be noise.
        if (!quit && !service.shuttingDown()) {
            leaveAll("connection closed");
        }
        service.nicks().release(member.nick(), member);
    }

    private static Map<Class<?>, BiConsumer<ChatConnection, Command>> handlers() {
        Map<Class<?>, BiConsumer<ChatConnection, Command>> h = new HashMap<>();
        on(h, Command.Say.class, (c, say) -> c.say(say.text(), false));
        on(h, Command.Me.class, (c, me) -> c.say(me.text(), true));
        on(h, Command.Nick.class, (c, nick) -> c.nick(nick.nick()));
        on(h, Command.Join.class, (c, join) -> c.join(join.room()));
        on(h, Command.Leave.class, (c, leave) -> c.leave(leave.room()));
        on(h, Command.Msg.class, (c, msg) -> c.privateMessage(msg.nick(), msg.text()));
        on(h, Command.Who.class, (c, who) -> c.who(who.room()));
        on(h, Command.Rooms.class, (c, rooms) -> c.replies.now(new Event.Rooms(c.service.rooms().occupied())));
        on(h, Command.HistoryLast.class, (c, last) -> c.historyLast(last.count()));
        on(h, Command.HistorySince.class, (c, since) -> c.historySince(since.room(), since.afterId()));
        on(h, Command.Ping.class, (c, ping) -> c.replies.now(new Event.Pong(ping.token())));
        on(h, Command.Quit.class, (c, q) -> c.quit(q.reason()));
        on(h, Command.Format.class, (c, format) -> c.format(format));
        on(h, Command.Echo.class, (c, echo) -> c.echo(echo.on()));
        on(h, Command.Help.class, (c, help) -> c.replies.now(new Event.Help(Commands.HELP)));
        on(h, Command.Empty.class, (c, empty) -> { });
        on(h, Command.Invalid.class, (c, invalid) -> c.error(invalid.code(), invalid.message()));
        // Java 17 has no pattern switch over a sealed type, so completeness is checked here instead:
        // a new Command record without a handler stops the server at start, not silently at run time.
        for (Class<?> type : Command.class.getPermittedSubclasses()) {
            if (!h.containsKey(type)) {
                throw new IllegalStateException("no handler for command " + type.getName());
            }
        }
        return Map.copyOf(h);
    }

    private static <C extends Command> void on(Map<Class<?>, BiConsumer<ChatConnection, Command>> handlers,
            Class<C> type, BiConsumer<ChatConnection, C> handler) {
        handlers.put(type, (connection, command) -> handler.accept(connection, type.cast(command)));
    }

    private long now() {
        return member.eventLoop().ticker().nanoTime();
    }

    private boolean admitted() {
        if (limiter == null) {
            return true;
        }
        RateLimiter.Verdict verdict = limiter.take(now());
        if (verdict != RateLimiter.Verdict.ACCEPT) {
            service.meters().rateLimitedLine();
        }
        if (verdict == RateLimiter.Verdict.DROP_AND_TELL) {
            RateLimit rate = service.config().rateLimit();
            error(RATE_LIMITED, "slow down: at most " + formatRate(rate.perSecond()) + " lines per second (bursts of "
                    + rate.burst() + "); lines over the limit are dropped");
        }
        return verdict == RateLimiter.Verdict.ACCEPT;
    }

    private static String describe(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " seconds" : millis + " ms";
    }

    private static String formatRate(double perSecond) {
        return perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
    }

    private void error(String code, String message) {
        replies.now(new Event.Error(code, message));
    }

    private Room currentRoomOrError() {
        if (current == null) {
            error("not-in-room", "you are not in any room; /join ROOM first");
        }
        return current;
    }

    private void say(String text, boolean action) {
        Room room = currentRoomOrError();
        if (room != null) {
            service.meters().messageIn();
            room.publish(member, member.nick(), text, action, Instant.now(), replies.reserve());
        }
    }

    private void nick(String wanted) {
        String old = member.nick();
        if (wanted.equals(old)) {
            replies.now(new Event.Notice("you are already " + old));
            return;
        }
        if (!service.nicks().rename(member, old, wanted)) {
            error("nick-taken", wanted + " is already in use");
            return;
        }
        member.nick(wanted);
        replies.now(new Event.NickChange(null, old, wanted));
        for (Room room : rooms.values()) {
            room.nickChanged(member, old, wanted);
        }
    }

    private void join(String name) {
        Room already = rooms.get(name);
        if (already != null) {
            current = already;
            replies.now(new Event.Notice("#" + name + " is now your current room"));
            return;
        }
        int limit = service.config().maxRoomsPerConnection();
        if (rooms.size() >= limit) {
            error("too-many-rooms", "you can be in at most " + limit + " rooms; /leave one first");
            return;
        }
        service.rooms().getOrCreate(name).ifPresentOrElse(room -> {
            rooms.put(name, room);
            current = room;
            room.join(member, member.nick(), replies.reserve());
        }, () -> error("too-many-rooms", "the server holds its maximum of " + service.config().maxRooms()
                + " rooms; join an existing one"));
    }

    private void leave(String name) {
        Room room = name == null ? current : rooms.get(name);
        if (room == null) {
            error("not-in-room", name == null ? "you are not in any room" : "you are not in #" + name);
            return;
        }
        rooms.remove(room.name());
        if (current == room) {
            Room next = null;
            for (Room remaining : rooms.values()) {
                next = remaining;
            }
            current = next;
        }
        room.leave(member, "", false, replies.reserve());
    }

    /** Leaves every room as a disconnect: the others are told, the leaver is not. */
    private void leaveAll(String reason) {
        List<Room> joined = new ArrayList<>(rooms.values());
        rooms.clear();
        current = null;
        for (Room room : joined) {
            room.leave(member, reason, true, null);
        }
    }

    private void privateMessage(String nick, String text) {
        service.nicks().find(nick).ifPresentOrElse(target -> {
            Event.Private event = new Event.Private(member.nick(), target.nick(), text, Instant.now());
            service.meters().messageIn();
            service.meters().messagesOut(target == member || !member.echo() ? 1 : 2);
            if (target == member) {
                replies.now(event);
                return;
            }
            target.send(event);
            if (member.echo()) {
                replies.now(event);
            }
        }, () -> error("no-such-nick", nick + " is not connected"));
    }

    private void who(String name) {
        if (name == null) {
            Room room = currentRoomOrError();
            if (room != null) {
                room.who(replies.reserve());
            }
            return;
        }
        service.rooms().find(name).ifPresentOrElse(room -> room.who(replies.reserve()),
                () -> error("no-such-room", "#" + name + " does not exist"));
    }

    private void historyLast(int count) {
        Room room = currentRoomOrError();
        if (room != null) {
            room.historyLast(replies.reserve(), count);
        }
    }

    private void historySince(String name, long afterId) {
        service.rooms().find(name).ifPresentOrElse(room -> room.historySince(replies.reserve(), afterId),
                () -> error("no-such-room", "#" + name + " does not exist"));
    }

    private void format(Command.Format format) {
        member.format(format.format());
        replies.now(new Event.Welcome(member.nick(), current == null ? "" : current.name(),
                service.config().serverName()));
    }

    private void echo(boolean on) {
        member.echo(on);
        replies.now(new Event.Notice("echo is " + (on ? "on: you will see your own messages" : "off")));
    }

    private void quit(String reason) {
        quit = true;
        leaveAll(reason);
        replies.now(new Event.Notice("bye"));
        replies.afterAll(member::close);
    }
}
