package io.chorus.client.chat;

import io.chorus.client.ChorusClientException;
import io.chorus.protocol.event.ErrorCode;
import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.JsonEventDecoder;
import io.chorus.protocol.event.MalformedEventException;
import io.chorus.protocol.event.NoticeKind;
import io.chorus.protocol.frame.LineTooLong;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The client side of one chat connection: switches it to JSON, decodes each line into an {@link Event},
 * keeps the user's nick and rooms up to date, and completes the futures of requests when their answers
 * arrive.
 *
 * <p>Per channel. All of its state is confined to the channel's event loop, except the volatile
 * snapshots ({@link #nick()}, {@link #rooms()}, {@link #currentRoom()}) that any thread may read.
 *
 * <p>The server answers some requests at once (nick changes, pongs, most errors) and others later,
 * from the room's own event loop (joins, leaves). So answers are matched by what they say, not by
 * their position: a nick change by our old nick, a join by its room and our nick, a pong by its token,
 * an error by its code and its {@code room} or {@code nick} field. The sentences of errors and notices
 * are for people and never parsed.
 */
public final class ChatClientHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LogManager.getLogger(ChatClientHandler.class);

    /** The first thing sent: every later line from the server is one JSON event. */
    static final String FORMAT_JSON = "/format json";

    private final String address;
    private final Duration welcomeTimeout;
    private final Consumer<Event> listener;
    private final CompletableFuture<Event.Welcome> welcome = new CompletableFuture<>();

    // Confined to the event loop.
    private final Set<String> joined = new LinkedHashSet<>();
    /**
     * Every nick this connection has had. A join is announced under the nick its sender had when the
     * room handled it, which can be an older one when a /nick overtook it.
     */
    private final Set<String> ownNicks = new HashSet<>();
    private final ArrayDeque<CompletableFuture<String>> nickRequests = new ArrayDeque<>();
    private final List<RoomRequest> joinRequests = new ArrayList<>();
    private final List<RoomRequest> leaveRequests = new ArrayList<>();
    private final Map<String, PingRequest> pings = new HashMap<>();
    private ScheduledFuture<?> welcomeTimer;
    private Throwable tlsFailure;
    private ChannelHandlerContext ctx;

    // Written on the event loop, read anywhere.
    private volatile String nick;
    private volatile String server;
    private volatile String run;
    private volatile String current;
    private volatile List<String> roomsSnapshot = List.of();

    private record RoomRequest(String room, CompletableFuture<Void> future) {
    }

    private record PingRequest(long startNanos, CompletableFuture<Duration> future) {
    }

    /**
     * @param address {@code host:port}, for messages
     * @param welcomeTimeout how long after connecting the welcome may take
     * @param listener receives every event, on the event loop; it must not block
     */
    public ChatClientHandler(String address, Duration welcomeTimeout, Consumer<Event> listener) {
        this.address = address;
        this.welcomeTimeout = welcomeTimeout;
        this.listener = listener;
    }

    /** Completes with the server's JSON welcome; fails if the connection ends first or it takes too long. */
    public CompletableFuture<Event.Welcome> welcome() {
        return welcome;
    }

    /** Our nick as the server last told us, or {@code null} before the welcome. */
    public String nick() {
        return nick;
    }

    /** The server's name from its welcome. */
    public String server() {
        return server;
    }

    /** The server run from the welcome, or {@code null} when the server does not name one. */
    public String run() {
        return run;
    }

    /** The room plain text goes to, or {@code null} when we are in no room. */
    public String currentRoom() {
        return current;
    }

    /** The rooms we are in, in the order we joined them. */
    public List<String> rooms() {
        return roomsSnapshot;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Anything before the answer to this is the text greeting, which is skipped.
        ctx.writeAndFlush(FORMAT_JSON);
        welcomeTimer = ctx.executor().schedule(() -> {
            if (!welcome.isDone()) {
                welcome.completeExceptionally(new ChorusClientException(ChorusClientException.NO_WELCOME,
                        "no Chorus welcome from " + address + " within " + welcomeTimeout.toMillis()
                                + " ms (is it a Chorus chat port?)"));
                ctx.close();
            }
        }, welcomeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof String line) {
            onLine(line);
        } else if (msg instanceof LineTooLong tooLong) {
            deliver(new Event.Error(LineTooLong.CODE, "the server sent a " + tooLong.describe()));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onLine(String line) {
        if (!line.startsWith("{")) {
            if (welcome.isDone()) {
                deliver(new Event.Notice(line));
            }
            // Before the welcome: the text greeting, sent before our /format json arrived.
            return;
        }
        Event event;
        try {
            event = JsonEventDecoder.decode(line);
        } catch (MalformedEventException e) {
            log.debug("[{}] undecodable line from {}: {}", ctx.channel().id().asShortText(), address, e.getMessage());
            if (welcome.isDone()) {
                deliver(new Event.Notice(line));
            }
            return;
        }
        if (!welcome.isDone() && !(event instanceof Event.Welcome)) {
            // A room event that raced ahead of the welcome; the welcome's state covers it.
            return;
        }
        deliver(event);
    }

    private void deliver(Event event) {
        track(event);
        try {
            listener.accept(event);
        } catch (RuntimeException e) {
            log.warn("[{}] event listener failed on {}", ctx.channel().id().asShortText(), event.type(), e);
        }
        answer(event);
    }

    /** Keeps nick, rooms and current room in step with what the server says. */
    private void track(Event event) {
        if (event instanceof Event.Welcome w) {
            nick = w.nick();
            ownNicks.add(w.nick());
            server = w.server();
            run = w.run();
            if (!w.room().isEmpty()) {
                joined.add(w.room());
                current = w.room();
            }
            roomsChanged();
        } else if (event instanceof Event.NickChange n && n.room() == null && n.oldNick().equals(nick)) {
            nick = n.newNick();
            ownNicks.add(n.newNick());
        } else if (event instanceof Event.Join j && ownNicks.contains(j.nick())) {
            joined.add(j.room());
            current = j.room();
            roomsChanged();
        } else if (event instanceof Event.Leave l && ownNicks.contains(l.nick()) && !l.quit()) {
            joined.remove(l.room());
            if (l.room().equals(current)) {
                String last = null;
                for (String room : joined) {
                    last = room;
                }
                current = last;
            }
            roomsChanged();
        } else if (event instanceof Event.Notice n && n.is(NoticeKind.CURRENT_ROOM) && n.room() != null) {
            current = n.room();
        }
    }

    private void roomsChanged() {
        roomsSnapshot = List.copyOf(joined);
    }

    /** Completes the request this event answers, if any. */
    private void answer(Event event) {
        if (event instanceof Event.Welcome w) {
            if (welcomeTimer != null) {
                welcomeTimer.cancel(false);
            }
            welcome.complete(w);
        } else if (event instanceof Event.NickChange n && n.room() == null && n.newNick().equals(nick)) {
            completeNick(n.newNick());
        } else if (event instanceof Event.Notice n && n.is(NoticeKind.NICK_UNCHANGED)) {
            completeNick(n.nick() != null ? n.nick() : nick);
        } else if (event instanceof Event.Notice n && n.is(NoticeKind.CURRENT_ROOM) && n.room() != null) {
            complete(joinRequests, n.room());
        } else if (event instanceof Event.Join j && ownNicks.contains(j.nick())) {
            complete(joinRequests, j.room());
        } else if (event instanceof Event.Leave l && ownNicks.contains(l.nick()) && !l.quit()) {
            complete(leaveRequests, l.room());
        } else if (event instanceof Event.Pong p) {
            PingRequest ping = pings.remove(p.token());
            if (ping != null) {
                ping.future().complete(Duration.ofNanos(System.nanoTime() - ping.startNanos()));
            }
        } else if (event instanceof Event.Error e) {
            failFor(e);
        }
    }

    private void failFor(Event.Error error) {
        ErrorCode code = error.errorCode().orElse(null);
        if (code == null) {
            // A code newer than this client: whatever it refused, the listeners see it.
            return;
        }
        switch (code) {
            case NICK_TAKEN, INVALID_NICK -> {
                CompletableFuture<String> request = nickRequests.poll();
                if (request != null) {
                    request.completeExceptionally(ChorusClientException.of(error));
                }
            }
            case TOO_MANY_ROOMS, INVALID_ROOM -> {
                if (error.room() == null || !fail(joinRequests, error.room(), error)) {
                    // Join errors are immediate, so the oldest join still waiting is the one refused.
                    if (!joinRequests.isEmpty()) {
                        joinRequests.remove(0).future().completeExceptionally(ChorusClientException.of(error));
                    }
                }
            }
            case NOT_IN_ROOM -> {
                if (error.room() != null) {
                    fail(leaveRequests, error.room(), error);
                } else {
                    // A server that does not name the room: the refused leave is the oldest one for a
                    // room we are not in (a leave of a room we are in is never refused this way).
                    failFirstNotJoined(error);
                }
            }
            default -> {
                // Errors of fire-and-forget commands reach the listeners only.
            }
        }
    }

    private void failFirstNotJoined(Event.Error error) {
        for (Iterator<RoomRequest> it = leaveRequests.iterator(); it.hasNext(); ) {
            RoomRequest request = it.next();
            if (!joined.contains(request.room())) {
                it.remove();
                request.future().completeExceptionally(ChorusClientException.of(error));
                return;
            }
        }
    }

    private void completeNick(String value) {
        CompletableFuture<String> request = nickRequests.poll();
        if (request != null) {
            request.complete(value);
        }
    }

    private static void complete(List<RoomRequest> requests, String room) {
        for (Iterator<RoomRequest> it = requests.iterator(); it.hasNext(); ) {
            RoomRequest request = it.next();
            if (request.room().equals(room)) {
                it.remove();
                request.future().complete(null);
                return;
            }
        }
    }

    /** Fails the oldest request for {@code room}; false when there is none. */
    private static boolean fail(List<RoomRequest> requests, String room, Event.Error error) {
        for (Iterator<RoomRequest> it = requests.iterator(); it.hasNext(); ) {
            RoomRequest request = it.next();
            if (request.room().equals(room)) {
                it.remove();
                request.future().completeExceptionally(ChorusClientException.of(error));
                return true;
            }
        }
        return false;
    }

    // Requests: each runs on the event loop, registers what answers it, then writes the command.

    /** Writes one command line. Must run on the event loop. */
    public ChannelFuture write(String line) {
        return ctx.writeAndFlush(line);
    }

    /** Sends {@code /nick}; the future completes with the new nick. Must run on the event loop. */
    public void nick(String wanted, CompletableFuture<String> future) {
        if (checkOpen(future)) {
            if (wanted.equals(nick) && nickRequests.isEmpty()) {
                // Already ours and no change in flight: nothing for the server to do.
                future.complete(wanted);
                return;
            }
            nickRequests.add(future);
            write("/nick " + wanted);
        }
    }

    /** Sends {@code /join}; the future completes when we are in the room. Must run on the event loop. */
    public void join(String room, CompletableFuture<Void> future) {
        if (checkOpen(future)) {
            if (joined.contains(room) && !hasRequest(leaveRequests, room)) {
                // Already a member: the server only makes the room current, which it tells with a
                // current-room notice; we know the answer now, so complete without waiting for it.
                write("/join " + room);
                current = room;
                future.complete(null);
                return;
            }
            joinRequests.add(new RoomRequest(room, future));
            write("/join " + room);
        }
    }

    private static boolean hasRequest(List<RoomRequest> requests, String room) {
        for (RoomRequest request : requests) {
            if (request.room().equals(room)) {
                return true;
            }
        }
        return false;
    }

    /** Sends {@code /leave}; the future completes when we have left. Must run on the event loop. */
    public void leave(String room, CompletableFuture<Void> future) {
        if (checkOpen(future)) {
            leaveRequests.add(new RoomRequest(room, future));
            write("/leave " + room);
        }
    }

    /** Sends {@code /ping TOKEN}; the future completes with the round trip time. Must run on the event loop. */
    public void ping(String token, CompletableFuture<Duration> future) {
        if (checkOpen(future)) {
            pings.put(token, new PingRequest(System.nanoTime(), future));
            write("/ping " + token);
        }
    }

    private boolean checkOpen(CompletableFuture<?> future) {
        if (ctx.channel().isActive()) {
            return true;
        }
        future.completeExceptionally(closed());
        return false;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            tlsFailure = handshake.cause();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (tlsFailure == null && hasCause(cause, SSLException.class)) {
            tlsFailure = cause;
        }
        log.debug("[{}] connection to {} failed", ctx.channel().id().asShortText(), address, cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (welcomeTimer != null) {
            welcomeTimer.cancel(false);
        }
        if (!welcome.isDone()) {
            welcome.completeExceptionally(tlsFailure != null
                    ? new ChorusClientException(ChorusClientException.TLS_FAILED,
                            "TLS handshake with " + address + " failed: " + rootMessage(tlsFailure), tlsFailure)
                    : new ChorusClientException(ChorusClientException.NO_WELCOME,
                            "connection to " + address + " closed before the Chorus welcome (is it a Chorus chat port?)"));
        }
        ChorusClientException closed = closed();
        nickRequests.forEach(f -> f.completeExceptionally(closed));
        nickRequests.clear();
        joinRequests.forEach(r -> r.future().completeExceptionally(closed));
        joinRequests.clear();
        leaveRequests.forEach(r -> r.future().completeExceptionally(closed));
        leaveRequests.clear();
        pings.values().forEach(p -> p.future().completeExceptionally(closed));
        pings.clear();
        ctx.fireChannelInactive();
    }

    private ChorusClientException closed() {
        return new ChorusClientException(ChorusClientException.CLOSED, "connection to " + address + " closed");
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }
}
