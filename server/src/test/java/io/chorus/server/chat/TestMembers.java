package io.chorus.server.chat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Members on embedded channels for unit tests of rooms and outboxes. An embedded loop treats every thread
 * as its own, so one outbox or room on the first channel's loop can serve members of all of them.
 */
final class TestMembers implements AutoCloseable {

    private final List<EmbeddedChannel> channels = new ArrayList<>();

    /** The loop that rooms and outboxes under test run on. */
    EventExecutor loop() {
        if (channels.isEmpty()) {
            channels.add(new EmbeddedChannel());
        }
        return channels.get(0).eventLoop();
    }

    /** Stops the loop's clock, so that only {@link #advanceTimeBy} moves it. */
    void freezeTime() {
        loop();
        channels.get(0).freezeTime();
    }

    /** Moves the frozen clock of the loop under test. */
    void advanceTimeBy(long nanos) {
        channels.get(0).advanceTimeBy(nanos, TimeUnit.NANOSECONDS);
    }

    TcpLineMember member(String nick) {
        loop();
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        TcpLineMember member = new TcpLineMember(ch, 1 << 20);
        member.nick(nick);
        return member;
    }

    /** An ordered reply stream for {@code member}, as a connection would hold. */
    static OrderedReplies replies(TcpLineMember member) {
        return new OrderedReplies(member, 0, () -> { });
    }

    /** Runs every pending task, then returns what {@code member} received, line by line. */
    List<String> lines(TcpLineMember member) {
        return lines(member, null);
    }

    /** As {@link #lines(TcpLineMember)}, counting non-empty writes in {@code writes[0]}. */
    List<String> lines(TcpLineMember member, int[] writes) {
        for (int round = 0; round < 3; round++) {
            for (EmbeddedChannel ch : channels) {
                ch.runPendingTasks();
            }
        }
        EmbeddedChannel ch = (EmbeddedChannel) member.channel();
        List<String> lines = new ArrayList<>();
        ByteBuf buf;
        while ((buf = ch.readOutbound()) != null) {
            if (writes != null && buf.isReadable()) {
                writes[0]++;
            }
            for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty()) {
                    lines.add(line);
                }
            }
            buf.release();
        }
        return lines;
    }

    /** A member whose transport throws on every write, to inject a failure into a drain. */
    static MemberBase throwing(EventExecutor loop) {
        return new MemberBase(1 << 20) {
            @Override
            public EventExecutor eventLoop() {
                return loop;
            }

            @Override
            public ByteBufAllocator alloc() {
                return UnpooledByteBufAllocator.DEFAULT;
            }

            @Override
            public Framing framing() {
                return Framing.STREAM;
            }

            @Override
            public long queuedBytes() {
                return 0;
            }

            @Override
            public void close() {
            }

            @Override
            protected void write(ByteBuf payload) {
                // Like a broken transport: fails without taking the buffer; the payload is released here
                // only so the test can check that the outbox released its own references.
                payload.release();
                throw new IllegalStateException("injected write failure");
            }

            @Override
            protected void flushTransport() {
            }

            @Override
            protected boolean isTransportOpen() {
                return true;
            }

            @Override
            protected void cutOff(ByteBuf last) {
                last.release();
            }
        };
    }

    @Override
    public void close() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }
}
