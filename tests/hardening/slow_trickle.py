#!/usr/bin/python3
"""slow_trickle.py — one slow client that an idle timeout never catches.

Usage: slow_trickle.py HOST PORT headers|body LIMIT_S [TOKEN_FILE]

headers: sends a request line, then one header byte a second;
body:    sends whole headers of a POST /logs with Content-Length 4096
         (and the token when given: a sender that belongs, but is slow),
         then one body byte a second.
Prints the seconds until the server closed the connection, and exits 0
when that is LIMIT_S or more and under LIMIT_S + 2 (the deadline and the
watchdog's tick), 1 otherwise (also when it is still open at LIMIT_S + 10).
"""
import socket
import sys
import time

HOST, PORT, MODE, LIMIT = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
AUTH = b""
if len(sys.argv) > 5:
    AUTH = b"Authorization: Bearer " + open(sys.argv[5], "rb").read().strip() + b"\r\n"

s = socket.create_connection((HOST, PORT), timeout=5)
t0 = time.monotonic()
if MODE == "headers":
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
else:
    s.sendall(b"POST /logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + AUTH +
              b"Content-Length: 4096\r\n\r\n{")
s.settimeout(1.0)
closed = None
while time.monotonic() - t0 < LIMIT + 10:
    try:
        if s.recv(4096) == b"":
            closed = time.monotonic() - t0
            break
    except socket.timeout:
        pass
    except OSError:
        closed = time.monotonic() - t0
        break
    try:
        s.sendall(b"a")
    except OSError:
        closed = time.monotonic() - t0
        break
print("%s trickle: %s" % (MODE, "closed after %.1f s" % closed if closed else "still open"))
sys.exit(0 if closed is not None and LIMIT - 0.5 <= closed < LIMIT + 2 else 1)
