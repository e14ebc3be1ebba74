#!/usr/bin/python3
"""abuse.py — network abuse against a running admin_logs on loopback.

Usage: abuse.py PORT PID MAX_CONNS TIMEOUT_S RSS_BOUND_KB

Runs each attack in turn while a prober thread keeps asking GET /health and
POSTing a valid one-record batch (each probe retried for up to TIMEOUT_S + 3
seconds: a probe fails only when the server never answers it in that window).
After each attack: one more health probe and a valid POST must succeed, the
server's RSS (/proc/PID/status VmRSS, sampled every 0.1 s) must stay under
RSS_BOUND_KB. Prints one "attack ..." line per attack and a final JSON line
with the totals. Exit 0 when every check held. Stdlib only, 127.0.0.1 only.
"""
import json
import socket
import sys
import threading
import time
import uuid

PORT, PID, MAXC, TMO, BOUND = (int(a) for a in sys.argv[1:6])
HOST = "127.0.0.1"
stop_probe = threading.Event()
stats = {"probes": 0, "probe_fail": 0, "posts_ok": 0, "attack_conns": 0,
         "attack_bytes": 0, "rss_max_kb": 0, "checks_failed": 0}
lock = threading.Lock()


def rss_kb():
    try:
        with open("/proc/%d/status" % PID) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return -1
    return -1


def rss_sampler():
    while not stop_probe.is_set():
        r = rss_kb()
        with lock:
            stats["rss_max_kb"] = max(stats["rss_max_kb"], r)
        time.sleep(0.1)


def request(raw, timeout=5.0):
    """Send raw bytes, return (status, body) or (None, error)."""
    try:
        s = socket.create_connection((HOST, PORT), timeout=timeout)
        s.sendall(raw)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                cl = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if cl and len(body) >= int(cl[0].split(b":")[1]):
                    break
        s.close()
        line = data.split(b"\r\n", 1)[0].split()
        return (int(line[1]) if len(line) > 1 else None), data
    except (OSError, ValueError) as e:
        return None, str(e)


def valid_batch():
    bid = "abuse-" + uuid.uuid4().hex
    rec = {"type": "decision", "ts_ns": time.time_ns(), "cycle": 1,
           "container": {"id": "a" * 64, "name": "gestor-low-abuse"}, "class": "low",
           "action": "kept", "reason": "abuse probe", "rank": 1,
           "metrics": {"cpu_pct": 0.5, "rss_kb": 100, "mem_kb": 120, "mem_pct": 0.01}}
    return bid, json.dumps({"batch_id": bid, "host": "abuse", "records": [rec]}).encode()


def post(body, extra=b""):
    return request(b"POST /logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Connection: close\r\n" + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def get(path):
    return request(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")


def probe_once(kind):
    deadline = time.time() + TMO + 3
    while time.time() < deadline:
        if kind == "health":
            st, _ = get("/health")
            if st == 200:
                return True
        else:
            bid, body = valid_batch()
            st, _ = post(body)
            if st == 201:
                with lock:
                    stats["posts_ok"] += 1
                return True
        time.sleep(0.2)
    return False


def prober():
    kinds = ["health", "post"]
    i = 0
    while not stop_probe.is_set():
        ok = probe_once(kinds[i % 2])
        with lock:
            stats["probes"] += 1
            if not ok:
                stats["probe_fail"] += 1
        i += 1
        time.sleep(0.25)


def conn():
    s = socket.create_connection((HOST, PORT), timeout=10)
    with lock:
        stats["attack_conns"] += 1
    return s


def send(s, data):
    try:
        s.sendall(data)
        with lock:
            stats["attack_bytes"] += len(data)
        return True
    except OSError:
        return False


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


# ---- attacks: each bounded in connections and seconds
def slowloris():
    """MAXC/2 connections each sending a request header one byte a second."""
    socks = []
    for _ in range(MAXC // 2):
        try:
            s = conn()
            send(s, b"GET /health HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            pass
    for _ in range(6):
        time.sleep(1)
        socks = [s for s in socks if send(s, b"X")]
    close_all(socks)


def flood():
    """2*MAXC+50 connections opened at once and held silent for TIMEOUT_S+1 s."""
    socks = []
    for _ in range(2 * MAXC + 50):
        try:
            socks.append(conn())
        except OSError:
            pass
    time.sleep(TMO + 1)
    close_all(socks)


def big_headers():
    """Header lines of 64 KiB and 1 MiB, 2000 headers: refused, not buffered forever."""
    for size in (64 << 10, 1 << 20):
        request(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * size + b"\r\n\r\n", 10)
    request(b"GET /health HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(2000)) + b"\r\n", 10)
    with lock:
        stats["attack_bytes"] += (64 << 10) + (1 << 20) + 20000


def big_bodies():
    """A 32 MiB Content-Length body, a lying length, a 8 MiB chunked body."""
    st, _ = request(b"POST /logs HTTP/1.1\r\nHost: x\r\nContent-Length: 33554432\r\n\r\n" + b"[" * (4 << 20), 10)
    st2, _ = request(b"POST /logs HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n{}", 10)
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(128)) + b"0\r\n\r\n"
    st3, _ = request(b"POST /logs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body, 10)
    with lock:
        stats["attack_bytes"] += (4 << 20) + len(body)
    return [st, st2, st3]


def pipelined_garbage():
    """20 connections each pipelining valid requests mixed with binary garbage."""
    import random
    rnd = random.Random(9)
    for _ in range(20):
        junk = bytes(rnd.getrandbits(8) for _ in range(4096))
        request(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + junk + b"\r\n\r\nGET /logs HTTP/1.1\r\n\r\n" + junk, 5)
        with lock:
            stats["attack_bytes"] += 2 * len(junk)


def bad_utf8():
    """Batches with invalid UTF-8 in strings and keys: 400, nothing stored."""
    out = []
    for bad in (b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"a\x00b"):
        body = b'{"batch_id":"utf8-' + uuid.uuid4().hex.encode() + b'","host":"' + bad + b'","records":[]}'
        out.append(post(body)[0])
    return out


def nested():
    """JSON nested 100000 deep (arrays and objects): refused, no stack overflow."""
    out = []
    for o, c in ((b"[", b"]"), (b'{"a":', b"}")):
        body = b'{"batch_id":"nest","host":"h","records":[' + o * 100000 + b"1" + c * 100000 + b"]}"
        out.append(post(body)[0])
    return out


ATTACKS = [("slowloris", slowloris), ("flood", flood), ("big_headers", big_headers),
           ("big_bodies", big_bodies), ("pipelined_garbage", pipelined_garbage),
           ("invalid_utf8", bad_utf8), ("nested_json", nested)]


def main():
    ok_all = True
    threading.Thread(target=rss_sampler, daemon=True).start()
    for name, fn in ATTACKS:
        with lock:
            p0, f0 = stats["probes"], stats["probe_fail"]
        stop_probe.clear()
        t = threading.Thread(target=prober, daemon=True)
        t.start()
        t0 = time.time()
        res = fn()
        stop_probe.set()
        t.join(TMO + 10)
        threading.Thread(target=rss_sampler, daemon=True).start()
        after_h = probe_once("health")
        after_p = probe_once("post")
        with lock:
            probes, fails = stats["probes"] - p0, stats["probe_fail"] - f0
            rss = stats["rss_max_kb"]
        ok = after_h and after_p and fails == 0 and 0 < rss < BOUND
        if isinstance(res, list):  # answers to the hostile requests themselves: never 2xx
            ok = ok and all(s is None or s >= 400 for s in res)
        ok_all = ok_all and ok
        if not ok:
            stats["checks_failed"] += 1
        print("attack %-18s %5.1fs  probes %3d failed %d  after: health %s post %s  rss max %d KiB%s  %s" % (
            name, time.time() - t0, probes, fails, after_h, after_p, rss,
            ("  answers %s" % res) if isinstance(res, list) else "", "ok" if ok else "FAIL"), flush=True)
    print(json.dumps(stats))
    sys.exit(0 if ok_all else 1)


main()
