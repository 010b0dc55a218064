package io.chorus.server;

import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Whether this server is one node of a cluster sharing rooms through Redis, and how. {@link #NONE} is
 * a single node.
 *
 * @param uri    a Lettuce Redis URI ({@code redis://}, {@code rediss://}, {@code redis-sentinel://}); empty
 *               for a single node
 * @param nodeId this node's id: 1 to {@value #NODE_ID_MAX} letters, digits, {@code _} or {@code -}
 * @param ttl    how long a node's nicks and presence outlive its last refresh; refreshed every third of it
 */
public record ClusterOptions(String uri, String nodeId, Duration ttl) {

    public static final int NODE_ID_MAX = 32;
    /** {@code --cluster-ttl} when not given. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);
    /** Same as {@code DEFAULT_TTL}, in seconds, for the command line: {@value}. */
    public static final long DEFAULT_TTL_SECONDS = 15;

    public static final ClusterOptions NONE = new ClusterOptions("", "", DEFAULT_TTL);

    public ClusterOptions {
        requireNonNull(uri, "uri");
        requireNonNull(nodeId, "nodeId");
        requireNonNull(ttl, "ttl");
        if (!uri.isEmpty() && !validNodeId(nodeId)) {
            throw new IllegalArgumentException("--node-id is 1 to " + NODE_ID_MAX
                    + " letters, digits, _ or -: " + nodeId);
        }
        if (ttl.toMillis() < 300) {
            throw new IllegalArgumentException("--cluster-ttl must be at least 0.3 seconds: " + ttl);
        }
    }

    /** A node of the cluster at {@code uri}; a blank {@code nodeId} gets a random one. */
    public static ClusterOptions of(String uri, String nodeId, Duration ttl) {
        return new ClusterOptions(uri, nodeId == null || nodeId.isBlank() ? randomNodeId() : nodeId, ttl);
    }

    public boolean enabled() {
        return !uri.isEmpty();
    }

    /** How often this node refreshes its nicks and presence: a third of the TTL. */
    public Duration refreshEvery() {
        return ttl.dividedBy(3);
    }

    /** Eight random hex digits. */
    public static String randomNodeId() {
        byte[] bytes = new byte[4];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static boolean validNodeId(String id) {
        if (id.isEmpty() || id.length() > NODE_ID_MAX) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }
}
