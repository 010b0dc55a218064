#!/usr/bin/env python3
"""A small Chorus chat client for Python 3.11+, standard library only (``socket``).

Use it as a library::

    from chorus_chat import ChorusChat

    with ChorusChat("127.0.0.1", 7000) as chat:
        chat.connect()                  # sends /format json, returns the welcome event
        chat.set_nick("alice")
        chat.join("dev")
        chat.send("hello")
        for event in chat.events():     # one dict per JSON line, until the server closes
            print(render(event))

or as a program (``--help`` lists every option)::

    python3 chorus_chat.py --host 127.0.0.1 --port 7000 --nick alice --room dev
    python3 chorus_chat.py --nick bot --room dev --wait-for alice --send hi --expect 1

The program sends every line of stdin and prints every event it receives, one per line, rendered
like the server's text encoding (``#dev <bob> hi``, ``*bob* psst``) or, with ``--json``, as the raw
JSON line. See docs/PROTOCOL.md for the protocol itself.
"""

from __future__ import annotations

import argparse
import collections
import json
import socket
import sys
import threading
import time
from typing import Iterator

DEFAULT_PORT = 7000
#: Events that carry what a person said; ``--expect`` counts these.
MESSAGE_TYPES = frozenset({"message", "action", "private"})

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_TIMEOUT = 3


class ChorusError(Exception):
    """The server refused a request; ``code`` is the error event's code, such as ``nick-taken``."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def canonical_room(room: str) -> str:
    """Room names are case-insensitive and ``#`` is optional; events carry them lower case without ``#``."""
    return room[1:].lower() if room.startswith("#") else room.lower()


class Event(dict):
    """One event: the decoded JSON object, with the line it came from in ``raw``."""

    raw: str = ""

    @classmethod
    def parse(cls, line: str) -> "Event":
        event = cls(json.loads(line))
        event.raw = line
        return event


class ChorusChat:
    """One chat connection that receives JSON events.

    Events are dicts decoded from the server's JSON lines. The helpers that wait for an answer
    (``set_nick``, ``join``, ``wait_for_members``) leave every event they see queued, so that
    ``next_event`` and ``events`` still return them in the order they arrived.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT, timeout: float = 10.0):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.nick: str | None = None
        self.room: str | None = None
        self.rooms: set[str] = set()  # rooms joined through this object, and the welcome's
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._pending: collections.deque[Event] = collections.deque()
        self._eof = False

    # -- connection -----------------------------------------------------------------------------

    def connect(self) -> Event:
        """Connects, switches to JSON and returns the ``welcome`` event.

        The server greets in text first; those lines are skipped up to the JSON welcome that
        answers ``/format json``. After it every line is JSON.
        """
        self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.send("/format json")
        deadline = time.monotonic() + self.timeout
        while True:
            line = self._read_line(deadline)
            if line is None:
                raise ConnectionError("the server closed the connection before its welcome")
            if not line.startswith("{"):
                continue  # a text line sent before the switch to JSON
            event = Event.parse(line)
            if event.get("type") == "welcome":
                self.nick = event["nick"]
                self.room = event["room"] or None
                if self.room:
                    self.rooms.add(self.room)
                return event
            # A JSON line before the welcome cannot happen; keep it rather than lose it.
            self._pending.append(event)

    def send(self, line: str) -> None:
        """Sends one line; a line not starting with ``/`` is said in the current room."""
        if "\n" in line or "\r" in line:
            raise ValueError("one line at a time: the text must not contain CR or LF")
        self._sock.sendall(line.encode("utf-8") + b"\n")

    def shutdown_write(self) -> None:
        """Tells the server nothing more will be sent: it answers what it got, then closes."""
        self._sock.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> "ChorusChat":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- events ---------------------------------------------------------------------------------

    def next_event(self, timeout: float | None = None) -> Event | None:
        """The next event, or ``None`` once the server has closed; raises ``TimeoutError``."""
        if self._pending:
            return self._pending.popleft()
        return self._read_event(time.monotonic() + (self.timeout if timeout is None else timeout))

    def events(self) -> Iterator[Event]:
        """Every event until the server closes, waiting as long as it takes for each."""
        while True:
            if self._pending:
                yield self._pending.popleft()
                continue
            event = self._read_event(None)
            if event is None:
                return
            yield event

    def _read_event(self, deadline: float | None) -> Event | None:
        line = self._read_line(deadline)
        return None if line is None else Event.parse(line)

    def _read_line(self, deadline: float | None) -> str | None:
        """One line without its LF, decoded as UTF-8, or ``None`` at end of stream."""
        while b"\n" not in self._buffer:
            if self._eof:
                return None
            if deadline is None:
                self._sock.settimeout(None)
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no line from the server in time")
                self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout as e:
                raise TimeoutError("no line from the server in time") from e
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self._eof = True
                if self._buffer:
                    self._buffer += b"\n"  # an unterminated last line still counts
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def _await(self, done, timeout: float | None = None):
        """Reads events into the queue until ``done(event)`` returns a value that is not None.

        An error event while waiting is taken as the answer to the request, and raised.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            event = self._read_event(deadline)
            if event is None:
                raise ConnectionError("the server closed the connection")
            self._pending.append(event)
            if event.get("type") == "error":
                raise ChorusError(event.get("code", ""), event.get("message", ""))
            result = done(event)
            if result is not None:
                return result

    # -- requests that wait for their answer ---------------------------------------------------

    def set_nick(self, nick: str) -> None:
        """``/nick NICK``; raises ``ChorusError`` (``nick-taken``, ``invalid-nick``) if refused."""
        if self.nick is not None and nick == self.nick:
            return
        old = self.nick
        self.send("/nick " + nick)
        self._await(lambda e: True if e.get("type") == "nick" and e.get("old") == old
                    and e.get("new") == nick and "room" not in e else None)
        self.nick = nick

    def join(self, room: str) -> None:
        """``/join ROOM`` and makes it current; waits until this connection is a member."""
        name = canonical_room(room)
        self.send("/join " + name)

        def joined(e: dict):
            if e.get("type") == "join" and e.get("room") == name and e.get("nick") == self.nick:
                return True
            # Already a member: the server only makes the room current. Servers that tag their notices
            # say so with code current-room and the room; from an older server, any untagged notice
            # answers, since /join of a room we are in gets nothing else.
            if e.get("type") == "notice" and (
                    (e.get("code") == "current-room" and e.get("room") == name)
                    or ("code" not in e and name in self.rooms)):
                return True
            return None

        self._await(joined)
        self.room = name
        self.rooms.add(name)

    def wait_for_members(self, nicks: list[str], room: str | None = None, timeout: float | None = None) -> None:
        """Waits until every one of ``nicks`` is in ``room`` (by default the current room).

        Asks ``/who`` once, then follows join, leave and nick events: the room sends them in order
        after its answer, so the picture stays exact.
        """
        name = canonical_room(room or self.room)
        wanted = {n.lower() for n in nicks}
        members: set[str] | None = None

        def all_there(e: dict):
            nonlocal members
            kind = e.get("type")
            if kind == "who" and e.get("room") == name and members is None:
                members = {n.lower() for n in e.get("nicks", [])}
            elif members is None:
                return None
            elif kind == "join" and e.get("room") == name:
                members.add(e["nick"].lower())
            elif kind == "leave" and e.get("room") == name:
                members.discard(e["nick"].lower())
            elif kind == "nick" and e.get("room") == name:
                members.discard(e["old"].lower())
                members.add(e["new"].lower())
            return True if wanted <= members else None

        self.send("/who " + name)
        self._await(all_there, timeout)


# -- rendering ---------------------------------------------------------------------------------

def render(event: dict) -> str:
    """An event as one line for a person, like the server's text encoding (``#room <from> text``)."""
    kind = event.get("type")
    if kind in ("message", "action"):
        prefix = f"[{event['ts'][11:19]}] " if event.get("replay") else ""
        if kind == "message":
            return f"{prefix}#{event['room']} <{event['from']}> {event['text']}"
        return f"{prefix}#{event['room']} * {event['from']} {event['text']}"
    if kind == "private":
        return f"*{event['from']}* {event['text']}"
    if kind == "join":
        return f"*** {event['nick']} joined #{event['room']}"
    if kind == "leave":
        verb = "quit" if event.get("quit") else "left"
        reason = f" ({event['reason']})" if event.get("reason") else ""
        return f"*** {event['nick']} {verb} #{event['room']}{reason}"
    if kind == "nick":
        where = f" in #{event['room']}" if event.get("room") else ""
        return f"*** {event['old']} is now known as {event['new']}{where}"
    if kind == "who":
        nicks = event["nicks"]
        members = f"{len(nicks)} member" + ("" if len(nicks) == 1 else "s")
        return f"*** #{event['room']}: {', '.join(nicks)}{' ' if nicks else ''}({members})"
    if kind == "rooms":
        rooms = ", ".join(f"#{r['name']} ({r['members']})" for r in event["rooms"])
        return f"*** rooms: {rooms or 'none'}"
    if kind == "history":
        count = event["messages"]
        state = "complete" if event["complete"] else "partial (older messages are gone)"
        return f"*** end of history for #{event['room']}: {count} message{'' if count == 1 else 's'}, {state}"
    if kind == "pong":
        return f"*** pong {event['token']}" if event.get("token") else "*** pong"
    if kind == "error":
        return f"!!! {event['code']}: {event['message']}"
    if kind == "notice":
        return f"*** {event['text']}"
    if kind == "welcome":
        return (f"*** Welcome to {event.get('server', 'Chorus')}, {event['nick']}! "
                f"You are in #{event['room']}. Type /help for commands.")
    if kind == "help":
        return "\n".join("*** " + line for line in event["lines"])
    return "*** " + json.dumps(event, ensure_ascii=False, separators=(",", ":"))


# -- the program -------------------------------------------------------------------------------

def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Chat with a Chorus server: sends the lines of stdin, prints the events received.",
        epilog="Exit codes: 0 done, 1 connection failed or request refused, 2 bad usage, "
               "3 --expect timed out.")
    p.add_argument("--host", default="127.0.0.1", help="server host (default %(default)s)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="chat port (default %(default)s)")
    p.add_argument("--nick", help="nickname to take after connecting")
    p.add_argument("--room", help="room to join and make current")
    p.add_argument("--json", action="store_true", help="print each event as its raw JSON line")
    p.add_argument("--wait-for", action="append", default=[], metavar="NICK",
                   help="before sending, wait until NICK is in the current room (repeatable)")
    p.add_argument("--send", action="append", default=[], metavar="LINE",
                   help="a line to send before the lines of stdin (repeatable)")
    p.add_argument("--no-stdin", action="store_true", help="do not read stdin; send only --send lines")
    p.add_argument("--expect", type=int, metavar="N",
                   help="exit 0 after printing N room or private messages from others, "
                        "or 3 after --timeout seconds")
    p.add_argument("--timeout", type=float, default=20.0,
                   help="seconds for connecting, --wait-for and --expect (default %(default)s)")
    return p.parse_args(argv)


class _Printer:
    """Prints events and counts the messages from others; the reader thread uses it."""

    def __init__(self, chat: ChorusChat, raw_json: bool, expect: int | None):
        self.chat = chat
        self.raw_json = raw_json
        self.expect = expect
        self.messages = 0
        self.enough = threading.Event()
        self.closed = threading.Event()
        if expect is not None and expect <= 0:
            self.enough.set()

    def show(self, event: Event) -> None:
        if self.raw_json:
            print(event.raw, flush=True)
        else:
            print(render(event), flush=True)
        if event.get("type") in MESSAGE_TYPES and event.get("from") != self.chat.nick:
            self.messages += 1
            if self.expect is not None and self.messages >= self.expect:
                self.enough.set()

    def run(self) -> None:
        try:
            for event in self.chat.events():
                self.show(event)
        except OSError:
            pass  # closed under us at the end
        finally:
            self.closed.set()


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    # Chat text is UTF-8 on the wire; keep it UTF-8 whatever the locale says.
    sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    if sys.stdin is not None:
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    else:
        args.no_stdin = True
    chat = ChorusChat(args.host, args.port, timeout=args.timeout)
    try:
        welcome = chat.connect()
    except OSError as e:
        print(f"cannot connect to {args.host}:{args.port}: {e}", file=sys.stderr)
        return EXIT_FAILED
    printer = _Printer(chat, args.json, args.expect)
    printer.show(welcome)
    try:
        if args.nick:
            chat.set_nick(args.nick)
        if args.room:
            chat.join(args.room)
        if args.wait_for:
            chat.wait_for_members(args.wait_for, timeout=args.timeout)
    except ChorusError as e:
        print(f"refused: {e}", file=sys.stderr)
        chat.close()
        return EXIT_FAILED
    except (OSError, TimeoutError) as e:
        print(f"failed while getting ready: {e}", file=sys.stderr)
        chat.close()
        return EXIT_TIMEOUT if isinstance(e, TimeoutError) else EXIT_FAILED

    reader = threading.Thread(target=printer.run, name="chorus-reader", daemon=True)
    reader.start()
    sent = threading.Event()
    failure: list[OSError] = []

    def send_all() -> None:
        try:
            for line in args.send:
                chat.send(line)
            if not args.no_stdin:
                for line in sys.stdin:
                    # A stray CR inside a line is a control character the server would drop anyway.
                    chat.send(line.rstrip("\r\n").replace("\r", ""))
        except OSError as e:
            failure.append(e)
        finally:
            sent.set()

    # A thread of its own, so that --expect can end the program while stdin is still open.
    threading.Thread(target=send_all, name="chorus-sender", daemon=True).start()

    if args.expect is None:
        sent.wait()
        if failure:
            print(f"connection lost: {failure[0]}", file=sys.stderr)
            return EXIT_FAILED
        # Half-close: the server answers every line it got, then closes; the reader prints it all.
        chat.shutdown_write()
        printer.closed.wait()
        chat.close()
        return EXIT_OK

    deadline = time.monotonic() + args.timeout
    for done in (sent, printer.enough):
        if not done.wait(max(0.0, deadline - time.monotonic())):
            what = "stdin to end" if done is sent else "messages"
            print(f"timed out after {args.timeout:g}s waiting for {what}: got {printer.messages} of "
                  f"{args.expect} messages", file=sys.stderr)
            chat.close()
            return EXIT_TIMEOUT
    if failure:
        print(f"connection lost: {failure[0]}", file=sys.stderr)
        return EXIT_FAILED
    chat.send("/quit")
    printer.closed.wait(args.timeout)
    chat.close()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
