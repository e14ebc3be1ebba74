#!/usr/bin/python3
"""load.py — keep --threads connections posting batches to admin_logs until
it stops answering (or --seconds pass). Every batch_id answered 201 is
appended, one per line, to --acked (os.write per line, so a line is never
torn); the batch size is --records (a sample with 3 containers, then
decisions). Exits 0; prints {"acked": n, "errors": n, "status": {...}}.
With --retry a batch not stored (5xx, a cut connection) is sent again,
same batch_id, until it is answered 201 or 200 (stored by an earlier try)
or time is up, as servicio does; both count as acked.
"""
import argparse
import http.client
import json
import os
import threading
import time


def record(i, ts):
    if i == 0:
        return {"type": "sample", "ts_ns": ts, "cycle": i, "source": "procfs",
                "memory": {"total_kb": 1000, "used_kb": 500, "available_kb": 500},
                "cpu_pct": 10.0,
                "containers": [{"id": "c%d" % k, "name": "gestor-low-%d" % k, "class": "low",
                                "label_class": "low", "cpu_pct": 1.0, "rss_kb": 10,
                                "mem_kb": 12, "mem_pct": 0.1, "procs": 1} for k in range(3)]}
    return {"type": "decision", "ts_ns": ts + i, "cycle": i,
            "container": {"id": "c%d" % i, "name": "gestor-low-%d" % i}, "class": "low",
            "action": "kept", "reason": "load", "rank": i,
            "metrics": {"cpu_pct": 1.0, "rss_kb": 10, "mem_kb": 12, "mem_pct": 0.1}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--records", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--acked", required=True)
    ap.add_argument("--prefix", default="load")
    ap.add_argument("--host", default="load")
    ap.add_argument("--retry", action="store_true")
    a = ap.parse_args()
    fd = os.open(a.acked, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    stop = time.time() + a.seconds
    counts = {"acked": 0, "errors": 0, "status": {}}
    lock = threading.Lock()

    def worker(t):
        conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
        n = 0
        while time.time() < stop:
            n += 1
            bid = "%s-%d-%d" % (a.prefix, t, n)
            ts = time.time_ns()
            body = json.dumps({"batch_id": bid, "host": a.host,
                               "records": [record(i, ts) for i in range(a.records)]})
            while time.time() < stop:
                try:
                    conn.request("POST", "/logs", body, {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    r.read()
                except (OSError, http.client.HTTPException):
                    with lock:
                        counts["errors"] += 1
                    if not a.retry:
                        return  # the server is gone
                    conn.close()
                    time.sleep(0.1)
                    continue
                with lock:
                    k = str(r.status)
                    counts["status"][k] = counts["status"].get(k, 0) + 1
                if r.status == 201 or (a.retry and r.status == 200):
                    os.write(fd, (bid + "\n").encode())
                    with lock:
                        counts["acked"] += 1
                if not a.retry or r.status in (200, 201):
                    break
                time.sleep(0.1)

    ts = [threading.Thread(target=worker, args=(t,)) for t in range(a.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
