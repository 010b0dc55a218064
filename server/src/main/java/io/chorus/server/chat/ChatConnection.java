package io.chorus.server.chat;

import io.chorus.protocol.command.Command;
import io.chorus.protocol.command.CommandParser;
import io.chorus.protocol.command.Commands;
import io.chorus.protocol.event.ErrorCode;
import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.NoticeKind;
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
    private final Transport transport;
    /**
     * True while a {@code /nick} claim is in flight: the commands after it must see its outcome (a
     * {@code /join} right after it joins under the new nick), so input is held until it is answered.
     */
    private boolean claiming;
    /** Rooms joined, in join order, each held by a lease so that the registry does not free it. */
    private final Map<String, RoomRegistry.Lease<Room>> rooms = new LinkedHashMap<>(4);
    private Room current;
    private boolean quit;
    /** Null when rate limiting is off. */
    private RateLimiter limiter;

    public ChatConnection(ChatService service, MemberBase member, Transport transport) {
        this.service = service;
        this.member = member;
        this.transport = transport;
        this.replies = new OrderedReplies(member, MAX_REPLY_BACKLOG / 2, transport::inputReady);
        member.meters(service.meters());
        member.onNickLost(() -> onLoop(this::nickLost));
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
        replies.now(welcome(ChatService.DEFAULT_ROOM));
        join(ChatService.DEFAULT_ROOM);
    }

    /**
     * False while a {@code /nick} claim waits for the cluster, or while so many replies wait for earlier
     * ones that the adapter should stop reading; {@link Transport#inputReady()} says when to read again.
     */
    public boolean acceptsInput() {
        return !claiming && replies.backlog() < MAX_REPLY_BACKLOG;
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
        replies.now(Event.Error.of(ErrorCode.LINE_TOO_LONG, tooLong.describe()));
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
            replies.now(Event.Error.of(ErrorCode.IDLE_TIMEOUT, "nothing received for "
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
        } else {
            for (RoomRegistry.Lease<Room> lease : rooms.values()) {
                lease.release();
            }
            rooms.clear();
            current = null;
        }
        service.nicks().release(member.nick(), member);
        member.transportClosed();
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
        on(h, Command.Rooms.class, (c, rooms) -> c.rooms());
        on(h, Command.HistoryLast.class, (c, last) -> c.historyLast(last.count()));
        on(h, Command.HistorySince.class, (c, since) -> c.historySince(since.room(), since.afterId()));
        on(h, Command.Ping.class, (c, ping) -> c.replies.now(new Event.Pong(ping.token())));
        on(h, Command.Quit.class, (c, q) -> c.quit(q.reason()));
        on(h, Command.Format.class, (c, format) -> c.format(format));
        on(h, Command.Echo.class, (c, echo) -> c.echo(echo.on()));
        on(h, Command.Help.class, (c, help) -> c.replies.now(new Event.Help(Commands.HELP)));
        on(h, Command.Empty.class, (c, empty) -> { });
        // The parser's codes are ErrorCode wire strings (checked in ErrorCodeTest); kept as they are.
        on(h, Command.Invalid.class, (c, invalid) -> c.replies.now(new Event.Error(invalid.code(), invalid.message())));
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
            error(ErrorCode.RATE_LIMITED, "slow down: at most " + formatRate(rate.perSecond()) + " lines per second (bursts of "
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

    private void error(ErrorCode code, String message) {
        replies.now(Event.Error.of(code, message));
    }

    private Event.Welcome welcome(String room) {
        return new Event.Welcome(member.nick(), room, service.config().serverName(), service.runId());
    }

    private Room currentRoomOrError() {
        if (current == null) {
            error(ErrorCode.NOT_IN_ROOM, "you are not in any room; /join ROOM first");
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
            replies.now(Event.Notice.of(NoticeKind.NICK_UNCHANGED, "you are already " + old, null, old));
            return;
        }
        ReplySlot slot = replies.reserve();
        // The local registry answers before claim returns, so the new nick applies before the next command;
        // a cluster answers later: input is held (acceptsInput) until the answer is applied on this loop.
        claiming = true;
        service.nicks().claim(member, old, wanted).whenComplete((claim, failure) -> onLoop(() -> {
            claiming = false;
            try {
                applyClaim(claim, failure, slot, old, wanted);
            } finally {
                transport.inputReady();
            }
        }));
    }

    private void applyClaim(NickRegistry.Claim claim, Throwable failure, ReplySlot slot, String old, String wanted) {
        if (failure != null || claim != NickRegistry.Claim.GRANTED) {
            slot.complete(failure != null
                    ? Event.Error.of(ErrorCode.INTERNAL_ERROR, "the server could not change your nick")
                    : Event.Error.aboutNick(ErrorCode.NICK_TAKEN, wanted + " is already in use", wanted));
            return;
        }
        if (!member.isOpen()) {
            // Closed while the claim was in flight: closed() already freed the old nick.
            service.nicks().release(wanted, member);
            slot.completeEmpty();
            return;
        }
        member.nick(wanted);
        slot.complete(new Event.NickChange(null, old, wanted));
        for (RoomRegistry.Lease<Room> lease : rooms.values()) {
            lease.room().nickChanged(member, old, wanted);
        }
    }

    private void onLoop(Runnable task) {
        if (member.eventLoop().inEventLoop()) {
            task.run();
        } else {
            member.eventLoop().execute(task);
        }
    }

    private void join(String name) {
        RoomRegistry.Lease<Room> already = rooms.get(name);
        if (already != null) {
            current = already.room();
            replies.now(Event.Notice.of(NoticeKind.CURRENT_ROOM, "#" + name + " is now your current room", name, null));
            return;
        }
        int limit = service.config().maxRoomsPerConnection();
        if (rooms.size() >= limit) {
            replies.now(Event.Error.aboutRoom(ErrorCode.TOO_MANY_ROOMS,
                    "you can be in at most " + limit + " rooms; /leave one first", name));
            return;
        }
        // The lease is taken before the join task is queued, so the room cannot be freed in between.
        service.rooms().join(name).ifPresentOrElse(lease -> {
            rooms.put(name, lease);
            current = lease.room();
            lease.room().join(member, member.nick(), replies.reserve());
        }, () -> replies.now(Event.Error.aboutRoom(ErrorCode.TOO_MANY_ROOMS, "the server holds its maximum of "
                + service.config().maxRooms() + " rooms; join an existing one", name)));
    }

    private void leave(String name) {
        Room room = name == null ? current : rooms.containsKey(name) ? rooms.get(name).room() : null;
        if (room == null) {
            replies.now(Event.Error.aboutRoom(ErrorCode.NOT_IN_ROOM,
                    name == null ? "you are not in any room" : "you are not in #" + name, name));
            return;
        }
        RoomRegistry.Lease<Room> lease = rooms.remove(room.name());
        if (current == room) {
            Room next = null;
            for (RoomRegistry.Lease<Room> remaining : rooms.values()) {
                next = remaining.room();
            }
            current = next;
        }
        room.leave(member, "", false, replies.reserve());
        // Released after the leave task is queued: the room's expiry runs on its executor behind that task.
        lease.release();
    }

    /** Leaves every room as a disconnect: the others are told, the leaver is not. */
    private void leaveAll(String reason) {
        List<RoomRegistry.Lease<Room>> joined = new ArrayList<>(rooms.values());
        rooms.clear();
        current = null;
        for (RoomRegistry.Lease<Room> lease : joined) {
            lease.room().leave(member, reason, true, null);
            lease.release();
        }
    }

    private void privateMessage(String nick, String text) {
        Member target = service.nicks().find(nick).orElse(null);
        if (target == null && service.backplane().clustered()) {
            privateMessageElsewhere(nick, text);
            return;
        }
        if (target == null) {
            replies.now(Event.Error.aboutNick(ErrorCode.NO_SUCH_NICK, nick + " is not connected", nick));
            return;
        }
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
    }

    /** A private message to a nick no local member holds: another node may hold it. */
    private void privateMessageElsewhere(String nick, String text) {
        Event.Private event = new Event.Private(member.nick(), nick, text, Instant.now());
        service.meters().messageIn();
        ReplySlot slot = replies.reserve();
        service.backplane().sendPrivate(event).whenComplete((taken, failure) -> {
            if (failure == null && taken) {
                if (member.echo()) {
                    service.meters().messagesOut(1);
                }
                slot.complete(member.echo() ? List.of(event) : List.of());
            } else {
                slot.complete(Event.Error.aboutNick(ErrorCode.NO_SUCH_NICK, failure == null
                        ? nick + " is not connected" : nick + " is not connected to this node, and the cluster cannot be reached",
                        nick));
            }
        });
    }

    /** {@code /rooms}: this node's rooms, or every node's in a cluster (this node's if the cluster cannot answer). */
    private void rooms() {
        List<Event.RoomInfo> local = service.rooms().occupied();
        if (!service.backplane().clustered()) {
            replies.now(new Event.Rooms(local));
            return;
        }
        ReplySlot slot = replies.reserve();
        service.backplane().rooms().whenComplete((all, failure) ->
                slot.complete(new Event.Rooms(failure == null ? all : local)));
    }

    /**
     * Another node holds this connection's nick (both were granted while the nodes could not reach each
     * other, and the other was recorded first): take a guest name and say why.
     */
    private void nickLost() {
        if (!member.isOpen() || quit) {
            return;
        }
        String lost = member.nick();
        service.nicks().forget(lost, member);
        String guest = service.nicks().claimGuest(member);
        member.nick(guest);
        replies.now(new Event.NickChange(null, lost, guest));
        replies.now(Event.Notice.of(NoticeKind.NICK_LOST, lost + " is held by a user on another node; you are now "
                + guest, null, lost));
        for (RoomRegistry.Lease<Room> lease : rooms.values()) {
            lease.room().nickChanged(member, lost, guest);
        }
    }

    private void who(String name) {
        if (name == null) {
            Room room = currentRoomOrError();
            if (room != null) {
                room.who(replies.reserve());
            }
            return;
        }
        Room local = service.rooms().find(name).orElse(null);
        if (local != null) {
            local.who(replies.reserve());
        } else if (service.backplane().clustered()) {
            // Members on other nodes only: ask the cluster.
            ReplySlot slot = replies.reserve();
            service.backplane().who(name).whenComplete((nicks, failure) -> slot.complete(failure == null && !nicks.isEmpty()
                    ? new Event.Who(name, nicks)
                    : Event.Error.aboutRoom(ErrorCode.NO_SUCH_ROOM, "#" + name + " does not exist", name)));
        } else {
            replies.now(Event.Error.aboutRoom(ErrorCode.NO_SUCH_ROOM, "#" + name + " does not exist", name));
        }
    }

    private void historyLast(int count) {
        Room room = currentRoomOrError();
        if (room != null) {
            room.historyLast(replies.reserve(), count);
        }
    }

    private void historySince(String name, long afterId) {
        service.rooms().find(name).ifPresentOrElse(room -> room.historySince(replies.reserve(), afterId),
                () -> replies.now(Event.Error.aboutRoom(ErrorCode.NO_SUCH_ROOM, "#" + name + " does not exist", name)));
    }

    private void format(Command.Format format) {
        member.format(format.format());
        replies.now(welcome(current == null ? "" : current.name()));
    }

    private void echo(boolean on) {
        member.echo(on);
        replies.now(on ? Event.Notice.of(NoticeKind.ECHO_ON, "echo is on: you will see your own messages")
                : Event.Notice.of(NoticeKind.ECHO_OFF, "echo is off"));
    }

    private void quit(String reason) {
        quit = true;
        leaveAll(reason);
        replies.now(Event.Notice.of(NoticeKind.BYE, "bye"));
        replies.afterAll(member::close);
    }
}
