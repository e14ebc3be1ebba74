#!/usr/bin/env python3
"""metrics_slowloris.py — hold and trickle connections to servicio's /metrics.

Usage: metrics_slowloris.py HOST PORT CONNS TRICKLE_S SOURCE...

Keeps CONNS connections from each SOURCE (a local address, e.g. 127.0.0.2)
to HOST:PORT, each an unfinished GET /metrics header block with one more
header line every TRICKLE_S seconds (faster than any idle timeout: only a
deadline on the whole header block cuts it); a connection the server closes
or refuses is opened again at once. On SIGTERM it prints one JSON object:
opened, closed_quick (closed by the server within 1 s of connecting: the
connection caps), and the lifetimes in seconds of the connections the
server closed later (trickles cut), as life_min/life_max/life_n.
"""
import json
import selectors
import signal
import socket
import sys
import time

host, port, conns, trickle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
sources = sys.argv[5:]
sel = selectors.DefaultSelector()
opened = quick = 0
lives = []
live = {}  # socket -> [opened at, next trickle, source]
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)


def connect(source):
    global opened
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(2)
    try:
        s.connect((host, port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    except OSError:
        s.close()
        return False
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
    now = time.monotonic()
    live[s] = [now, now + trickle, source]
    opened += 1
    return True


def closed(s):
    global quick
    t0 = live[s][0]
    sel.unregister(s)
    del live[s]
    s.close()
    life = time.monotonic() - t0
    if life < 1.0:
        quick += 1
    else:
        lives.append(life)


while running:
    for src in sources:
        n = sum(1 for v in live.values() if v[2] == src)
        # once the caps refuse at once, 10 reconnections per address per
        # round (a few hundred a second): enough to take every freed slot,
        # without spinning the shared CPU
        burst = conns if not quick else 10
        while running and n < conns and burst > 0:
            if not connect(src):
                break
            n += 1
            burst -= 1
    for key, _ in sel.select(timeout=0.1):
        s = key.fileobj
        try:
            if not s.recv(4096):
                closed(s)
        except OSError:
            closed(s)
    now = time.monotonic()
    for s, v in list(live.items()):
        if now >= v[1]:
            try:
                s.send(b"X-a: b\r\n")
                v[1] = now + trickle
            except OSError:
                closed(s)
    if quick:
        time.sleep(0.05)

for s in list(live):
    s.close()
lives.sort()
print(json.dumps({"opened": opened, "closed_quick": quick, "life_n": len(lives),
                  "life_min": round(lives[0], 2) if lives else None,
                  "life_max": round(lives[-1], 2) if lives else None}))
