package io.chorus.protocol.event;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes events as lines for a person reading with {@code nc}: every line names its room and sender,
 * e.g. {@code #lobby <alice> hello}, {@code *** bob joined #lobby} or {@code !!! nick-taken: ...}.
 *
 * <p>Replayed messages start with their UTC time, {@code [11:02:03] }. The pieces of a line are
 * written as UTF-8 straight into a buffer of exactly the right size. Stateless; use {@link #INSTANCE}.
 */
public final class TextEventEncoder implements EventEncoder {

    public static final TextEventEncoder INSTANCE = new TextEventEncoder();

    /** Starts the server's own lines: joins, leaves, replies and notices: {@value}. */
    public static final String SERVER_PREFIX = "*** ";
    /** Starts every error line: {@value}. */
    public static final String ERROR_PREFIX = "!!! ";

    private static final String NL = "\n";

    private TextEventEncoder() {
    }

    @Override
    public OutputFormat format() {
        return OutputFormat.TEXT;
    }

    @Override
    public ByteBuf encode(Event event, ByteBufAllocator alloc) {
        return lines(event).write(alloc);
    }

    private static Parts lines(Event event) {
        if (event instanceof Event.Message m) {
            return replayPrefix(m.replay(), m.ts()).add("#", m.room(), " <", m.from(), "> ", m.text(), NL);
        }
        if (event instanceof Event.Action a) {
            return replayPrefix(a.replay(), a.ts()).add("#", a.room(), " * ", a.from(), " ", a.text(), NL);
        }
        if (event instanceof Event.Private p) {
            return new Parts().add("*", p.from(), "* ", p.text(), NL);
        }
        if (event instanceof Event.Join j) {
            return new Parts().add(SERVER_PREFIX, j.nick(), " joined #", j.room(), NL);
        }
        if (event instanceof Event.Leave l) {
            Parts parts = new Parts().add(SERVER_PREFIX, l.nick(), l.quit() ? " quit #" : " left #", l.room());
            if (!l.reason().isEmpty()) {
                parts.add(" (", l.reason(), ")");
            }
            return parts.add(NL);
        }
        if (event instanceof Event.NickChange n) {
            Parts parts = new Parts().add(SERVER_PREFIX, n.oldNick(), " is now known as ", n.newNick());
            if (n.room() != null) {
                // One notice per shared room, like joins and leaves, so each names its room.
                parts.add(" in #", n.room());
            }
            return parts.add(NL);
        }
        if (event instanceof Event.Who w) {
            return who(w);
        }
        if (event instanceof Event.Rooms r) {
            return rooms(r);
        }
        if (event instanceof Event.HistoryEnd h) {
            return new Parts().add(SERVER_PREFIX, "end of history for #", h.room(), ": ",
                    plural(h.count(), "message"),
                    h.complete() ? ", complete" : ", partial (older messages are gone)", NL);
        }
        if (event instanceof Event.Pong p) {
            return p.token().isEmpty()
                    ? new Parts().add(SERVER_PREFIX, "pong", NL)
                    : new Parts().add(SERVER_PREFIX, "pong ", p.token(), NL);
        }
        if (event instanceof Event.Error e) {
            return new Parts().add(ERROR_PREFIX, e.code(), ": ", e.message(), NL);
        }
        if (event instanceof Event.Notice n) {
            return new Parts().add(SERVER_PREFIX, n.text(), NL);
        }
        if (event instanceof Event.Welcome w) {
            if (w.room().isEmpty()) {
                return new Parts().add(SERVER_PREFIX, "Welcome to ", w.server(), ", ", w.nick(),
                        "! You are not in any room; /join one. Type /help for commands.", NL);
            }
            return new Parts().add(SERVER_PREFIX, "Welcome to ", w.server(), ", ", w.nick(), "! You are in #",
                    w.room(), ". Type /help for commands.", NL);
        }
        if (event instanceof Event.Help h) {
            Parts parts = new Parts();
            for (String line : h.lines()) {
                parts.add(SERVER_PREFIX, line, NL);
            }
            return parts;
        }
        if (event instanceof Event.Unknown u) {
            return new Parts().add(SERVER_PREFIX, u.json(), NL);
        }
        throw new IllegalArgumentException("unsupported event: " + event);
    }

    private static Parts replayPrefix(boolean replay, Instant ts) {
        Parts parts = new Parts();
        return replay ? parts.add("[", Timestamps.clock(ts), "] ") : parts;
    }

    private static Parts who(Event.Who who) {
        List<String> nicks = who.nicks();
        Parts parts = new Parts().add(SERVER_PREFIX, "#", who.room(), ": ");
        for (int i = 0; i < nicks.size(); i++) {
            parts.add(i == 0 ? "" : ", ", nicks.get(i));
        }
        return parts.add(nicks.isEmpty() ? "(" : " (", plural(nicks.size(), "member"), ")", NL);
    }

    private static Parts rooms(Event.Rooms rooms) {
        List<Event.RoomInfo> list = rooms.rooms();
        Parts parts = new Parts().add(SERVER_PREFIX, "rooms: ");
        if (list.isEmpty()) {
            return parts.add("none", NL);
        }
        for (int i = 0; i < list.size(); i++) {
            Event.RoomInfo room = list.get(i);
            parts.add(i == 0 ? "#" : ", #", room.name(), " (", Integer.toString(room.members()));
            if (room.watchers() > 0) {
                parts.add(", ", plural(room.watchers(), "watcher"));
            }
            parts.add(")");
        }
        return parts.add(NL);
    }

    private static String plural(int count, String noun) {
        return count + " " + (count == 1 ? noun : noun + "s");
    }

    /** The pieces of the lines, gathered so the buffer can be sized exactly before anything is written. */
    private static final class Parts {
        private CharSequence[] parts = new CharSequence[16];
        private int size;

        Parts add(CharSequence... more) {
            if (size + more.length > parts.length) {
                parts = Arrays.copyOf(parts, Math.max(parts.length * 2, size + more.length));
            }
            System.arraycopy(more, 0, parts, size, more.length);
            size += more.length;
            return this;
        }

        ByteBuf write(ByteBufAllocator alloc) {
            int[] bytes = new int[size];
            int total = 0;
            for (int i = 0; i < size; i++) {
                bytes[i] = ByteBufUtil.utf8Bytes(parts[i]);
                total += bytes[i];
            }
            ByteBuf buf = alloc.buffer(total);
            try {
                for (int i = 0; i < size; i++) {
                    // An exact reservation: plain writeUtf8 would reserve three bytes per char and grow the buffer.
                    ByteBufUtil.reserveAndWriteUtf8(buf, parts[i], bytes[i]);
                }
                return buf;
            } catch (Throwable t) {
                buf.release();
                throw t;
            }
        }
    }
}
