package io.chorus.protocol.event;

import java.time.Instant;
import java.util.List;

/** One event of every type, with the exact text line each encodes to. */
final class SampleEvents {

    static final Instant TS = Instant.parse("2026-11-25T11:17:58.123Z");

    private SampleEvents() {
    }

    record Sample(Event event, String text) {
        @Override
        public String toString() {
            return event.type() + (event instanceof Event.Unknown ? "" : " " + event);
        }
    }

    static List<Sample> all() {
        return List.of(
                new Sample(new Event.Welcome("guest-1", "lobby", "chorus"),
                        "*** Welcome to chorus, guest-1! You are in #lobby. Type /help for commands.\n"),
                new Sample(new Event.Message("lobby", "alice", "hello", 7, TS, false),
                        "#lobby <alice> hello\n"),
                new Sample(new Event.Message("lobby", "alice", "hello", 7, TS, true),
                        "[11:17:58] #lobby <alice> hello\n"),
                new Sample(new Event.Action("lobby", "alice", "waves", 8, TS, false),
                        "#lobby * alice waves\n"),
                new Sample(new Event.Action("dev", "bob", "ducks", 9, Instant.parse("2026-11-25T01:02:03Z"), true),
                        "[01:02:03] #dev * bob ducks\n"),
                new Sample(new Event.Private("alice", "bob", "psst", TS),
                        "*alice* psst\n"),
                new Sample(new Event.Join("lobby", "bob"),
                        "*** bob joined #lobby\n"),
                new Sample(new Event.Leave("lobby", "bob", "", false),
                        "*** bob left #lobby\n"),
                new Sample(new Event.Leave("lobby", "bob", "lunch", false),
                        "*** bob left #lobby (lunch)\n"),
                new Sample(new Event.Leave("lobby", "bob", "bye", true),
                        "*** bob quit #lobby (bye)\n"),
                new Sample(new Event.Leave("lobby", "bob", "", true),
                        "*** bob quit #lobby\n"),
                new Sample(new Event.NickChange("lobby", "alice", "bob"),
                        "*** alice is now known as bob in #lobby\n"),
                new Sample(new Event.NickChange(null, "alice", "carol"),
                        "*** alice is now known as carol\n"),
                new Sample(new Event.Who("lobby", List.of("alice", "bob")),
                        "*** #lobby: alice, bob (2 members)\n"),
                new Sample(new Event.Who("dev", List.of("alice")),
                        "*** #dev: alice (1 member)\n"),
                new Sample(new Event.Who("empty", List.of()),
                        "*** #empty: (0 members)\n"),
                new Sample(new Event.Rooms(List.of(new Event.RoomInfo("dev", 1), new Event.RoomInfo("lobby", 3))),
                        "*** rooms: #dev (1), #lobby (3)\n"),
                new Sample(new Event.Rooms(List.of()),
                        "*** rooms: none\n"),
                new Sample(new Event.HistoryEnd("lobby", true, 12, 3, 14),
                        "*** end of history for #lobby: 12 messages, complete\n"),
                new Sample(new Event.HistoryEnd("lobby", false, 1, 40, 40),
                        "*** end of history for #lobby: 1 message, partial (older messages are gone)\n"),
                new Sample(new Event.HistoryEnd("dev", true, 0, 0, 0),
                        "*** end of history for #dev: 0 messages, complete\n"),
                new Sample(new Event.Pong("abc"),
                        "*** pong abc\n"),
                new Sample(new Event.Pong(""),
                        "*** pong\n"),
                new Sample(new Event.Error("nick-taken", "bob is already in use"),
                        "!!! nick-taken: bob is already in use\n"),
                new Sample(Event.Error.aboutRoom(ErrorCode.NOT_IN_ROOM, "you are not in #dev", "dev"),
                        "!!! not-in-room: you are not in #dev\n"),
                new Sample(Event.Error.aboutNick(ErrorCode.NICK_TAKEN, "bob is already in use", "bob"),
                        "!!! nick-taken: bob is already in use\n"),
                new Sample(Event.Notice.of(NoticeKind.CURRENT_ROOM, "#dev is now your current room", "dev", null),
                        "*** #dev is now your current room\n"),
                new Sample(new Event.Welcome("guest-2", "lobby", "chorus", "1764576000000-3f2a"),
                        "*** Welcome to chorus, guest-2! You are in #lobby. Type /help for commands.\n"),
                new Sample(new Event.Notice("server restarting in 5 minutes"),
                        "*** server restarting in 5 minutes\n"),
                new Sample(new Event.Help(List.of("/nick NAME   change nick", "/quit        leave")),
                        "*** /nick NAME   change nick\n*** /quit        leave\n"),
                new Sample(new Event.Unknown("future", "{\"type\":\"future\",\"x\":[1,2]}"),
                        "*** {\"type\":\"future\",\"x\":[1,2]}\n"));
    }
}
