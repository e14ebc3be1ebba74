#!/usr/bin/python3
"""docker_label.py -- a labelling Docker socket for the parallel lane's
"docker" suites (tests/run.sh, tests/sandbox.sh).

Listens on the unix socket SOCKET and passes every request to the real
engine (/run/docker.sock), unchanged but for one thing: the body of a
request that creates a container, a network or a volume
(POST .../containers/create, .../networks/create, .../volumes/create) gets
the label KEY=VALUE added to its "Labels". So everything a suite makes
through this socket carries the suite's name: the serial lane's
machine-wide stock leaves those things out (they are not the serial
suite's), and the sandbox lists the ones still there after the suite as
its leftovers.

Requests are read one after another on a connection (keep-alive works:
each request's body is framed by Content-Length or chunked encoding); the
answers are passed back as they come. After a request that asks for an
upgrade (attach, exec: "Upgrade: tcp") the connection is a plain pipe both
ways.

Usage: docker_label.py SOCKET KEY=VALUE [UPSTREAM]  (runs until killed;
UPSTREAM: the engine's socket, /run/docker.sock by default; the sandbox
gives another path to it, as its /run/docker.sock is this proxy)
"""
import json
import os
import re
import socket
import sys
import threading

UPSTREAM = "/run/docker.sock"
MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024  # a create request's JSON (the only bodies read whole)
CREATE = re.compile(rb"^(/v[0-9.]+)?/(containers|networks|volumes)/create(\?|$)")


class Conn:
    """a buffered reader over a socket"""

    def __init__(self, s):
        self.s = s
        self.buf = b""

    def fill(self):
        b = self.s.recv(65536)
        if not b:
            raise EOFError
        self.buf += b

    def until(self, sep, limit):
        while sep not in self.buf:
            if len(self.buf) > limit:
                raise ValueError("too long")
            self.fill()
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def take(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def stream(self, n, dst):
        """copy n bytes to dst without keeping them"""
        while n > 0:
            if not self.buf:
                self.fill()
            b = self.buf[:n]
            self.buf = self.buf[len(b):]
            dst.sendall(b)
            n -= len(b)


def read_chunked(c, dst):
    """a chunked body: copied to dst as it is when dst, else returned decoded"""
    out = b""
    while True:
        line = c.until(b"\r\n", 1024)
        n = int(line.split(b";", 1)[0].strip(), 16)
        if dst:
            dst.sendall(line)
        if n == 0:
            while True:  # trailers up to the empty line
                t = c.until(b"\r\n", MAX_HEAD)
                if dst:
                    dst.sendall(t)
                if t == b"\r\n":
                    return out
        if dst:
            c.stream(n + 2, dst)
        else:
            out += c.take(n)
            c.take(2)
            if len(out) > MAX_BODY:
                raise ValueError("body too long")


def labelled(body, key, value):
    doc = json.loads(body or b"{}")
    labels = doc.get("Labels") or {}
    labels[key] = value
    doc["Labels"] = labels
    return json.dumps(doc).encode()


def pipe(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def handle(conn, key, value, upstream):
    up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    back = None
    try:
        up.connect(upstream)
        back = threading.Thread(target=pipe, args=(up, conn), daemon=True)
        back.start()
        c = Conn(conn)
        while True:
            try:
                head = c.until(b"\r\n\r\n", MAX_HEAD)
            except EOFError:
                break
            lines = head[:-4].split(b"\r\n")
            method, path = (lines[0].split(b" ") + [b"", b""])[:2]
            length, chunked, upgrade = 0, False, False
            for line in lines[1:]:
                name, _, val = line.partition(b":")
                name, val = name.strip().lower(), val.strip()
                if name == b"content-length":
                    length = int(val)
                elif name == b"transfer-encoding" and b"chunked" in val.lower():
                    chunked = True
                elif name == b"upgrade":
                    upgrade = True
            if method == b"POST" and CREATE.match(path):
                body = read_chunked(c, None) if chunked else c.take(length)
                body = labelled(body, key, value)
                kept = [line for line in lines if line.split(b":", 1)[0].strip().lower()
                        not in (b"content-length", b"transfer-encoding")]
                kept.append(b"Content-Length: %d" % len(body))
                up.sendall(b"\r\n".join(kept) + b"\r\n\r\n" + body)
            else:
                up.sendall(head)
                if chunked:
                    read_chunked(c, up)
                else:
                    c.stream(length, up)
            if upgrade:
                # a hijacked connection: raw bytes both ways from here
                if c.buf:
                    up.sendall(c.buf)
                    c.buf = b""
                pipe(conn, up)
                break
    except (OSError, ValueError, EOFError):
        pass
    finally:
        try:
            up.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        # the answers may go on after the client closed its side (an
        # attached `docker run` half-closes when it has no stdin): the
        # connection ends when the engine's side does
        if back:
            back.join()
        up.close()
        conn.close()


def main():
    path, label = sys.argv[1], sys.argv[2]
    key, _, value = label.partition("=")
    upstream = sys.argv[3] if len(sys.argv) > 3 else UPSTREAM
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
        threading.Thread(target=handle, args=(conn, key, value, upstream), daemon=True).start()


if __name__ == "__main__":
    main()
