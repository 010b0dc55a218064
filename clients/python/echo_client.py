#!/usr/bin/env python3
"""The client of the classic echo example, in Python: the same exchange as clients/node/echo-client.js.

It connects, sends ``Hello, server!`` once with no newline and without shutting down its side of
the connection, prints what comes back, and closes. Against the default (raw) echo mode started
with ``--echo-prefix "Echo: "`` it prints ``Received: Echo: Hello, server!``.

    python3 echo_client.py [PORT] [HOST]      defaults: 7007, 127.0.0.1
"""

import socket
import sys


def main() -> int:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 7007
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    try:
        with socket.create_connection((host, port)) as client:
            print("Connected to server", flush=True)
            client.sendall("Hello, server!".encode("utf-8"))
            data = client.recv(4096)
            print("Received: " + data.decode("utf-8", errors="replace"), flush=True)
    except OSError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    print("Connection closed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
