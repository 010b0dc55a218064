"""Chat readers for the slow-consumer burst test (issue 9, item 2): ordinary blocking sockets, one thread each.

Usage: burst_readers.py HOST PORT ROOM READERS LINES PUBLISHER

Each reader joins ROOM, then reads its socket in a loop and checks that the publisher's lines
("#ROOM <PUBLISHER> N ...") arrive numbered 0, 1, 2, ... with none missing. Prints "ready" once every
reader has joined, "done I COUNT" or "fail I REASON" per reader, then "finished OK FAILED".
"""
import socket
import sys
import threading


def reader(index, host, port, room, lines, publisher, joined, results):
    nick = "reader%d" % index
    prefix = ("#%s <%s> " % (room, publisher)).encode()
    try:
        sock = socket.create_connection((host, port))
        sock.sendall(("/nick %s\n/join %s\n" % (nick, room)).encode())
        buf = b""
        expected = 0
        is_joined = False
        while expected < lines:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("closed after %d lines" % expected)
            buf += chunk
            parts = buf.split(b"\n")
            buf = parts.pop()
            for line in parts:
                if not is_joined and line == ("*** %s joined #%s" % (nick, room)).encode():
                    is_joined = True
                    joined.release()
                elif line.startswith(prefix):
                    number = int(line[len(prefix):].split(b" ", 1)[0])
                    if number != expected:
                        raise RuntimeError("line %d where %d was due" % (number, expected))
                    expected += 1
                elif line.startswith(b"!!!"):
                    raise RuntimeError(line.decode("utf-8", "replace"))
        results[index] = "done %d %d" % (index, expected)
        sock.close()
    except Exception as e:  # reported to the Java test, which fails on it
        results[index] = "fail %d %s" % (index, e)
        joined.release()


def main():
    host, port, room = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    readers, lines, publisher = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    joined = threading.Semaphore(0)
    results = [None] * readers
    threads = [threading.Thread(target=reader, args=(i, host, port, room, lines, publisher, joined, results))
               for i in range(readers)]
    for t in threads:
        t.start()
    for _ in range(readers):
        joined.acquire()
    print("ready", flush=True)
    for t in threads:
        t.join()
    for r in results:
        print(r, flush=True)
    ok = sum(1 for r in results if r.startswith("done"))
    print("finished %d %d" % (ok, readers - ok), flush=True)


if __name__ == "__main__":
    main()
