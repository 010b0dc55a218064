package io.chorus.client;

/** A registered event listener; closing it unregisters the listener. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
