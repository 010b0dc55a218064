package io.chorus.server.cluster;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The fixture of every two-node cluster IT: a real redis-server and two nodes on it, {@code PREFIX-a} and
 * {@code PREFIX-b}, started once for the test class and stopped after it (the nodes first, then Redis).
 * Register it on a static field:
 * {@code @RegisterExtension static final TwoNodes cluster = TwoNodes.ephemeral("chat");}
 */
final class TwoNodes implements BeforeAllCallback, AfterAllCallback {

    private final String prefix;
    private final boolean persistent;
    private final String[] nodeArgs;
    private RedisProcess redis;
    private ClusterNode a;
    private ClusterNode b;

    private TwoNodes(String prefix, boolean persistent, String... nodeArgs) {
        this.prefix = prefix;
        this.persistent = persistent;
        this.nodeArgs = nodeArgs;
    }

    /** Nodes on a Redis without persistence; {@code nodeArgs} are extra server options for both. */
    static TwoNodes ephemeral(String prefix, String... nodeArgs) {
        return new TwoNodes(prefix, false, nodeArgs);
    }

    /** Nodes on a Redis with an append-only file, which keeps its data across a restart. */
    static TwoNodes persistent(String prefix, String... nodeArgs) {
        return new TwoNodes(prefix, true, nodeArgs);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        redis = persistent ? RedisProcess.startPersistent() : RedisProcess.startEphemeral();
        a = ClusterNode.start(prefix + "-a", redis, nodeArgs);
        b = ClusterNode.start(prefix + "-b", redis, nodeArgs);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try (RedisProcess r = redis; ClusterNode first = a; ClusterNode second = b) {
            // closed in reverse order: b, a, then redis
        }
    }

    RedisProcess redis() {
        return redis;
    }

    ClusterNode a() {
        return a;
    }

    ClusterNode b() {
        return b;
    }
}
