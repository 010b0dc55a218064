package io.chorus.server.adversarial;

import io.chorus.testing.LineClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Reads every line a client receives on a daemon thread, so a client that is busy sending (or a
 * test that is busy elsewhere) never stops reading and is never cut off as a slow consumer.
 */
final class Inbox implements AutoCloseable {

    private static final Arrival EOF = new Arrival("<eof>", 0);

    private final LineClient client;
    private final LinkedBlockingQueue<Arrival> queue = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Thread reader;
    private volatile IOException failure;

    private Inbox(LineClient client, String name) {
        this.client = client;
        this.reader = new Thread(this::readAll, "inbox-" + name);
        reader.setDaemon(true);
    }

    /** Starts reading {@code client}; the client's socket timeout is lifted, reads end at EOF or close. */
    static Inbox of(LineClient client, String name) throws IOException {
        client.timeout(Duration.ZERO);
        Inbox inbox = new Inbox(client, name);
        inbox.reader.start();
        return inbox;
    }

    private void readAll() {
        try {
            String line;
            while ((line = client.readLine()) != null) {
                queue.add(new Arrival(line, System.nanoTime()));
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            queue.add(EOF);
        }
    }

    LineClient client() {
        return client;
    }

    Inbox send(String line) throws IOException {
        client.send(line);
        return this;
    }

    /** The next line matching {@code wanted}; lines before it are kept in {@link #seen()}. Fails on EOF or timeout. */
    String await(Predicate<String> wanted, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (true) {
            Arrival arrival = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (arrival == null) {
                throw new AssertionError("no matching line within " + atMost + "; last lines: " + tail());
            }
            if (arrival == EOF) {
                queue.add(EOF);
                throw new AssertionError("connection closed before a matching line ("
                        + (failure == null ? "EOF" : failure) + "); last lines: " + tail());
            }
            String line = arrival.line();
            synchronized (seen) {
                seen.add(line);
            }
            if (wanted.test(line)) {
                return line;
            }
        }
    }

    String awaitContaining(String fragment) throws InterruptedException {
        return await(line -> line.contains(fragment), Duration.ofSeconds(20));
    }

    /** Waits for EOF (or a reset); the lines before it are kept in {@link #seen()}. */
    boolean awaitClosed(Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (true) {
            Arrival arrival = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (arrival == null) {
                return false;
            }
            if (arrival == EOF) {
                queue.add(EOF);
                return true;
            }
            synchronized (seen) {
                seen.add(arrival.line());
            }
        }
    }

    /** Takes lines until none has arrived for {@code quiet}; returns them (they are also kept in {@link #seen()}). */
    List<String> drainUntilQuiet(Duration quiet) throws InterruptedException {
        return drainArrivalsUntilQuiet(quiet).stream().map(Arrival::line).toList();
    }

    /** Like {@link #drainUntilQuiet}, with the {@link System#nanoTime()} at which each line arrived. */
    List<Arrival> drainArrivalsUntilQuiet(Duration quiet) throws InterruptedException {
        List<Arrival> taken = new ArrayList<>();
        while (true) {
            Arrival arrival = queue.poll(quiet.toNanos(), TimeUnit.NANOSECONDS);
            if (arrival == null) {
                return taken;
            }
            if (arrival == EOF) {
                queue.add(EOF);
                return taken;
            }
            synchronized (seen) {
                seen.add(arrival.line());
            }
            taken.add(arrival);
        }
    }

    /** One line and when the reader thread got it. */
    record Arrival(String line, long nanos) {
    }

    /** Every line taken so far by {@link #await} or {@link #awaitClosed}, in order. */
    List<String> seen() {
        synchronized (seen) {
            return new ArrayList<>(seen);
        }
    }

    private String tail() {
        List<String> all = seen();
        return all.subList(Math.max(0, all.size() - 5), all.size()).toString();
    }

    @Override
    public void close() throws IOException {
        client.close();
    }
}
