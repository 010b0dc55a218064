package io.chorus.server.cluster;

/**
 * The Redis keys and channels of a Chorus cluster. Every key of one room carries the room's name as its
 * hash tag ({@code {NAME}}), so a Redis Cluster keeps a room's sequence, history, presence and channel
 * in one slot, where one script may touch them all, and spreads rooms over the shards.
 */
final class ClusterKeys {

    private static final String PREFIX = "chorus:";
    /** Live nodes: a sorted set of node ids scored by the epoch milliseconds they expire at. */
    static final String NODES = PREFIX + "nodes";
    /** The cluster's run id, set by the first node that finds it missing (so: again after Redis lost its data). */
    static final String RUN = PREFIX + "run";
    /** The counter guest numbers are reserved from, a block at a time. */
    static final String GUESTS = PREFIX + "guests";

    private ClusterKeys() {
    }

    /** The sharded pub/sub channel of a room's events. */
    static String roomChannel(String room) {
        return PREFIX + "room:{" + room + "}";
    }

    /** The room's last issued id. */
    static String sequence(String room) {
        return roomChannel(room) + ":seq";
    }

    /** The first id of the room's current sequence (set when the sequence starts). */
    static String firstId(String room) {
        return roomChannel(room) + ":first";
    }

    /** The room's shared history: a stream whose entry ids are {@code ID-0}. */
    static String log(String room) {
        return roomChannel(room) + ":log";
    }

    /** Who is in the room: a sorted set of {@code NODE|nick} scored by the epoch milliseconds they expire at. */
    static String who(String room) {
        return roomChannel(room) + ":who";
    }

    /** The room name back from its channel, or null if the channel is not a room's. */
    static String roomOf(String channel) {
        String start = PREFIX + "room:{";
        if (!channel.startsWith(start) || !channel.endsWith("}")) {
            return null;
        }
        return channel.substring(start.length(), channel.length() - 1);
    }

    /** The sharded channel where a node receives private messages for its users. */
    static String nodeChannel(String node) {
        return PREFIX + "node:{" + node + "}";
    }

    /** A node's rooms with its local member and watcher counts: a hash of room to {@code "members watchers"}. */
    static String nodeRooms(String node) {
        return nodeChannel(node) + ":rooms";
    }

    /** Who holds a nick: the node id, with a TTL the holder refreshes. */
    static String nick(String nickKey) {
        return PREFIX + "nick:" + nickKey;
    }
}
