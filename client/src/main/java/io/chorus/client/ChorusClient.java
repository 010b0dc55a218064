package io.chorus.client;

import static java.util.Objects.requireNonNull;

import io.chorus.client.chat.ChatClientHandler;
import io.chorus.client.chat.ChatClientInitializer;
import io.chorus.client.line.ConnectFailure;
import io.chorus.protocol.command.Names;
import io.chorus.protocol.event.Event;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * An asynchronous connection to a Chorus chat server that speaks the JSON event protocol.
 *
 * <pre>{@code
 * ChorusClient.connect(ClientOptions.of("localhost", 7000), event -> {
 *     if (event instanceof Event.Message m) {
 *         System.out.println(m.from() + " in #" + m.room() + ": " + m.text());
 *     }
 * }).thenCompose(client -> client.nick("alice")
 *         .thenCompose(nick -> client.join("dev"))
 *         .thenCompose(joined -> client.say("hello, #dev"))
 *         .thenApply(sent -> client))
 *   .join()
 *   .close();
 * }</pre>
 *
 * <p>Everything runs on one Netty event loop. Listeners and the stages of the returned futures that
 * are added before completion run on that loop, so they must not block; move slow work elsewhere
 * with the {@code ...Async} stages. Calling {@code join()} or {@code get()} on a future from inside a
 * listener would block the loop that completes it. Every method is safe to call from any thread, and
 * commands are written in the order they are called.
 *
 * <p>Answers the server gives later than others (joins, leaves, room messages) are not ordered
 * against the immediate ones (pongs, nick changes, errors): the futures match answers by content,
 * not by position. A failed request completes its future with a {@link ChorusClientException} whose
 * {@code code()} is the server's error code, such as {@code nick-taken}; every error also reaches the
 * listeners as an {@link Event.Error}.
 */
public final class ChorusClient implements AutoCloseable {

    private static final Logger log = LogManager.getLogger(ChorusClient.class);

    private final ClientOptions options;
    private final Channel channel;
    private final ChatClientHandler handler;
    private final List<Consumer<? super Event>> listeners;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicLong pingTokens = new AtomicLong();

    private ChorusClient(ClientOptions options, Channel channel, ChatClientHandler handler,
                         List<Consumer<? super Event>> listeners) {
        this.options = options;
        this.channel = channel;
        this.handler = handler;
        this.listeners = listeners;
    }

    /** Connects on a new single-thread event loop, shut down when the connection closes. */
    public static CompletableFuture<ChorusClient> connect(ClientOptions options) {
        return connect(options, null, null);
    }

    /**
     * Connects on a new single-thread event loop with a listener that sees every event from the
     * welcome on, including the events that arrive before the returned future completes.
     */
    public static CompletableFuture<ChorusClient> connect(ClientOptions options, Consumer<? super Event> listener) {
        return connect(options, null, listener);
    }

    /**
     * Connects and completes once the server has welcomed the connection.
     *
     * @param group the event loops to run on, which the caller keeps and shuts down; {@code null} for
     *              a new single-thread group owned by this client
     * @param listener receives every event from the welcome on, or {@code null}
     * @return completes with the connected client, or fails with a {@link ChorusClientException}
     *         whose message is one line for the user, e.g. {@code cannot connect to localhost:7000:
     *         connection refused}
     */
    public static CompletableFuture<ChorusClient> connect(ClientOptions options, EventLoopGroup group,
                                                          Consumer<? super Event> listener) {
        requireNonNull(options, "options");
        CompletableFuture<ChorusClient> result = new CompletableFuture<>();
        SslContext sslContext;
        try {
            sslContext = options.tls() == null ? null : options.tls().newContext();
        } catch (SSLException e) {
            result.completeExceptionally(new ChorusClientException(ChorusClientException.TLS_FAILED,
                    "cannot set up TLS: " + e.getMessage(), e));
            return result;
        }
        boolean ownGroup = group == null;
        EventLoopGroup loops = ownGroup ? new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()) : group;
        List<Consumer<? super Event>> listeners = new CopyOnWriteArrayList<>();
        if (listener != null) {
            listeners.add(listener);
        }
        ChatClientHandler handler = new ChatClientHandler(options.address(), options.welcomeTimeout(),
                event -> dispatch(listeners, event));
        ChannelFuture connect = new Bootstrap()
                .group(loops)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        options.connectTimeout().toMillis()))
                .handler(new ChatClientInitializer(sslContext, options.host(), options.port(),
                        options.maxLineBytes(), handler))
                .connect(options.host(), options.port());
        ChorusClient client = new ChorusClient(options, connect.channel(), handler, listeners);
        connect.channel().closeFuture().addListener(f -> {
            client.closed.complete(null);
            if (ownGroup) {
                loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        });
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new ChorusClientException(ChorusClientException.CONNECT_FAILED,
                        ConnectFailure.describe(options.host(), options.port(), f.cause()), f.cause()));
                if (ownGroup) {
                    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
            }
        });
        handler.welcome().whenComplete((welcome, failure) -> {
            if (failure == null) {
                result.complete(client);
            } else {
                result.completeExceptionally(failure);
            }
        });
        return result;
    }

    private static void dispatch(List<Consumer<? super Event>> listeners, Event event) {
        for (Consumer<? super Event> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                log.warn("event listener failed on {} event", event.type(), e);
            }
        }
    }

    /** Adds a listener for the events that arrive from now on; it runs on the event loop and must not block. */
    public Subscription onEvent(Consumer<? super Event> listener) {
        requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public ClientOptions options() {
        return options;
    }

    /** Our nick as the server last confirmed it. */
    public String nick() {
        return handler.nick();
    }

    /** The server's name from its welcome. */
    public String serverName() {
        return handler.server();
    }

    /**
     * The server run named in the welcome, or {@code null} from a server that names none. Two
     * connections with different runs were served by different starts of the server.
     */
    public String serverRun() {
        return handler.run();
    }

    /** The room plain text goes to, or {@code null} when we are in none. */
    public String currentRoom() {
        return handler.currentRoom();
    }

    /** The rooms we are in, in the order we joined them (the server puts every new connection in a lobby). */
    public List<String> rooms() {
        return handler.rooms();
    }

    public boolean isActive() {
        return channel.isActive();
    }

    /** False while the connection's outbound buffer is above its high water mark; see {@link #channel()}. */
    public boolean isWritable() {
        return channel.isWritable();
    }

    /** The Netty channel, for writability and low-level hooks. Do not change its pipeline. */
    public Channel channel() {
        return channel;
    }

    /** Completes when the connection has closed, for whatever reason. */
    public CompletableFuture<Void> closeFuture() {
        return closed;
    }

    /**
     * Sends one line as the user would type it: a command such as {@code /who} or text to say.
     *
     * @return completes when the line is written to the socket
     * @throws IllegalArgumentException if the line holds a line break
     */
    public CompletableFuture<Void> send(String line) {
        requireNonNull(line, "line");
        if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a line must not contain CR or LF");
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        onLoop(written, () -> handler.write(line).addListener(f -> {
            if (f.isSuccess()) {
                written.complete(null);
            } else {
                written.completeExceptionally(closedException(f.cause()));
            }
        }));
        return written;
    }

    /** Says {@code text} in the current room, even when it starts with {@code /}. */
    public CompletableFuture<Void> say(String text) {
        return send(text.startsWith("/") ? "/" + text : text);
    }

    /** Acts ({@code /me}) in the current room. */
    public CompletableFuture<Void> me(String text) {
        return send("/me " + text);
    }

    /**
     * Sends a private message. A nick that is not connected is answered with a {@code no-such-nick}
     * error event; the future only says the line was written.
     */
    public CompletableFuture<Void> msg(String nick, String text) {
        if (!Names.isValidNick(nick)) {
            return CompletableFuture.failedFuture(new ChorusClientException("invalid-nick", Names.NICK_RULE));
        }
        return send("/msg " + nick + " " + text);
    }

    /** Changes nick; completes with the new nick, or fails with {@code nick-taken} or {@code invalid-nick}. */
    public CompletableFuture<String> nick(String wanted) {
        CompletableFuture<String> future = new CompletableFuture<>();
        if (!Names.isValidNick(wanted)) {
            future.completeExceptionally(new ChorusClientException("invalid-nick", Names.NICK_RULE));
            return future;
        }
        onLoop(future, () -> handler.nick(wanted, future));
        return future;
    }

    /**
     * Joins a room (with or without {@code #}) and makes it current; completes once we are in it, or
     * fails with {@code invalid-room} or {@code too-many-rooms}.
     */
    public CompletableFuture<Void> join(String room) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        if (!Names.isValidRoom(room)) {
            future.completeExceptionally(new ChorusClientException("invalid-room", Names.ROOM_RULE));
            return future;
        }
        String name = Names.normalizeRoom(room);
        onLoop(future, () -> handler.join(name, future));
        return future;
    }

    /** Leaves a room; completes once we are out of it, or fails with {@code not-in-room}. */
    public CompletableFuture<Void> leave(String room) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        if (!Names.isValidRoom(room)) {
            future.completeExceptionally(new ChorusClientException("invalid-room", Names.ROOM_RULE));
            return future;
        }
        String name = Names.normalizeRoom(room);
        onLoop(future, () -> handler.leave(name, future));
        return future;
    }

    /** Pings the server; completes with the round trip time. */
    public CompletableFuture<Duration> ping() {
        CompletableFuture<Duration> future = new CompletableFuture<>();
        String token = "c" + pingTokens.incrementAndGet();
        onLoop(future, () -> handler.ping(token, future));
        return future;
    }

    /** Sends {@code /quit}; completes once the server has closed the connection. */
    public CompletableFuture<Void> quit(String reason) {
        send(reason == null || reason.isBlank() ? "/quit" : "/quit " + reason);
        return closed;
    }

    /** Closes the connection without a goodbye; completes when it is closed. */
    public CompletableFuture<Void> closeAsync() {
        channel.close();
        return closed;
    }

    /** Closes the connection and waits for it; when the client owns its event loop, that is shut down too. */
    @Override
    public void close() {
        closeAsync().join();
    }

    private void onLoop(CompletableFuture<?> future, Runnable task) {
        if (!channel.isActive()) {
            future.completeExceptionally(closedException(null));
            return;
        }
        try {
            channel.eventLoop().execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            future.completeExceptionally(closedException(e));
        }
    }

    private ChorusClientException closedException(Throwable cause) {
        return new ChorusClientException(ChorusClientException.CLOSED,
                "connection to " + options.address() + " closed", cause);
    }
}
