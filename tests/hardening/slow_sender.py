#!/usr/bin/python3
"""slow_sender.py — a log sender that must keep being served during an attack.

Usage: slow_sender.py HOST PORT SECONDS OUT_JSON [TOKEN_FILE]

Posts one valid one-record batch a second, each on a new TCP connection,
for SECONDS seconds, and waits at most 20 s for each answer (a deadline
that only catches a hang: how fast the answers come is a figure, measured
by bench/timings.sh, not judged here). Writes to OUT_JSON: batches sent,
acknowledged with 201, when the last acknowledged one was sent (last_ok_s,
seconds from the start), the latencies (max, p50, p99) and each failure. With TOKEN_FILE the batches carry
"Authorization: Bearer <token>". Stdlib only.
"""
import http.client
import json
import sys
import time
import uuid

HOST, PORT, SECONDS, OUT = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
TOKEN = open(sys.argv[5]).read().strip() if len(sys.argv) > 5 else None
LIMIT = 20.0


def batch():
    bid = "slow-" + uuid.uuid4().hex
    rec = {"type": "decision", "ts_ns": time.time_ns(), "cycle": 1,
           "container": {"id": "b" * 64, "name": "gestor-low-slow"}, "class": "low",
           "action": "kept", "reason": "slow-attack sender", "rank": 1,
           "metrics": {"cpu_pct": 0.5, "rss_kb": 100, "mem_kb": 120, "mem_pct": 0.01}}
    return json.dumps({"batch_id": bid, "host": "slow-sender", "records": [rec]})


def post_one():
    hdr = {"Content-Type": "application/json", "Connection": "close"}
    if TOKEN:
        hdr["Authorization"] = "Bearer " + TOKEN
    t0 = time.monotonic()
    try:
        c = http.client.HTTPConnection(HOST, PORT, timeout=LIMIT)
        c.request("POST", "/logs", body=batch(), headers=hdr)
        st = c.getresponse().status
        c.close()
    except (OSError, http.client.HTTPException) as e:
        return None, time.monotonic() - t0, str(e)
    return st, time.monotonic() - t0, ""


def main():
    sent, acked, lat, fails, last_ok = 0, 0, [], [], None
    start = time.monotonic()
    nxt = start
    while time.monotonic() - start < SECONDS:
        at = time.monotonic() - start
        st, dt, why = post_one()
        sent += 1
        lat.append(dt)
        if st == 201:
            acked += 1
            last_ok = round(at, 1)
        else:
            fails.append({"at_s": round(nxt - start, 1), "status": st, "seconds": round(dt, 3),
                          "error": why})
        nxt += 1.0
        time.sleep(max(0.0, nxt - time.monotonic()))
    lat.sort()
    out = {"sent": sent, "acked": acked, "last_ok_s": last_ok, "max_s": round(lat[-1], 4) if lat else None,
           "p50_s": round(lat[len(lat) // 2], 4) if lat else None,
           "p99_s": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 4) if lat else None,
           "failures": fails}
    with open(OUT, "w") as f:
        json.dump(out, f)
    print(json.dumps(out))


main()
