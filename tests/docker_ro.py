#!/usr/bin/python3
"""docker_ro.py -- a read-only Docker socket for the parallel lane (tests/run.sh).

Listens on the unix socket SOCKET and passes to the real engine
(/run/docker.sock) only requests that cannot change anything: GET and HEAD
without a body (list, inspect, version, events, `docker save`). Anything
else (POST, PUT, DELETE, a body, an upgrade) is answered 403 and closed, so
a suite given this socket can read and save images but never create a
container, a network or a volume. One request per connection (the request
is sent on with "Connection: close").

Usage: docker_ro.py SOCKET  (runs until killed)
"""
import os
import socket
import sys
import threading

UPSTREAM = "/run/docker.sock"
MAX_HEAD = 64 * 1024


def refuse(conn, why):
    body = ('{"message":"read-only Docker socket of the test runner: %s"}\n' % why).encode()
    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                 b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def pipe(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass


def handle(conn):
    up = None
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            b = conn.recv(65536)
            if not b:
                return
            head += b
            if len(head) > MAX_HEAD:
                return refuse(conn, "request head too long")
        head, rest = head.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        method = lines[0].split(b" ", 1)[0]
        if method not in (b"GET", b"HEAD"):
            return refuse(conn, "only GET and HEAD")
        kept = [lines[0]]
        for line in lines[1:]:
            name = line.split(b":", 1)[0].strip().lower()
            if name in (b"transfer-encoding", b"upgrade") or (
                    name == b"content-length" and line.split(b":", 1)[1].strip() != b"0"):
                return refuse(conn, "no request body or upgrade")
            if name == b"connection":
                continue
            kept.append(line)
        if rest:
            return refuse(conn, "one request per connection")
        kept.append(b"Connection: close")
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        up.connect(UPSTREAM)
        up.sendall(b"\r\n".join(kept) + b"\r\n\r\n")
        pipe(up, conn)
    except OSError:
        pass
    finally:
        if up:
            up.close()
        conn.close()


def main():
    path = sys.argv[1]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o660)
    srv.listen(64)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
