#!/usr/bin/python3
"""slow_readers.py — N clients that ask admin_logs for a large answer and
read it one byte a second, each with a small receive buffer, so the answer
stays on the server's side; meanwhile POST /logs is timed, and for each
answer it is noted whether every reader still held its connection then
(peeked at, not read: a reader cut by the server shows end-of-file), and
the server's resident memory is sampled from /proc/PID/status.

Usage: slow_readers.py --port P --pid PID --conns 50 --seconds S
         [--path '/logs?limit=10000'] [--post-every 2]
Prints one JSON line: {"conns":..,"opened":..,"max_rss_kib":..,
"posts":..,"post_codes":{code:n},"post_max_s":..,"posts_while_all_held":..,
"closed_by_server":..,
"bytes_read":..}. Closed by the server means end-of-file or a reset seen
before the end.
"""
import argparse
import json
import select
import socket
import time
import urllib.error
import urllib.request


def rss_kib(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        return -1
    return -1


def post(port, n):
    body = json.dumps({"batch_id": "slowreaders-%d-%d" % (int(time.time()), n), "host": "slow",
                       "records": [{"type": "decision", "ts_ns": time.time_ns(), "cycle": n,
                                    "container": {"id": "sr1", "name": "sr"}, "class": "low",
                                    "action": "kept", "reason": "slow readers test", "rank": 1,
                                    "metrics": {"cpu_pct": 0.1, "rss_kb": 1, "mem_kb": 1,
                                                "mem_pct": 0.1}}]}).encode()
    req = urllib.request.Request('http://127.0.0.1:%d/logs' % port, data=body, method='POST',
                                 headers={'Content-Type': 'application/json'})
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            code = r.status
    except urllib.error.HTTPError as e:
        code = e.code
    except OSError:
        code = 0
    return code, time.monotonic() - t0


def still_open(s):
    """the server has not closed this reader's connection (peeked, nothing read)"""
    try:
        return s.recv(1, socket.MSG_PEEK) != b''
    except BlockingIOError:
        return True
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--pid', type=int, required=True)
    ap.add_argument('--conns', type=int, default=50)
    ap.add_argument('--seconds', type=float, default=30)
    ap.add_argument('--path', default='/logs?limit=10000')
    ap.add_argument('--post-every', type=float, default=2.0)
    a = ap.parse_args()

    socks = []
    for _ in range(a.conns):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        s.connect(('127.0.0.1', a.port))
        s.sendall(('GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' % a.path).encode())
        s.setblocking(False)
        socks.append(s)
    opened = len(socks)
    live = set(socks)
    closed = 0
    got = 0
    max_rss = 0
    codes = {}
    post_max = 0.0
    posts = 0
    while_all = 0
    t_end = time.monotonic() + a.seconds
    next_read = time.monotonic()
    next_post = time.monotonic() + 1
    while time.monotonic() < t_end:
        now = time.monotonic()
        if now >= next_read:
            for s in list(live):
                try:
                    b = s.recv(1)
                except BlockingIOError:
                    continue
                except OSError:
                    b = b''
                if not b:
                    live.discard(s)
                    closed += 1
                    s.close()
                else:
                    got += 1
            next_read = now + 1.0
        max_rss = max(max_rss, rss_kib(a.pid))
        if now >= next_post:
            code, dt = post(a.port, posts)
            if code == 201 and len(live) == opened and all(still_open(s) for s in live):
                while_all += 1
            posts += 1
            codes[str(code)] = codes.get(str(code), 0) + 1
            post_max = max(post_max, dt)
            next_post = time.monotonic() + a.post_every
        time.sleep(0.2)
    for s in live:
        s.close()
    print(json.dumps({"conns": a.conns, "opened": opened, "max_rss_kib": max_rss,
                      "posts": posts, "post_codes": codes, "post_max_s": round(post_max, 3),
                      "posts_while_all_held": while_all,
                      "closed_by_server": closed, "bytes_read": got}))


if __name__ == '__main__':
    main()
