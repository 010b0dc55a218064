package io.chorus.server.http;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicReference;

/**
 * What {@code /health} reports: up, degraded (serving, with a reason), or draining (shutting down,
 * answered with 503 so a load balancer stops sending new users). Draining is final. Thread-safe; one
 * instance per server, set by {@link io.chorus.server.ChorusServer} and later by the cluster link.
 */
public final class HealthStatus {

    /** The states, with the word {@code /health} shows. */
    public enum State {
        UP("up"), DEGRADED("degraded"), DRAINING("draining");

        private final String word;

        State(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    /** One state with the reason shown next to it (empty when up). */
    public record Snapshot(State state, String reason) {
    }

    private final AtomicReference<Snapshot> current = new AtomicReference<>(new Snapshot(State.UP, ""));

    public Snapshot snapshot() {
        return current.get();
    }

    public State state() {
        return current.get().state();
    }

    /** Back to up, unless draining. */
    public void up() {
        current.getAndUpdate(s -> s.state() == State.DRAINING ? s : new Snapshot(State.UP, ""));
    }

    /** Still serving, but something it depends on is unwell; unless draining. */
    public void degraded(String reason) {
        requireNonNull(reason, "reason");
        current.getAndUpdate(s -> s.state() == State.DRAINING ? s : new Snapshot(State.DEGRADED, reason));
    }

    /** The server is shutting down; nothing changes the state after this. */
    public void draining() {
        current.set(new Snapshot(State.DRAINING, "shutting down"));
    }
}
