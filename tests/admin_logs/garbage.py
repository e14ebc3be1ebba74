#!/usr/bin/python3
"""garbage.py PORT [N] — send N hostile requests to admin_logs over raw
sockets: random methods and paths (control bytes, very long, non-ASCII),
bodies that are valid batches cut, bit-flipped or nested deep, lying
Content-Length, broken chunked encoding, huge headers, clients that hang
up mid-request. Prints a count of answers per status; exits 0. The suite
then checks the server is alive, stored only what was valid, and exits
clean under ASan.
"""
import json
import random
import socket
import sys

port = int(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
rnd = random.Random(7)
valid = json.dumps({"batch_id": "g", "records": [{
    "type": "decision", "ts_ns": 5, "cycle": 1, "container": {"id": "a", "name": "b"},
    "class": "low", "action": "kept", "reason": "r", "rank": 1,
    "metrics": {"cpu_pct": 1, "rss_kb": 1, "mem_kb": 1, "mem_pct": 1}}]}).encode()


def body():
    k = rnd.randrange(7)
    if k == 0:
        return valid[:rnd.randrange(len(valid))]
    if k == 1:
        b = bytearray(valid)
        for _ in range(rnd.randrange(1, 6)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        return bytes(b)
    if k == 2:
        d = rnd.randrange(10, 5000)
        return b"[" * d + b"]" * d
    if k == 3:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(200)))
    if k == 4:
        return b'{"batch_id":"g2","records":[' + b",".join([b"{}"] * rnd.randrange(1, 50)) + b"]}"
    if k == 5:
        return b'{"batch_id":"\\u0000\xff","records":[1e999999, -0, "\\ud800"]}'
    return valid.replace(b'"g"', b'"g-%d"' % rnd.randrange(10**6)).replace(b'"kept"', b'7')


def one():
    method = rnd.choice([b"GET", b"POST", b"PUT", b"DELETE", b"HEAD", b"OPTIONS", b"BREW", b"P\x00ST"])
    path = rnd.choice([b"/logs", b"/health", b"/graficar?x=1", b"/logs?limit=-1&since=abc",
                       b"/logs?" + b"a=" * 500, b"/" + b"x" * rnd.randrange(10000),
                       b"/l\x01ogs", "/\u00e9".encode(), b"*", b"logs"])
    b = body()
    k = rnd.randrange(6)
    hdr = b"Host: t\r\n"
    if k == 0:
        hdr += b"Content-Length: %d\r\n" % len(b)
    elif k == 1:
        hdr += b"Content-Length: %d\r\n" % (len(b) + rnd.randrange(1, 50))  # lies: client hangs up
    elif k == 2:
        hdr += b"Transfer-Encoding: chunked\r\n"
        b = b"%x\r\n" % len(b) + b + b"\r\nZZ\r\n"  # broken chunk
    elif k == 3:
        hdr += b"X-Big: " + b"a" * rnd.randrange(1000, 100000) + b"\r\n"
    elif k == 4:
        hdr += b"Content-Length: 99999999999999999999\r\n"
    req = method + b" " + path + b" HTTP/1.1\r\n" + hdr + b"Connection: close\r\n\r\n" + b
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        if rnd.random() < 0.2:
            s.sendall(req[:rnd.randrange(len(req))])  # hang up mid-request
            return "hangup"
        s.sendall(req)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            c = s.recv(65536)
            if not c:
                break
            data += c
        return data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "none"
    except OSError:
        return "reset"
    finally:
        s.close()


counts = {}
for _ in range(n):
    r = one()
    counts[r] = counts.get(r, 0) + 1
print(json.dumps(counts, sort_keys=True))
