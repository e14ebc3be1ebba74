"""Reference for the graphs benchmark: the original design's way of
drawing — read the JSON-lines log the Python server wrote, then draw with
matplotlib (Debian's python3-matplotlib) the three charts it had: system
memory used, system CPU %, and CPU % per container. Prints
{"parse_s": ..., "draw_s": ..., "samples": ...}.

Usage: /usr/bin/python3 bench/ref/plots.py LOG.jsonl OUTDIR
"""
import json
import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    log, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    ts, used, cpu, per = [], [], [], {}
    with open(log, encoding="utf-8") as f:
        for line in f:
            batch = json.loads(line)
            recs = batch if isinstance(batch, list) else batch["records"]
            for r in recs:
                if r.get("type") != "sample":
                    continue
                t = r["ts_ns"] / 1e9
                ts.append(t)
                used.append(r["memory"]["used_kb"] / 1024)
                cpu.append(r["cpu_pct"])
                for c in r["containers"]:
                    s = per.setdefault(c["name"], ([], []))
                    s[0].append(t)
                    s[1].append(c["cpu_pct"])
    t1 = time.time()
    for name, ys, label in (("memory", used, "memory used (MiB)"), ("cpu", cpu, "CPU (%)")):
        fig, ax = plt.subplots(figsize=(12, 6))
        ax.plot(ts, ys)
        ax.set_title(name)
        ax.set_xlabel("time (s)")
        ax.set_ylabel(label)
        fig.savefig(os.path.join(out, name + ".png"))
        plt.close(fig)
    fig, ax = plt.subplots(figsize=(12, 6))
    busiest = sorted(per.items(), key=lambda kv: -sum(kv[1][1]) / len(kv[1][1]))[:5]
    for name, (xs, ys) in busiest:
        ax.plot(xs, ys, label=name)
    ax.set_title("CPU per container")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("CPU (%)")
    ax.legend()
    fig.savefig(os.path.join(out, "containers.png"))
    plt.close(fig)
    t2 = time.time()
    print(json.dumps({"parse_s": round(t1 - t0, 3), "draw_s": round(t2 - t1, 3),
                      "samples": len(ts)}))


if __name__ == "__main__":
    main()
