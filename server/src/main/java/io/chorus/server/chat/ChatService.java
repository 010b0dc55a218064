package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.server.ServerConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.chorus.server.limits.MessageIds;

/**
 * The shared state of one server's chat: the nick and room registries and the limits that apply to
 * every connection. One instance per server, passed to each connection's handler.
 */
public final class ChatService {

    /** The room every connection joins on connect. */
    public static final String DEFAULT_ROOM = "lobby";

    private final NickRegistry<ChatSession> nicks = new NickRegistry<>();
    private final RoomRegistry<Room> rooms;
    private final ServerConfig config;
    private volatile boolean shuttingDown;

    public ChatService(ServerConfig config, EventLoopGroup loops, ByteBufAllocator alloc) {
        this.config = config;
        this.rooms = new RoomRegistry<>(loops, new PinnedRoomKind(config, alloc), new MessageIds(), config.maxRooms(),
                config.roomTtl());
    }

    public NickRegistry<ChatSession> nicks() {
        return nicks;
    }

    public RoomRegistry<Room> rooms() {
        return rooms;
    }

    public ServerConfig config() {
        return config;
    }

    /** Connected chat sessions right now. */
    public int sessions() {
        return nicks.size();
    }

    /**
     * True once shutdown has begun: connections are not read any more, and connections closing now do
     * not announce their leaving.
     */
    public boolean shuttingDown() {
        return shuttingDown;
    }

    /** Marks the start of shutdown; see {@link #shuttingDown()}. */
    public void beginShutdown() {
        shuttingDown = true;
    }

    /** Tells every connected user that the server is going down; flushed on each user's loop. */
    public void announceShutdown() {
        shuttingDown = true;
        for (ChatSession session : nicks.sessions()) {
            session.send(new Event.Error("shutting-down", "the server is shutting down"));
        }
    }

    /**
     * Today's {@link Room} as the registry sees it. The chat handler still reaches rooms through
     * {@link RoomRegistry#getOrCreate}, which holds them for good, so none is ever expired and the room's
     * numbering (not visible yet) is never needed; the chat core's rework wires leases instead.
     */
    private record PinnedRoomKind(ServerConfig config, ByteBufAllocator alloc) implements RoomKind<Room> {
        @Override
        public Room create(String name, EventExecutor executor, long firstId) {
            return new Room(name, executor, config.historySize(), config.quietRoomSize(), alloc);
        }

        @Override
        public EventExecutor executor(Room room) {
            return room.executor();
        }

        @Override
        public int memberCount(Room room) {
            return room.memberCount();
        }

        @Override
        public long lastIssuedId(Room room) {
            throw new UnsupportedOperationException("rooms held through getOrCreate are never expired");
        }

        @Override
        public void dispose(Room room) {
            throw new UnsupportedOperationException("rooms held through getOrCreate are never expired");
        }
    }
}
