package io.chorus.client.cli;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.JsonEventEncoder;
import io.chorus.protocol.event.NoticeKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One run of a small chat server that keeps the restart contract of docs/PROTOCOL.md to the letter: its
 * welcome names its run, its message ids start above every id of earlier runs, and {@code /history
 * ROOM since ID} with an id from before this run replays what this run holds with {@code complete:false}.
 *
 * <p>It lets the client's restart report be tested on its own, whatever the real server of this
 * branch does; the same scenario against the real {@code ChorusServer} is in {@link ReconnectTest}.
 * It speaks only the JSON the client uses, through the protocol module's encoder. One thread per
 * connection; the room state is guarded by this object's lock.
 */
final class ContractChatServer implements AutoCloseable {

    private final ServerSocket listener;
    private final String run;
    private final long firstId;
    private long nextId;
    private final AtomicInteger guests = new AtomicInteger();
    private final List<Event> history = new ArrayList<>();
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private final class Connection {
        final Socket socket;
        final OutputStream out;
        final Set<String> rooms = new LinkedHashSet<>();
        String nick;
        boolean echo;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
        }

        void send(Event event) {
            try {
                out.write(JsonEventEncoder.INSTANCE.encodeToString(event).getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                close(socket);
            }
        }
    }

    /**
     * @param port the port to listen on, 0 for any; a restart binds the port of the run before
     * @param firstId the id of this run's first message, above every id of earlier runs
     */
    ContractChatServer(String run, int port, long firstId) throws IOException {
        this.run = run;
        this.firstId = firstId;
        this.nextId = firstId;
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        acceptor = new Thread(this::accept, "contract-server-" + run);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Someone not connected here says {@code text} in {@code room}, as if over another port. */
    synchronized void say(String room, String from, String text) {
        Event.Message message = new Event.Message(room, from, text, nextId++, Instant.now(), false);
        history.add(message);
        for (Connection c : connections) {
            if (c.rooms.contains(room)) {
                c.send(message);
            }
        }
    }

    /** Drops every connection while the run goes on: a network failure, not a restart. */
    void cutConnections() {
        for (Connection c : connections) {
            close(c.socket);
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                Connection c = new Connection(socket);
                connections.add(c);
                Thread reader = new Thread(() -> serve(c), "contract-connection");
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                // Closed: this run is over.
            }
        }
    }

    private void serve(Connection c) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(c.socket.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (this) {
                    handle(c, line);
                }
            }
        } catch (IOException e) {
            // Dropped.
        } finally {
            connections.remove(c);
            close(c.socket);
        }
    }

    private void handle(Connection c, String line) {
        String[] words = line.split(" ");
        switch (words[0]) {
            case "/format" -> {
                c.nick = "guest-" + guests.incrementAndGet();
                c.rooms.add("lobby");
                c.send(new Event.Welcome(c.nick, "lobby", "contract", run));
            }
            case "/echo" -> {
                c.echo = true;
                c.send(Event.Notice.of(NoticeKind.ECHO_ON, "echo is on"));
            }
            case "/nick" -> {
                String old = c.nick;
                c.nick = words[1];
                c.send(new Event.NickChange(null, old, c.nick));
            }
            case "/join" -> {
                if (c.rooms.add(words[1])) {
                    c.send(new Event.Join(words[1], c.nick));
                } else {
                    c.send(Event.Notice.of(NoticeKind.CURRENT_ROOM, "#" + words[1] + " is now your current room",
                            words[1], null));
                }
            }
            case "/history" -> history(c, words[1], Long.parseLong(words[3]));
            case "/quit" -> {
                c.send(Event.Notice.of(NoticeKind.BYE, "bye"));
                close(c.socket);
            }
            default -> {
                String room = c.rooms.stream().reduce((a, b) -> b).orElseThrow();
                Event.Message message = new Event.Message(room, c.nick, line, nextId++, Instant.now(), false);
                history.add(message);
                for (Connection other : connections) {
                    if (other.rooms.contains(room) && (other != c || c.echo)) {
                        other.send(message);
                    }
                }
            }
        }
    }

    private void history(Connection c, String room, long since) {
        int count = 0;
        long first = 0;
        long last = 0;
        for (Event event : history) {
            Event.Message m = (Event.Message) event;
            if (m.room().equals(room) && m.id() > since) {
                c.send(m.asReplay());
                count++;
                first = first == 0 ? m.id() : first;
                last = m.id();
            }
        }
        // An id from an earlier run: what that run held after it is gone, so the gap is not complete.
        boolean complete = since == 0 || since >= firstId - 1;
        c.send(new Event.HistoryEnd(room, complete, count, first, last));
    }

    @Override
    public void close() throws IOException {
        listener.close();
        try {
            // The JDK closes a listening socket for good only once the thread blocked in accept has
            // left it; until then the port cannot be bound again by the next run.
            acceptor.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cutConnections();
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
