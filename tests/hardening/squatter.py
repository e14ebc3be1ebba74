#!/usr/bin/env python3
"""squatter.py — a port squatter: holds 127.0.0.1:PORT and records what it gets.

Usage: squatter.py PORT

Binds 127.0.0.1:PORT (exits 3 when it cannot), says "listening" on stderr,
then accepts connections until killed: every byte received is written to
stdout (so it may run as another user than the file's owner), and each
request gets a 200 with {"status":"ok"} (so a client that sends its token
to whoever answers would go on sending it: /health looks healthy, every
POST /logs looks stored).
"""
import socket
import sys
import threading

port = int(sys.argv[1])
lock = threading.Lock()
BODY = b'{"status":"ok"}\n'
ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
          + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


def record(data):
    with lock:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


def serve(conn):
    buf = b""
    try:
        conn.settimeout(30)
        while True:
            data = conn.recv(65536)
            if not data:
                return
            record(data)
            buf += data
            while b"\r\n\r\n" in buf:  # one answer per request (headers, then its body)
                head, rest = buf.split(b"\r\n\r\n", 1)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip() or 0)
                while len(rest) < length:
                    more = conn.recv(65536)
                    if not more:
                        return
                    record(more)
                    rest += more
                buf = rest[length:]
                conn.sendall(ANSWER)
    except OSError:
        pass
    finally:
        conn.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT, not past a listener
try:
    s.bind(("127.0.0.1", port))
except OSError as e:
    print(f"squatter: cannot bind 127.0.0.1:{port}: {e}", file=sys.stderr)
    sys.exit(3)
s.listen(128)
print("listening", file=sys.stderr, flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
