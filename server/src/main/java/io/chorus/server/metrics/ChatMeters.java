package io.chorus.server.metrics;

/**
 * What the chat core reports, as it sees it: the chat half of {@link ChorusMetrics}, with a
 * {@link #NONE} that counts nothing for unit tests that build rooms without a server. Every method is
 * thread-safe and cheap.
 */
public interface ChatMeters {

    /** Counts nothing. */
    ChatMeters NONE = new ChatMeters() {
    };

    /** One chat message (room message, action, private message, or API publish) accepted. */
    default void messageIn() {
    }

    /** {@code count} events written to chat members (deliveries and replies). */
    default void messagesOut(long count) {
    }

    /** One room event handed to {@code members} members. */
    default void fanOut(long members) {
    }

    /** A member cut off as a slow consumer. */
    default void slowConsumerCutoff() {
    }

    /** A line (or API publish) refused by the rate limit. */
    default void rateLimitedLine() {
    }

    /** An error event sent to a client. */
    default void error(String code) {
    }

    /** Bytes added to (positive) or dropped from (negative) room histories. */
    default void historyBytes(long delta) {
    }
}
