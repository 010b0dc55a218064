package io.chorus.server.chat;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.EventEncoder;
import io.chorus.protocol.event.OutputFormat;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One chat connection's state: its nick, output format, echo flag and the rooms it is in.
 *
 * <p>The room map and current room are confined to the channel's event loop. Nick, format and echo
 * are volatile because rooms, running on other loops, read them when they deliver.
 */
public final class ChatSession {

    /** Error code a reader sees when it is disconnected for falling behind. */
    public static final String SLOW_CONSUMER = "slow-consumer";
    /** How long a cut-off reader gets to take its final error before the connection is closed: {@value} ms. */
    static final long CUT_OFF_GRACE_MILLIS = 1000;

    private final Channel channel;
    private volatile String nick;
    private volatile OutputFormat format = OutputFormat.TEXT;
    private volatile boolean echo;
    /** Rooms joined, in join order; confined to the channel's event loop. */
    private final Map<String, Room> rooms = new LinkedHashMap<>(4);
    private Room current;
    /** Set once this connection is being cut off as a slow consumer; confined to the event loop. */
    private boolean cutOff;
    /** True while a {@link LoopOutbox} drain has written to this session and owes it a flush. */
    private boolean flushQueued;

    private final int maxQueueBytes;

    ChatSession(Channel channel, int maxQueueBytes) {
        this.channel = channel;
        this.maxQueueBytes = maxQueueBytes;
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
     * Sends an event from someone else (a private message, a notice) from any thread: encoded in this
     * connection's format, then written and flushed on its own event loop, subject to the queue bound.
     */
    public void send(Event event) {
        if (eventLoop().inEventLoop()) {
            sendNow(event);
        } else {
            eventLoop().execute(() -> sendNow(event));
        }
    }

    private void sendNow(Event event) {
        if (!channel.isActive() || cutOff) {
            return;
        }
        deliverFromOthers(EventEncoder.of(format).encode(event, channel.alloc()));
        channel.flush();
    }

    /**
     * Writes a line that others caused (a room broadcast, a private message), which this session now
     * owns; must run on the channel's event loop. If more than {@code --max-queue} bytes are already
     * queued for this connection, the line is dropped and the connection is cut off as a slow consumer,
     * so one reader that does not keep up never holds up the room or grows the heap.
     */
    void deliverFromOthers(ByteBuf line) {
        if (!cutOff && channel.isActive() && queuedBytes() > maxQueueBytes) {
            cutOff();
        }
        if (cutOff) {
            line.release();
            return;
        }
        deliver(line);
    }

    /** Bytes written to this connection and not yet taken by the peer. */
    private long queuedBytes() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    private void cutOff() {
        cutOff = true;
        ByteBuf last = EventEncoder.of(format).encode(new Event.Error(SLOW_CONSUMER,
                "you fell more than " + maxQueueBytes + " bytes behind; disconnecting"), channel.alloc());
        // Queued behind what the reader has not taken yet: it arrives only if the reader catches up in time.
        channel.writeAndFlush(last).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, CUT_OFF_GRACE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Adds this session to a drain's flush list once; must run on the channel's event loop. */
    void markForFlush(List<ChatSession> touched) {
        if (!flushQueued) {
            flushQueued = true;
            touched.add(this);
        }
    }

    /** The flush a drain owes this session; must run on the channel's event loop. */
    void flushQueued() {
        flushQueued = false;
        channel.flush();
    }


    /**
     * Encodes and writes a reply to this connection's own request, without flushing; must run on the
     * channel's event loop. Replies are not subject to the slow-consumer cut: they are bounded because
     * the handler stops reading requests while the connection is unwritable.
     */
    void write(Event event) {
        if (!channel.isActive() || cutOff) {
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
