package io.chorus.bench.load;

import org.HdrHistogram.Histogram;

/**
 * A latency breakdown per message, for one event loop's subscribers: when the first of them got the
 * message and when the last did. "First" is the server's pick-up and hand-off before it starts writing
 * (hops between its threads, queueing); "last minus first" is how long the fan-out itself took.
 *
 * <p>Only messages of publisher 0 published in the measured window count. A message is finished when
 * its ring slot is taken by a newer one ({@value #RING} messages later) or at the end of the run;
 * deliveries of a message older than its slot's current one are counted as late and left out. Confined
 * to the loop's thread, except {@link #finish()}, which runs on the loop too, after the run.
 */
final class MessageSpread {

    /** Messages tracked at once: {@value}. At 16,000 msg/s that is 4 s of messages. */
    static final int RING = 1 << 16;

    private final int[] seq = new int[RING];
    private final long[] sent = new long[RING];
    private final long[] first = new long[RING];
    private final long[] last = new long[RING];
    private final boolean[] counts = new boolean[RING];
    private final boolean[] used = new boolean[RING];
    final Histogram firstLatency = new Histogram(3);
    final Histogram lastLatency = new Histogram(3);
    final Histogram spread = new Histogram(3);
    long late;

    /** One delivery of message {@code sequence} of publisher 0, sent at {@code sentNanos}, read at {@code now}. */
    void delivered(int sequence, long sentNanos, long now, boolean inWindow) {
        int slot = sequence & (RING - 1);
        if (used[slot] && seq[slot] == sequence) {
            first[slot] = Math.min(first[slot], now);
            last[slot] = Math.max(last[slot], now);
            return;
        }
        if (used[slot] && sequence < seq[slot]) {
            late++;
            return;
        }
        close(slot);
        used[slot] = true;
        seq[slot] = sequence;
        sent[slot] = sentNanos;
        first[slot] = now;
        last[slot] = now;
        counts[slot] = inWindow;
    }

    private void close(int slot) {
        if (used[slot] && counts[slot]) {
            firstLatency.recordValue(Math.max(0, first[slot] - sent[slot]));
            lastLatency.recordValue(Math.max(0, last[slot] - sent[slot]));
            spread.recordValue(Math.max(0, last[slot] - first[slot]));
        }
        used[slot] = false;
    }

    /** Closes every message still open; call on the loop once deliveries have stopped. */
    void finish() {
        for (int slot = 0; slot < RING; slot++) {
            close(slot);
        }
    }
}
