package io.chorus.client.cli;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.JsonEventEncoder;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns events into the lines the interactive client prints: local time, room, sender, text, as in
 * {@code 14:03:07 #dev <alice> hello}. ANSI colours only when asked for; plain text is pure ASCII
 * markup around what the server sent. With {@code json}, each event is its JSON line instead.
 */
public final class EventFormatter {

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final String RESET = "\u001b[0m";
    private static final String DIM = "\u001b[2m";
    private static final String BOLD = "\u001b[1m";
    private static final String RED = "\u001b[31m";
    private static final String CYAN = "\u001b[36m";
    private static final String[] NICK_COLOURS = {
        "\u001b[32m", "\u001b[33m", "\u001b[34m", "\u001b[35m", "\u001b[91m", "\u001b[92m", "\u001b[94m", "\u001b[95m"};

    private final boolean colour;
    private final boolean json;
    private final Clock clock;
    private final ZoneId zone;

    public EventFormatter(boolean colour, boolean json, Clock clock) {
        this.colour = colour && !json;
        this.json = json;
        this.clock = clock;
        this.zone = clock.getZone();
    }

    /**
     * The lines for one event, as seen by {@code me}.
     *
     * @param me our nick, to tell private messages we sent from those we received
     */
    public List<String> format(Event event, String me) {
        if (json) {
            return List.of(JsonEventEncoder.INSTANCE.encodeToString(event).strip());
        }
        List<String> lines = new ArrayList<>(1);
        String time = time(timestamp(event));
        if (event instanceof Event.Message m) {
            lines.add(time + room(m.room()) + " <" + nick(m.from()) + "> " + m.text());
        } else if (event instanceof Event.Action a) {
            lines.add(time + room(a.room()) + " * " + nick(a.from()) + " " + a.text());
        } else if (event instanceof Event.Private p) {
            String tag = p.from().equals(me) && !p.to().equals(me) ? "[private to " + p.to() + "]" : "[private]";
            lines.add(time + paint(tag, BOLD) + " <" + nick(p.from()) + "> " + p.text());
        } else if (event instanceof Event.Join j) {
            lines.add(time + room(j.room()) + " " + server("--> ") + nick(j.nick()) + server(" joined"));
        } else if (event instanceof Event.Leave l) {
            String why = l.reason().isEmpty() ? "" : " (" + l.reason() + ")";
            lines.add(time + room(l.room()) + " " + server("<-- ") + nick(l.nick())
                    + server((l.quit() ? " quit" : " left") + why));
        } else if (event instanceof Event.NickChange n) {
            lines.add(time + (n.room() == null ? "" : room(n.room()) + " ") + server("*** ") + nick(n.oldNick())
                    + server(" is now known as ") + nick(n.newNick()));
        } else if (event instanceof Event.Who w) {
            lines.add(time + server("*** ") + room(w.room()) + server(": " + String.join(", ", w.nicks())
                    + " (" + plural(w.nicks().size(), "member") + ")"));
        } else if (event instanceof Event.Rooms r) {
            List<String> rooms = new ArrayList<>();
            for (Event.RoomInfo info : r.rooms()) {
                rooms.add(room(info.name()) + " (" + info.members()
                        + (info.watchers() > 0 ? ", " + info.watchers() + " watching" : "") + ")");
            }
            lines.add(time + server("*** rooms: ") + (rooms.isEmpty() ? server("none") : String.join(", ", rooms)));
        } else if (event instanceof Event.HistoryEnd h) {
            lines.add(time + server("*** end of history for ") + room(h.room()) + server(": "
                    + plural(h.count(), "message") + (h.complete() ? "" : ", older messages are gone")));
        } else if (event instanceof Event.Pong p) {
            lines.add(time + server(p.token().isEmpty() ? "*** pong" : "*** pong " + p.token()));
        } else if (event instanceof Event.Error e) {
            lines.add(time + paint("!!! " + e.code() + ": " + e.message(), RED));
        } else if (event instanceof Event.Notice n) {
            lines.add(time + server("*** " + n.text()));
        } else if (event instanceof Event.Welcome w) {
            lines.add(time + server("*** connected to " + w.server() + " as ") + nick(w.nick()));
        } else if (event instanceof Event.Help h) {
            for (String line : h.lines()) {
                lines.add(server("*** " + line));
            }
        } else if (event instanceof Event.Unknown u) {
            lines.add(time + server("*** " + u.json()));
        }
        return lines;
    }

    /** A line of the client's own, such as a reconnect report. */
    public String note(String text) {
        if (json) {
            return JsonEventEncoder.INSTANCE.encodeToString(new Event.Notice(text)).strip();
        }
        return time(null) + server("*** " + text);
    }

    /** A warning of the client's own, such as a gap in the history. */
    public String warning(String code, String text) {
        if (json) {
            return JsonEventEncoder.INSTANCE.encodeToString(new Event.Error(code, text)).strip();
        }
        return time(null) + paint("!!! " + text, RED);
    }

    private static Instant timestamp(Event event) {
        if (event instanceof Event.Message m) {
            return m.ts();
        }
        if (event instanceof Event.Action a) {
            return a.ts();
        }
        if (event instanceof Event.Private p) {
            return p.ts();
        }
        return null;
    }

    private String time(Instant ts) {
        LocalTime local = LocalTime.ofInstant(ts == null ? clock.instant() : ts, zone);
        return paint(CLOCK.format(local), DIM) + " ";
    }

    private String room(String name) {
        return paint("#" + name, CYAN);
    }

    private String nick(String nick) {
        return paint(nick, NICK_COLOURS[Math.floorMod(nick.hashCode(), NICK_COLOURS.length)]);
    }

    private String server(String text) {
        return paint(text, DIM);
    }

    private String paint(String text, String ansi) {
        return colour && !ansi.isEmpty() ? ansi + text + RESET : text;
    }

    private static String plural(int count, String noun) {
        return count + " " + (count == 1 ? noun : noun + "s");
    }
}
