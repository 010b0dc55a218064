package io.chorus.protocol.command;

import java.util.List;

/** The command reference shown by {@code /help}: one line per command with what it does. */
public final class Commands {

    /** The help lines, in the order they are shown. */
    public static final List<String> HELP = List.of(
            "TEXT                    say TEXT in the current room",
            "//TEXT                  say /TEXT (a line starting with /)",
            "/me TEXT                act: shown as * yournick TEXT",
            "/msg NICK TEXT          send a private message to NICK",
            "/nick NAME              change your nickname (1-" + Names.NICK_MAX + " of A-Z a-z 0-9 _ -)",
            "/join ROOM              join a room and make it current (# is optional)",
            "/leave [ROOM]           leave a room, by default the current one",
            "/who [ROOM]             list who is in a room, by default the current one",
            "/rooms                  list the rooms and how many are in each",
            "/history [N]            replay the last N messages (default "
                    + Command.HistoryLast.DEFAULT_COUNT + ", at most " + Command.HistoryLast.MAX_COUNT + ")",
            "/history ROOM since ID  replay the messages of ROOM after message ID",
            "/format json|text       receive events as JSON lines or as text",
            "/echo on|off            see your own messages or not",
            "/ping [TOKEN]           check the connection: the server answers pong TOKEN",
            "/quit [REASON]          leave the chat and disconnect",
            "/help                   show this help");

    private Commands() {
    }
}
