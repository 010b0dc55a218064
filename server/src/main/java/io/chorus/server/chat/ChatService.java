package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.server.ServerConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;

/**
 * The shared state of one server's chat: the nick and room registries and the limits that apply to
 * every connection. One instance per server, passed to each connection's handler.
 */
public final class ChatService {

    /** The room every connection joins on connect. */
    public static final String DEFAULT_ROOM = "lobby";

    private final NickRegistry nicks = new NickRegistry();
    private final RoomRegistry rooms;
    private final ServerConfig config;
    private volatile boolean shuttingDown;

    public ChatService(ServerConfig config, EventLoopGroup loops, ByteBufAllocator alloc) {
        this.config = config;
        this.rooms = new RoomRegistry(loops, config.historySize(), config.maxRooms(), config.quietRoomSize(), alloc);
    }

    public NickRegistry nicks() {
        return nicks;
    }

    public RoomRegistry rooms() {
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
        for (Member session : nicks.sessions()) {
            session.send(new Event.Error("shutting-down", "the server is shutting down"));
        }
    }
}
