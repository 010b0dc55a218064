package io.chorus.client.cli;

import static java.util.Objects.requireNonNull;

import io.chorus.client.ChorusClient;
import io.chorus.client.ChorusClientException;
import io.chorus.client.ClientOptions;
import io.chorus.protocol.event.ErrorCode;
import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.NoticeKind;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The interactive chat client: takes a nick and rooms, sends what the user types, prints what happens,
 * and when the connection drops, reconnects and catches up without showing anything twice.
 *
 * <p>Catching up: every room message carries its room's sequence number. The client remembers the
 * last one it showed per room. After reconnecting it takes its nick back, rejoins its rooms and asks
 * {@code /history ROOM since LAST}. Live messages that arrive before that replay ends are held and
 * shown after it, skipping any the replay already showed. Then it reports the reconnect in one line:
 * whether the server restarted (its welcome names another run), and per room how many missed messages
 * it showed and whether that is all of them (the {@code complete} flag of the history reply). Message
 * ids keep increasing across server restarts, so the same {@code since} works after a restart too.
 *
 * <p>The client acts on event types, error codes, notice kinds and their {@code room}/{@code nick}
 * fields only, never on the server's sentences.
 *
 * <p>Threads: all connection state lives on one event loop ({@link #loop}); the input is read on its
 * own thread, which only sends lines and waits for a connection.
 */
public final class InteractiveChat {

    /** Exit code: done. */
    public static final int OK = 0;
    /** Exit code: could not connect, or the connection was lost for good. */
    public static final int CONNECTION_FAILED = 1;
    /** Exit code: the server refused the nick or a room asked for on the command line. */
    public static final int REFUSED = 3;

    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(30);
    private static final int NICK_RETRIES = 5;
    private static final Duration NICK_RETRY_DELAY = Duration.ofSeconds(1);

    /**
     * What to connect to and set up.
     *
     * @param nick the nick to take, or {@code null} to keep the guest nick
     * @param rooms rooms to join after connecting; the last one becomes current
     * @param linger how long to wait for the server to close after {@code /quit} at the end of input
     */
    public record Settings(ClientOptions client, String nick, List<String> rooms, Backoff backoff, Duration linger) {
        public Settings {
            requireNonNull(client, "client");
            rooms = List.copyOf(rooms);
            requireNonNull(backoff, "backoff");
            requireNonNull(linger, "linger");
        }
    }

    private enum Phase { SETUP, RESYNC, LIVE }

    /** One room being caught up after a reconnect. */
    private static final class Resync {
        /** The last id shown before the drop, or {@code null} when no message of the room was shown. */
        final Long before;
        final List<Event> held = new ArrayList<>();
        int shown;
        boolean complete = true;
        /** The room refused its history because the rejoin failed. */
        boolean failed;

        Resync(Long before) {
            this.before = before;
        }
    }

    private final Settings settings;
    private final Console console;
    private final PrintStream err;
    private final EventFormatter formatter;
    private final Clock clock;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private volatile CompletableFuture<ChorusClient> connection = new CompletableFuture<>();
    private volatile boolean quitting;
    /** Our own {@code /echo on} requests whose notice is still to come, and hidden. */
    private final AtomicInteger echoOnSent = new AtomicInteger();

    // Confined to the loop.
    private ChorusClient client;
    private Phase phase = Phase.SETUP;
    private String wantedNick;
    private List<String> wantedRooms = List.of();
    private String wantedCurrent;
    private final Set<String> ownNicks = new HashSet<>();
    private final Map<String, Long> lastIds = new HashMap<>();
    private final Map<String, Instant> joinedAt = new HashMap<>();
    private final Map<String, Resync> resyncing = new LinkedHashMap<>();
    private final Map<String, Resync> caughtUp = new LinkedHashMap<>();
    private int attempt;
    /** The server run of the last connection that went live; {@code null} when the server names none. */
    private String serverRun;
    /** True, false, or {@code null} when unknown: whether the connection being resynced found a new server run. */
    private Boolean restarted;

    public InteractiveChat(Settings settings, Console console, PrintStream err, EventFormatter formatter, Clock clock) {
        this.settings = settings;
        this.console = console;
        this.err = err;
        this.formatter = formatter;
        this.clock = clock;
    }

    /** Connects, sets up, then runs until the input ends or the user quits; returns the exit code. */
    public int run() throws InterruptedException {
        try {
            ChorusClient first;
            try {
                first = ChorusClient.connect(settings.client(), group, event -> loop.execute(() -> onEvent(event)))
                        .get(SETUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                err.println(message(e));
                return CONNECTION_FAILED;
            }
            String refused = setUp(first);
            if (refused != null) {
                boolean lost = !first.isActive();
                // A connection that dropped during set-up is a lost connection, not a refusal.
                err.println(lost ? "connection to " + settings.client().address() + " lost" : refused);
                first.close();
                return lost ? CONNECTION_FAILED : REFUSED;
            }
            Thread input = new Thread(this::readInput, "chorus-input");
            input.setDaemon(true);
            input.start();
            try {
                return exit.get();
            } catch (ExecutionException e) {
                err.println(message(e));
                return CONNECTION_FAILED;
            }
        } finally {
            console.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /** Takes the nick and joins the rooms of the settings; returns why the server refused, or null. */
    private String setUp(ChorusClient c) throws InterruptedException {
        String step = "set up the connection";
        try {
            echoOnSent.incrementAndGet();
            c.send("/echo on").get(SETUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (settings.nick() != null && !settings.nick().equals(c.nick())) {
                step = "take nick " + settings.nick();
                c.nick(settings.nick()).get(SETUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            for (String room : settings.rooms()) {
                step = "join #" + room;
                c.join(room).get(SETUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            return "cannot " + step + ": " + message(e);
        }
        CompletableFuture<Void> live = new CompletableFuture<>();
        loop.execute(() -> {
            Instant now = clock.instant();
            for (String room : c.rooms()) {
                joinedAt.putIfAbsent(room, now);
            }
            client = c;
            serverRun = c.serverRun();
            c.closeFuture().whenComplete((ignored, failure) -> loop.execute(() -> onClosed(c)));
            goLive(c);
            live.complete(null);
        });
        live.join();
        return null;
    }

    // ---- input thread

    private void readInput() {
        try {
            String line;
            while ((line = console.readLine()) != null) {
                String text = line.strip();
                if (text.isEmpty()) {
                    continue;
                }
                if (isCommand(text, "/format")) {
                    console.print(formatter.note("this client keeps the connection in JSON; start it with --json to print JSON events"));
                    continue;
                }
                boolean quit = isCommand(text, "/quit");
                if (quit) {
                    quitting = true;
                }
                if (!sendWhenConnected(text)) {
                    return;
                }
                if (quit) {
                    finishAfterQuit();
                    return;
                }
            }
            // End of input: leave politely, so the others see us quit and the server closes.
            quitting = true;
            ChorusClient c = connection.getNow(null);
            if (c != null && c.isActive()) {
                c.send("/quit");
                finishAfterQuit();
            } else {
                exit.complete(OK);
            }
        } catch (IOException e) {
            err.println("cannot read input: " + e.getMessage());
            exit.complete(CONNECTION_FAILED);
        }
    }

    /** Sends a line on the live connection, waiting through a reconnect; false once the client gave up. */
    private boolean sendWhenConnected(String line) {
        while (true) {
            ChorusClient c;
            try {
                c = connection.get();
            } catch (ExecutionException | InterruptedException e) {
                return false;
            }
            if (!c.isActive()) {
                // Dropped a moment ago; the loop is about to replace the connection.
                sleep(20);
                continue;
            }
            try {
                CompletableFuture<Void> written = c.send(line);
                if (!c.isWritable()) {
                    // The server is not keeping up: wait rather than queue without bound.
                    written.join();
                }
                return true;
            } catch (CompletionException e) {
                sleep(20);
            } catch (IllegalArgumentException e) {
                console.print(formatter.warning("usage", e.getMessage()));
                return true;
            }
        }
    }

    private void finishAfterQuit() {
        ChorusClient c = connection.getNow(null);
        if (c != null) {
            try {
                c.closeFuture().get(settings.linger().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                c.closeAsync();
            }
        }
        exit.complete(OK);
    }

    private static boolean isCommand(String text, String command) {
        String lower = text.toLowerCase(Locale.ROOT);
        return lower.equals(command) || lower.startsWith(command + " ");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- event loop: connection lifecycle

    private void goLive(ChorusClient c) {
        client = c;
        phase = Phase.LIVE;
        attempt = 0;
        ownNicks.clear();
        connection.complete(c);
    }

    private void onClosed(ChorusClient closed) {
        if (closed != client) {
            return;
        }
        if (phase == Phase.LIVE) {
            wantedNick = closed.nick();
            wantedRooms = closed.rooms();
            wantedCurrent = closed.currentRoom();
        }
        client = null;
        if (connection.isDone()) {
            connection = new CompletableFuture<>();
        }
        if (quitting) {
            exit.complete(OK);
            return;
        }
        if (settings.backoff().attempts() == 0) {
            giveUp("connection to " + settings.client().address() + " lost");
            return;
        }
        console.print(formatter.warning("connection-lost",
                "connection to " + settings.client().address() + " lost; reconnecting"));
        attempt = 0;
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        attempt++;
        if (attempt > settings.backoff().attempts()) {
            giveUp("connection to " + settings.client().address() + " lost; gave up after "
                    + settings.backoff().attempts() + " reconnect attempts");
            return;
        }
        loop.schedule(this::reconnect, settings.backoff().delay(attempt).toMillis(), TimeUnit.MILLISECONDS);
    }

    private void giveUp(String why) {
        err.println(why);
        connection.completeExceptionally(new ChorusClientException(ChorusClientException.CLOSED, why));
        exit.complete(CONNECTION_FAILED);
    }

    private void reconnect() {
        if (quitting) {
            exit.complete(OK);
            return;
        }
        phase = Phase.RESYNC;
        ownNicks.clear();
        ChorusClient.connect(settings.client(), group, event -> loop.execute(() -> onEvent(event)))
                .whenComplete((c, failure) -> loop.execute(() -> {
                    if (failure != null) {
                        scheduleReconnect();
                    } else {
                        resync(c);
                    }
                }));
    }

    /** Takes the nick back, rejoins the rooms (the current one last) and asks each for what was missed. */
    private void resync(ChorusClient c) {
        client = c;
        // Against the last run that went live, so a restart is still reported if this attempt drops mid-resync.
        String run = c.serverRun();
        restarted = serverRun == null || run == null ? null : !serverRun.equals(run);
        c.closeFuture().whenComplete((ignored, failure) -> loop.execute(() -> onClosed(c)));
        ownNicks.add(c.nick());
        if (wantedNick != null && !wantedNick.equals(c.nick())) {
            ownNicks.add(wantedNick);
            takeNickBack(c, 1);
        }
        List<String> order = new ArrayList<>(wantedRooms);
        if (wantedCurrent != null && order.remove(wantedCurrent)) {
            order.add(wantedCurrent);
        }
        for (String room : order) {
            if (!c.rooms().contains(room) || room.equals(wantedCurrent)) {
                c.join(room);
            }
        }
        for (String room : c.rooms()) {
            if (!wantedRooms.contains(room)) {
                c.leave(room);
            }
        }
        echoOnSent.incrementAndGet();
        c.send("/echo on");
        resyncing.clear();
        caughtUp.clear();
        for (String room : wantedRooms) {
            Long last = lastIds.get(room);
            resyncing.put(room, new Resync(last));
            c.send("/history " + room + " since " + (last == null ? 0 : last));
        }
        if (resyncing.isEmpty()) {
            finishResync();
        }
    }

    private void takeNickBack(ChorusClient c, int tries) {
        c.nick(wantedNick).whenComplete((nick, failure) -> loop.execute(() -> {
            if (failure == null || c != client || !c.isActive()) {
                return;
            }
            if (tries < NICK_RETRIES) {
                loop.schedule(() -> takeNickBack(c, tries + 1), NICK_RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                console.print(formatter.warning("nick-taken", "could not take nick " + wantedNick + " back ("
                        + message(failure) + "); you are " + c.nick()));
            }
        }));
    }

    /** Prints the one line that explains the reconnect, then goes live. */
    private void finishResync() {
        List<String> report = new ArrayList<>();
        boolean gap = false;
        for (Map.Entry<String, Resync> entry : caughtUp.entrySet()) {
            report.add(describe("#" + entry.getKey(), entry.getValue()));
            gap |= !entry.getValue().complete;
        }
        caughtUp.clear();
        String line = "reconnected to " + settings.client().address() + " as " + client.nick()
                + (Boolean.TRUE.equals(restarted) ? " (the server restarted)" : "")
                + (report.isEmpty() ? "" : "; " + String.join(", ", report));
        console.print(gap ? formatter.warning("gap", line) : formatter.note(line));
        serverRun = client.serverRun();
        goLive(client);
    }

    /** One room's part of the reconnect line, e.g. {@code #dev 3 missed} or {@code #dev 2 missed, earlier messages are lost}. */
    private static String describe(String room, Resync resync) {
        if (resync.failed) {
            return room + " could not be rejoined";
        }
        String shown = resync.shown == 0 ? "nothing missed" : resync.shown + " missed";
        if (resync.complete) {
            return room + " " + shown;
        }
        // The server could not vouch for the whole gap: older messages were dropped, or the gap spans a restart.
        return room + " " + (resync.shown == 0 ? "nothing recovered" : resync.shown + " missed")
                + ", earlier messages are lost";
    }

    // ---- event loop: events

    private void onEvent(Event event) {
        if (event instanceof Event.Message m) {
            onRoomMessage(m.room(), m.id(), m.ts(), m.replay(), m.from(), event);
            return;
        }
        if (event instanceof Event.Action a) {
            onRoomMessage(a.room(), a.id(), a.ts(), a.replay(), a.from(), event);
            return;
        }
        if (event instanceof Event.HistoryEnd h && resyncing.containsKey(h.room())) {
            endResync(h.room(), h.complete(), h.lastId());
            return;
        }
        if (event instanceof Event.Error e && e.is(ErrorCode.NOT_IN_ROOM) && phase == Phase.RESYNC) {
            String room = refusedHistory(e);
            if (room != null) {
                Resync resync = resyncing.remove(room);
                resync.failed = true;
                resync.complete = false;
                caughtUp.put(room, resync);
                if (resyncing.isEmpty()) {
                    finishResync();
                }
                return;
            }
        }
        if (event instanceof Event.Welcome w) {
            ownNicks.add(w.nick());
        } else if (event instanceof Event.Join j) {
            console.rememberNick(j.nick());
        } else if (event instanceof Event.NickChange n) {
            console.rememberNick(n.newNick());
        }
        if (hidden(event)) {
            return;
        }
        print(event);
    }

    /**
     * The room whose {@code /history} a not-in-room error refused: the error's room, or, from a server
     * that does not name it, the first room being caught up that the connection is not in.
     */
    private String refusedHistory(Event.Error error) {
        if (error.room() != null) {
            return resyncing.containsKey(error.room()) ? error.room() : null;
        }
        for (String room : resyncing.keySet()) {
            if (client != null && !client.rooms().contains(room)) {
                return room;
            }
        }
        return null;
    }

    /** The client's own bookkeeping answers, which the user did not ask for. */
    private boolean hidden(Event event) {
        if (event instanceof Event.Notice n && n.is(NoticeKind.ECHO_ON) && echoOnSent.get() > 0) {
            echoOnSent.decrementAndGet();
            return true;
        }
        if (phase != Phase.RESYNC) {
            return false;
        }
        return event instanceof Event.Welcome
                || event instanceof Event.Join j && ownNicks.contains(j.nick())
                || event instanceof Event.Leave l && ownNicks.contains(l.nick())
                || event instanceof Event.NickChange n && n.room() == null && ownNicks.contains(n.oldNick())
                || event instanceof Event.Notice n && n.is(NoticeKind.CURRENT_ROOM)
                || event instanceof Event.Error e && e.is(ErrorCode.NICK_TAKEN);
    }

    private void onRoomMessage(String room, long id, Instant ts, boolean replay, String from, Event event) {
        console.rememberNick(from);
        Resync resync = resyncing.get(room);
        if (resync != null) {
            if (!replay) {
                resync.held.add(event);
                return;
            }
            boolean missed = resync.before != null
                    ? id > resync.before
                    : !ts.isBefore(joinedAt.getOrDefault(room, Instant.EPOCH));
            lastIds.merge(room, id, Math::max);
            if (missed) {
                resync.shown++;
                print(event);
            }
            return;
        }
        if (!replay) {
            // Live ids only grow, across server restarts too; the latest is what a resume asks after.
            lastIds.put(room, id);
        } else {
            lastIds.merge(room, id, Math::max);
        }
        joinedAt.putIfAbsent(room, clock.instant());
        print(event);
    }

    private void endResync(String room, boolean complete, long replayedThrough) {
        Resync resync = resyncing.remove(room);
        resync.complete = complete;
        // Held live messages came after the rejoin; the replay may have shown the first of them already.
        for (Event held : resync.held) {
            long id = idOf(held);
            if (id > replayedThrough) {
                lastIds.put(room, id);
                print(held);
            }
        }
        caughtUp.put(room, resync);
        if (resyncing.isEmpty()) {
            finishResync();
        }
    }

    private static long idOf(Event event) {
        return event instanceof Event.Message m ? m.id() : ((Event.Action) event).id();
    }

    private void print(Event event) {
        String me = client == null ? null : client.nick();
        for (String line : formatter.format(event, me)) {
            console.print(line);
        }
    }

    /** The user-facing sentence of a failure, without the exception wrappers. */
    static String message(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof TimeoutException) {
            return "no answer within " + SETUP_TIMEOUT.toSeconds() + " s";
        }
        return String.valueOf(cause.getMessage());
    }
}
