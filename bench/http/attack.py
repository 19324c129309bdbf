#!/usr/bin/env python3
"""Load for bench/http/run.sh's second table, on loopback only, for a bounded
time: SLOW clients that each send a request head a byte at a time (and open
a new connection when the sidecar closes theirs at its head deadline), and
FLOOD connections that send one endless header line each (431, then again).
Stops by itself after SECONDS.
    attack.py PORT SECONDS [SLOW=200] [FLOOD=4]
"""
import selectors
import socket
import sys
import time

HEAD = b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Slow: " + b"a" * 4000
LINE = b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Flood: "
CHUNK = b"f" * 65536


def connect(port):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    return s


def main():
    port, seconds = int(sys.argv[1]), float(sys.argv[2])
    slow_count = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    flood_count = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    end = time.monotonic() + seconds
    selector = selectors.DefaultSelector()
    slow = {}  # socket -> bytes of HEAD sent
    for _ in range(slow_count):
        slow[connect(port)] = 0
    flood = {}
    for _ in range(flood_count):
        s = connect(port)
        flood[s] = 0
        selector.register(s, selectors.EVENT_WRITE)
    next_tick = time.monotonic()
    while time.monotonic() < end:
        # Slow clients: one byte each per half second.
        if time.monotonic() >= next_tick:
            next_tick += 0.5
            for s in list(slow):
                try:
                    s.send(HEAD[slow[s] % len(HEAD):][:1])
                    slow[s] += 1
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:  # closed at the head deadline: come back
                    s.close()
                    del slow[s]
                    slow[connect(port)] = 0
        # Flood connections: as fast as the sidecar reads them.
        for key, _ in selector.select(timeout=0.05):
            s = key.fileobj
            try:
                s.send(LINE if flood[s] == 0 else CHUNK)
                flood[s] += 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:  # refused with 431 and closed: again
                selector.unregister(s)
                s.close()
                del flood[s]
                fresh = connect(port)
                flood[fresh] = 0
                selector.register(fresh, selectors.EVENT_WRITE)
    for s in list(slow) + list(flood):
        s.close()


if __name__ == "__main__":
    main()
