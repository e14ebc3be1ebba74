#!/usr/bin/env python3
"""docs_compare.py — the module's document against the BPF iterator's, read
on the same kernel in the system VM (tests/system/guest-run.sh reads BPF,
then the module, then BPF again; tests/system/chain.sh runs this on them).

One schema (docs/proc-format.md): the same header fields (the BPF document
adds only "producer" and "args"), the same process fields in the same order,
the same header values where they do not move (version, cpus, hz,
containers_only, memory.total_kb).

The same processes: every process listed by both BPF reads is in the
module's document; every process of the module's document is in a BPF read,
unless it started after the first BPF read (the readers themselves, a
docker exec). For each process in all three documents:
  - equal: name, ppid, uid, container_id, cgroup, start_time_ns, and cmdline
    when the BPF document has the arguments ("args": true);
  - between the two BPF reads (the module read lies between them in time):
    threads; vsz_kb and rss_kb within one page (4 KiB) of that range;
    cpu_time_ns within that range widened by one tick (1/hz) per thread at
    each end (the module sums the group's times under its lock; the
    iterator sums the threads it walks, each one's runtime up to its last
    tick).
Prints what it compared and every difference; exit 1 on any difference.

usage: docs_compare.py MODULE.json BPF1.json BPF2.json
"""
import json
import sys

PAGE_KB = 4
BPF_ONLY_HEADER = {"producer", "args"}
READERS = {"bpfdoc", "cat"}


def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[-1])
        return 2
    try:
        mod, b1, b2 = (load(p) for p in sys.argv[1:])
    except (OSError, ValueError) as e:
        print(f"DIFF: a document is missing or not JSON: {e}")
        return 1
    bad = []

    extra = set(b1) - set(mod)
    if extra != BPF_ONLY_HEADER:
        bad.append(f"header: BPF-only fields {sorted(extra)}, expected {sorted(BPF_ONLY_HEADER)}")
    if set(mod) - set(b1):
        bad.append(f"header: fields missing from BPF: {sorted(set(mod) - set(b1))}")
    if [k for k in b1 if k not in BPF_ONLY_HEADER] != list(mod):
        bad.append("header: fields in another order")
    for k in ("version", "cpus", "hz", "containers_only"):
        if mod.get(k) != b1.get(k):
            bad.append(f"header: {k} module {mod.get(k)!r} vs BPF {b1.get(k)!r}")
    if mod["memory"]["total_kb"] != b1["memory"]["total_kb"]:
        bad.append("header: memory.total_kb differs")
    if list(mod["memory"]) != list(b1["memory"]) or list(mod["cpu"]) != list(b1["cpu"]):
        bad.append("header: memory or cpu blocks have other fields")

    keys_m = {tuple(p) for p in mod["processes"]}
    keys_b = {tuple(p) for p in b1["processes"]} | {tuple(p) for p in b2["processes"]}
    if len(keys_m | keys_b) != 1:
        bad.append(f"process fields differ: {sorted(keys_m | keys_b)}")

    M = {p["pid"]: p for p in mod["processes"]}
    B1 = {p["pid"]: p for p in b1["processes"]}
    B2 = {p["pid"]: p for p in b2["processes"]}
    t_b1 = b1["boottime_ns"]
    both = set(B1) & set(B2)
    missing = sorted(p for p in both if p not in M and B1[p]["start_time_ns"] == B2[p]["start_time_ns"])
    if missing:
        bad.append(f"in both BPF reads but not in the module's document: pids {missing[:20]}")
    unseen = sorted(p for p in M if p not in B1 and p not in B2
                    and M[p]["start_time_ns"] < t_b1 and M[p]["name"] not in READERS)
    if unseen:
        bad.append(f"in the module's document, older than the first BPF read, in no BPF read: "
                   f"pids {unseen[:20]} ({', '.join(M[p]['name'] for p in unseen[:5])})")

    tick = 1_000_000_000 // mod["hz"]
    args = bool(b1.get("args"))
    compared = 0
    cpu_dev = 0
    for pid in sorted(both & set(M)):
        m, x, y = M[pid], B1[pid], B2[pid]
        if m["name"] in READERS or x["start_time_ns"] != y["start_time_ns"]:
            continue
        compared += 1
        fields = ["name", "ppid", "uid", "container_id", "cgroup", "start_time_ns"]
        if args:
            fields.append("cmdline")
        for f in fields:
            if m[f] != x[f] and m[f] != y[f]:
                bad.append(f"pid {pid} ({m['name']}): {f} module {m[f]!r} vs BPF {x[f]!r}")
        lo, hi = min(x["threads"], y["threads"]), max(x["threads"], y["threads"])
        if not lo <= m["threads"] <= hi:
            bad.append(f"pid {pid} ({m['name']}): threads {m['threads']} not in [{lo}, {hi}]")
        for f in ("vsz_kb", "rss_kb"):
            lo, hi = min(x[f], y[f]) - PAGE_KB, max(x[f], y[f]) + PAGE_KB
            if not lo <= m[f] <= hi:
                bad.append(f"pid {pid} ({m['name']}): {f} {m[f]} not in [{lo}, {hi}]")
        slack = tick * max(m["threads"], x["threads"], y["threads"])
        lo, hi = x["cpu_time_ns"] - slack, y["cpu_time_ns"] + slack
        c = m["cpu_time_ns"]
        if not lo <= c <= hi:
            bad.append(f"pid {pid} ({m['name']}): cpu_time_ns {c} not in [{lo}, {hi}]")
        cpu_dev = max(cpu_dev, x["cpu_time_ns"] - c, c - y["cpu_time_ns"])

    ctr = sum(1 for p in M.values() if p["container_id"])
    print(f"# documents: module {len(M)} processes ({ctr} in containers), BPF {len(B1)} and {len(B2)}; "
          f"BPF args: {args}")
    print(f"# compared field by field: {compared} processes; largest CPU time outside the BPF "
          f"range: {max(cpu_dev, 0) / 1e6:.1f} ms (a tick is {tick / 1e6:.0f} ms)")
    if compared < 20:
        bad.append(f"only {compared} processes compared (expected the VM's whole system)")
    if ctr == 0:
        bad.append("no process in a container in the module's document")
    for b in bad[:40]:
        print("DIFF:", b)
    print(f"# {len(bad)} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
