#!/usr/bin/env python3
# sockproxy.py LISTEN TARGET [DELAY] — a unix-socket relay: each connection to
# LISTEN is relayed to TARGET (the Docker socket). Killing it breaks every
# relayed connection at once, as a dockerd restart would, without touching the
# shared daemon (the events suite). With DELAY (seconds) every chunk a client
# sends waits that long before it goes on: a slow Docker (install/notify).
# (Not a suite: tests/run.sh runs only *.sh.)
import os
import socket
import sys
import threading
import time


def pipe(a, b, delay=0.0):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            if delay:
                time.sleep(delay)
            b.sendall(d)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    path, target = sys.argv[1], sys.argv[2]
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(64)
    while True:
        c, _ = srv.accept()
        u = socket.socket(socket.AF_UNIX)
        try:
            u.connect(target)
        except OSError:
            c.close()
            continue
        threading.Thread(target=pipe, args=(c, u, delay), daemon=True).start()
        threading.Thread(target=pipe, args=(u, c), daemon=True).start()


main()
