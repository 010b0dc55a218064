package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.EventEncoder;
import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One chat connection's state: its nick, output format, echo flag and the rooms it is in.
 *
 * <p>The room map and current room are confined to the channel's event loop. Nick, format and echo
 * are volatile because rooms, running on other loops, read them when they deliver.
 */
public final class ChatSession {

    private final Channel channel;
    private volatile String nick;
    private volatile OutputFormat format = OutputFormat.TEXT;
    private volatile boolean echo;
    /** Rooms joined, in join order; confined to the channel's event loop. */
    private final Map<String, Room> rooms = new LinkedHashMap<>();
    private Room current;

    ChatSession(Channel channel) {
        this.channel = channel;
    }

    public Channel channel() {
        return channel;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public String nick() {
        return nick;
    }

    void nick(String value) {
        this.nick = value;
    }

    public OutputFormat format() {
        return format;
    }

    void format(OutputFormat value) {
        this.format = value;
    }

    /** Whether this connection receives its own room messages back. */
    public boolean echo() {
        return echo;
    }

    void echo(boolean value) {
        this.echo = value;
    }

    Map<String, Room> rooms() {
        return rooms;
    }

    Room current() {
        return current;
    }

    void current(Room room) {
        this.current = room;
    }

    /**
     * Sends an event to this connection from any thread: encoded in its format, then written and
     * flushed on its own event loop.
     */
    public void send(Event event) {
        if (eventLoop().inEventLoop()) {
            write(event);
            channel.flush();
        } else {
            eventLoop().execute(() -> {
                write(event);
                channel.flush();
            });
        }
    }

    /** Encodes and writes without flushing; must run on the channel's event loop. */
    void write(Event event) {
        if (!channel.isActive()) {
            return;
        }
        deliver(EventEncoder.of(format).encode(event, channel.alloc()));
    }

    /**
     * Writes an encoded line that this session now owns, without flushing; must run on the channel's
     * event loop. The buffer is released here if the channel is gone, otherwise by the transport.
     */
    void deliver(ByteBuf line) {
        if (!channel.isActive()) {
            line.release();
            return;
        }
        channel.write(line, channel.voidPromise());
    }

    @Override
    public String toString() {
        return nick + "@" + channel.id().asShortText();
    }
}
