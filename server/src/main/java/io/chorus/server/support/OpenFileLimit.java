package io.chorus.server.support;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process's open-file limit, and how many connections fit under it once the server's own
 * descriptors are set aside; this is where the default {@code --max-connections} comes from.
 *
 * <p>Every TCP connection holds one descriptor. Measured on a 2-core machine, an idle server with all
 * five TCP listeners, UDP echo and TLS holds 30: 15 for the JVM (its jar, modules, /dev/random, stdio,
 * a log file) and 3 for each of its 5 event loops (epoll, eventfd, timerfd). {@link #RESERVE_BASE} covers
 * the first kind with room for Redis connections, log files and certificates read at start, and
 * {@link #RESERVE_PER_LOOP} the second, for up to 2 x cores loops plus the accept loop (twice the default, so a larger --threads still fits).
 */
public final class OpenFileLimit {

    /** Descriptors kept back for the JVM, listeners, logs and Redis: {@value}. */
    public static final int RESERVE_BASE = 64;
    /** Descriptors each event loop holds (epoll, eventfd, timerfd): {@value}. */
    public static final int RESERVE_PER_LOOP = 3;
    /** The default limit where the open-file limit cannot be read (a JVM without Unix extensions): {@value}. */
    public static final int FALLBACK_MAX_CONNECTIONS = 10_000;

    private OpenFileLimit() {
    }

    /** The open-file limit of this process, or -1 where the JVM cannot tell. */
    public static long current() {
        try {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
                return unix.getMaxFileDescriptorCount();
            }
        } catch (LinkageError e) {
            // A runtime built without the jdk.management module has no UnixOperatingSystemMXBean.
        }
        return -1;
    }

    /** Descriptors set aside for everything but connections with the default number of event loops. */
    public static int reserve() {
        int loops = 2 * Runtime.getRuntime().availableProcessors() + 1;
        return RESERVE_BASE + RESERVE_PER_LOOP * loops;
    }

    /**
     * Connections that fit under {@code openFileLimit}: the limit less {@link #reserve()}, but never less
     * than half the limit, so a tiny limit still serves someone. An unknown limit (below 1) gives
     * {@link #FALLBACK_MAX_CONNECTIONS}.
     */
    public static int maxConnectionsFor(long openFileLimit) {
        if (openFileLimit < 1) {
            return FALLBACK_MAX_CONNECTIONS;
        }
        long fit = Math.max(openFileLimit / 2, openFileLimit - reserve());
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, fit));
    }

    /** The default {@code --max-connections} for this process. */
    public static int defaultMaxConnections() {
        return maxConnectionsFor(current());
    }
}
