#!/usr/bin/python3
"""gen.py — generate gestor log traffic and POST it to an admin_logs server.

Simulates one manager host: a sample every --interval seconds over
--samples cycles, with --containers containers (a mix of high-cpu,
high-ram and low, some removed and replaced along the way), and a decision
per container per cycle (kept, or removed when over quota). Records go in
batches of --batch records with unique batch_ids. Deterministic for a given
--seed. Prints one JSON summary line: {"batches":..,"records":..,"samples":..,
"decisions":..,"removed":{"high":..,"low":..}}.

Usage: gen.py --url http://127.0.0.1:PORT | --out FILE.jsonl [--samples 720] [--interval 5]
              [--containers 6] [--batch 50] [--start-ns NS] [--seed 1]
"""
import argparse
import json
import random
import sys
import urllib.request


def post(url, body):
    req = urllib.request.Request(url + "/logs", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        if r.status not in (200, 201):
            raise SystemExit("POST /logs: HTTP %d" % r.status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", help="server to POST to")
    ap.add_argument("--out", help="instead: write each batch as a JSON line to this file")
    ap.add_argument("--samples", type=int, default=720)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--containers", type=int, default=6)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--start-ns", type=int, default=1764338400 * 10**9)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--prefix", default="gen")
    ap.add_argument("--host", default="gen")
    ap.add_argument("--run", default="", help="servicio's run id in every batch (none: no run)")
    a = ap.parse_args()
    if not a.url and not a.out:
        ap.error("--url or --out is needed")
    outf = open(a.out, "w", encoding="utf-8") if a.out else None
    rnd = random.Random(a.seed)
    classes = ["high-cpu", "high-ram", "low"]
    serial = 0

    def new_container():
        nonlocal serial
        serial += 1
        lc = classes[serial % 3]
        return {"id": "%012x" % (0xabc000 + serial), "name": "gestor-%s-%04d" % (lc, serial),
                "label_class": lc, "class": "low" if lc == "low" else "high",
                "base_cpu": 80.0 if lc == "high-cpu" else (5.0 if lc == "high-ram" else 0.5),
                "base_mem": 300000 if lc == "high-ram" else (20000 if lc == "high-cpu" else 2000)}

    live = [new_container() for _ in range(a.containers)]
    out, nb, nrec, ns, nd = [], 0, 0, 0, 0
    removed = {"high": 0, "low": 0}

    def flush():
        nonlocal out, nb
        if out:
            nb += 1
            doc = {"batch_id": "%s-%d-%d" % (a.prefix, a.seed, nb), "host": a.host,
                   "records": out}
            if a.run:
                doc["run"] = a.run
            body = json.dumps(doc)
            if outf:
                outf.write(body + "\n")
            else:
                post(a.url, body.encode())
            out = []

    def add(rec):
        nonlocal nrec
        out.append(rec)
        nrec += 1
        if len(out) >= a.batch:
            flush()

    total_kb = 24 * 1024 * 1024
    for cyc in range(a.samples):
        ts = a.start_ns + int(cyc * a.interval * 1e9)
        cs = []
        for c in live:
            cpu = max(0.0, c["base_cpu"] + rnd.uniform(-2, 2))
            mem = int(c["base_mem"] * rnd.uniform(0.9, 1.1))
            cs.append({"id": c["id"], "name": c["name"], "class": c["class"],
                       "label_class": c["label_class"], "cpu_pct": round(cpu, 2),
                       "rss_kb": mem, "mem_kb": mem + 100,
                       "mem_pct": round(100.0 * mem / total_kb, 4), "procs": 1})
        used = 2 * 1024 * 1024 + sum(x["mem_kb"] for x in cs) + rnd.randint(0, 50000)
        add({"type": "sample", "ts_ns": ts, "cycle": cyc, "source": "procfs",
             "memory": {"total_kb": total_kb, "used_kb": used, "available_kb": total_kb - used},
             "cpu_pct": round(min(100.0, sum(x["cpu_pct"] for x in cs) / 2 + rnd.uniform(0, 3)), 2),
             "containers": cs})
        ns += 1
        keep = []
        for rank, (c, m) in enumerate(zip(live, cs)):
            remove = cyc % 12 == 11 and rank == 0
            action = "removed" if remove else "kept"
            add({"type": "decision", "ts_ns": ts + 1000 + rank, "cycle": cyc,
                 "container": {"id": c["id"], "name": c["name"]}, "class": c["class"],
                 "action": action, "reason": "over quota" if remove else "within quota",
                 "rank": rank, "metrics": {"cpu_pct": m["cpu_pct"], "rss_kb": m["rss_kb"],
                                           "mem_kb": m["mem_kb"], "mem_pct": m["mem_pct"]}})
            nd += 1
            if remove:
                removed[c["class"]] += 1
            else:
                keep.append(c)
        while len(keep) < a.containers:
            keep.append(new_container())
        live = keep
    flush()
    if outf:
        outf.close()
    print(json.dumps({"batches": nb, "records": nrec, "samples": ns, "decisions": nd,
                      "removed": removed}))


if __name__ == "__main__":
    sys.exit(main())
