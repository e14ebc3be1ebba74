#!/usr/bin/env python3
"""compare.py — servicio's stored samples (module source) against the
cgroups' own figures, from one system-VM run (tests/system/chain.sh).

Inputs: the admin_logs database copied out of the VM and cgroup.tsv, the
guest sampler's readings of every container's cgroup every ~0.25 s:
  <realtime before> <realtime after> <id> <usage_usec> <memory.current> <inactive_file>

CPU: for every container present with a rate in two consecutive cycles'
samples, the cgroup's CPU % over the same interval is
(usage_usec at ts_k - usage_usec at ts_k-1) / (ts_k - ts_k-1), with
usage_usec interpolated linearly between the sampler's readings around each
sample's timestamp (each reading stamped at the middle of its read).
Agreement: |module - cgroup| <= CPU_ABS + CPU_REL * cgroup.

Memory: servicio's mem_kb (docker stats' figure, memory.current minus
inactive_file) against the sampler's readings within MEM_WINDOW s of the
sample and the two that bracket it (each at most MEM_BRACKET s away; else
the sample's memory is not compared, and counted): it must lie within
[min - tol, max + tol] of them, tol = MEM_ABS_KB + MEM_REL * value. The module's own RSS sum (rss_kb) against the same
cgroup figure, with RSS_ABS_KB + RSS_REL: the cgroup also counts kernel
memory (stacks, page tables) and active page cache that are not RSS.

Not compared either: a container's memory and RSS in samples taken before
START_SETTLE s after contenedores.sh logged it created (the lines
"<UTC second>Z created NAME ... id=ID" of the logs given after the two
files; written once `docker run -d` has returned, so within the second
after). Until its program has exec'd, the container's cgroup holds runc's
init (a Go binary: megabytes of RSS whose file pages are charged to
whichever cgroup read them first), and at the exec its memory falls by
megabytes within tens of milliseconds (CI, 2026-12-06: a high-ram
container's cgroup 4,768 KiB then 1,164 and 352 KiB over 0.8 s, servicio's
sample taken in the middle: 600 KiB, the module's RSS sum 11,892 KiB, while
`docker run` took 4.5 s under TCG). Such samples are counted.

Not compared: CPU and RSS of the admin_logs container. Its image's
HEALTHCHECK starts a new process in it every 10 s; the cgroup keeps that
process's CPU time after it exits, while a sum over the processes alive at
each sample (what the module lists) cannot see it, and a check alive at a
sample adds its RSS (shared libraries included) to the sum. Its memory as
servicio reports it (the cgroup's figure) is not compared either: each
check's process (bash, a few MiB) lives a fraction of a second, so the
cgroup's memory jumps by megabytes between two of the sampler's reads 0.25 s
apart (seen in a run: servicio 8,500 KiB read during a check, the sampler's
window 2,880..7,736 KiB around it). Every container servicio manages keeps
its processes for its whole life, and all of them are compared.

Busy containers: a CPU comparison of an idle container (0 % against 0 %)
proves nothing about the module's CPU figures, and a run can make only
those (CI, 2026-12-06: servicio removed both burners at its first decision,
their lifetime rate under TCG being 17-18 %, so they ranked low, and all 30
CPU comparisons were 0 % against 0 %). So at least MIN_BUSY of the CPU
comparisons must be of a container that used BUSY_PCT % of a core or more
by its cgroup's reading; else the run fails (it did not compare what it is
for), with the count printed either way.

Prints one line per comparison and a summary; exit 0 when every comparison
agrees and there were at least MIN_CPU CPU (MIN_BUSY of them busy) and
MIN_MEM memory comparisons.
"""
import bisect
import datetime
import json
import re
import sqlite3
import sys

# Tolerances (justified in tests/system/chain.sh's header).
CPU_ABS = 3.0  # percentage points of one core
CPU_REL = 0.05
MEM_WINDOW = 0.6  # s either side of the sample
MEM_BRACKET = 2.0  # s: the farthest a bracketing reading may be
MEM_ABS_KB = 256
MEM_REL = 0.02
RSS_ABS_KB = 2048
RSS_REL = 0.05
MIN_CPU = 3
MIN_BUSY = 3  # CPU comparisons of a busy container (see the docstring)
BUSY_PCT = 5.0  # % of one core by the cgroup's reading: busy
MIN_MEM = 5
START_SETTLE = 2.0  # s after the "created" line's second
# containers whose processes come and go between samples (see above)
TRANSIENT_PROCESSES = {"gestor-admin_logs"}


def load_cgroup(path):
    series = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) != 6:
                continue
            t1, t2 = float(p[0]), float(p[1])
            series.setdefault(p[2], []).append(((t1 + t2) / 2, (t2 - t1) / 2, int(p[3]), int(p[4]), int(p[5])))
    for s in series.values():
        s.sort()
    return series


def usage_at(s, t):
    """usage_usec interpolated at t, or None when no readings bracket t closely."""
    ts = [r[0] for r in s]
    i = bisect.bisect_left(ts, t)
    if i == 0 or i == len(s):
        return None
    a, b = s[i - 1], s[i]
    if b[0] - a[0] > 1.5:
        return None
    return a[2] + (b[2] - a[2]) * (t - a[0]) / (b[0] - a[0])


def mem_around(s, t):
    """min and max of the cgroup's memory readings within MEM_WINDOW of t
    and of the two readings that bracket t (the last before it and the
    first after it, each at most MEM_BRACKET away), or None (not compared)
    when no reading that near brackets t on one side. Under TCG on a loaded
    host the sampler can leave one reading in the window, or none on one
    side, while a container still fills its memory in 10 MiB steps (CI,
    2026-12-06: servicio 45,112 KiB against the one reading, 34,872 KiB,
    taken before servicio read; the next was 70 MiB later): what servicio
    read lies between the readings that bracket its read."""
    ts = [r[0] for r in s]
    i = bisect.bisect_left(ts, t)
    if i == 0 or i == len(s) or t - s[i - 1][0] > MEM_BRACKET or s[i][0] - t > MEM_BRACKET:
        return None
    near = [r for r in s if abs(r[0] - t) <= MEM_WINDOW] + [s[i - 1], s[i]]
    vals = [(r[3] - r[4]) // 1024 for r in near]
    return (min(vals), max(vals))


def load_created(paths):
    """{12-hex id prefix: epoch s of its contenedores.sh "created" line}"""
    created = {}
    for path in paths:
        try:
            f = open(path)
        except OSError:
            continue
        with f:
            for line in f:
                m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z created \S+ .*\bid=([0-9a-f]{12})", line)
                if m:
                    t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
                    created[m.group(2)] = t.replace(tzinfo=datetime.timezone.utc).timestamp()
    return created


def main():
    db, tsv = sys.argv[1], sys.argv[2]
    cg = load_cgroup(tsv)
    created = load_created(sys.argv[3:])
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    samples = {}
    for (body,) in con.execute("SELECT body FROM records WHERE type='sample' ORDER BY cycle"):
        b = json.loads(body)
        samples[b["cycle"]] = b
    ncpu = nmem = nrss = bad = nunbr = nstart = nbusy = 0
    worst_cpu = worst_busy = 0.0
    busy_names = set()
    for k in sorted(samples):
        cur = samples[k]
        t = cur["ts_ns"] / 1e9
        prev = samples.get(k - 1)
        prev_ctrs = {c["id"]: c for c in prev["containers"]} if prev else {}
        for c in cur["containers"]:
            cid = c["id"]
            s = cg.get(cid)
            if not s:
                continue
            name = c["name"]
            per_process = name not in TRANSIENT_PROCESSES
            if per_process and prev and cid in prev_ctrs and c.get("has_rate") and prev_ctrs[cid].get("has_rate"):
                tp = prev["ts_ns"] / 1e9
                u0, u1 = usage_at(s, tp), usage_at(s, t)
                if u0 is not None and u1 is not None and t > tp:
                    cgp = (u1 - u0) / 1e6 / (t - tp) * 100
                    d = abs(c["cpu_pct"] - cgp)
                    ok = d <= CPU_ABS + CPU_REL * cgp
                    worst_cpu = max(worst_cpu, d)
                    ncpu += 1
                    bad += not ok
                    busy = cgp >= BUSY_PCT
                    if busy:
                        nbusy += 1
                        worst_busy = max(worst_busy, d)
                        busy_names.add(name)
                    print(f"{'ok' if ok else 'MISMATCH'} cpu cycle {k} {name}: module {c['cpu_pct']:.1f}% "
                          f"cgroup {cgp:.1f}% over {t - tp:.2f} s (diff {d:.2f}){' busy' if busy else ''}")
            starting = t < created.get(cid[:12], 0) + START_SETTLE
            nstart += per_process and starting
            m = mem_around(s, t) if per_process and not starting else None
            nunbr += per_process and not starting and m is None
            if m:
                lo, hi = m
                tol = MEM_ABS_KB + MEM_REL * hi
                ok = lo - tol <= c["mem_kb"] <= hi + tol
                nmem += 1
                bad += not ok
                print(f"{'ok' if ok else 'MISMATCH'} mem cycle {k} {name}: servicio {c['mem_kb']} KiB, "
                      f"cgroup {lo}..{hi} KiB (tol {tol:.0f})")
                tol = RSS_ABS_KB + RSS_REL * hi
                ok = lo - tol <= c["rss_kb"] <= hi + tol
                nrss += 1
                bad += not ok
                print(f"{'ok' if ok else 'MISMATCH'} rss cycle {k} {name}: module RSS {c['rss_kb']} KiB, "
                      f"cgroup {lo}..{hi} KiB (tol {tol:.0f})")
    print(f"# memory not compared at {nunbr} samples: no sampler reading on one side within {MEM_BRACKET} s")
    print(f"# memory not compared at {nstart} samples: taken before the container's program had started "
          f"({START_SETTLE} s after its \"created\" line)")
    print(f"# {ncpu} CPU, {nmem} memory, {nrss} RSS comparisons; {bad} mismatches; "
          f"largest CPU difference {worst_cpu:.2f} points")
    print(f"# busy CPU comparisons (cgroup >= {BUSY_PCT:g}% of a core): {nbusy} of {ncpu}, "
          f"{len(busy_names)} containers ({', '.join(sorted(busy_names)) or 'none'}); "
          f"largest difference among them {worst_busy:.2f} points")
    rc = 1 if bad else 0
    if ncpu < MIN_CPU or nmem < MIN_MEM:
        print(f"# FAIL: too few comparisons (need {MIN_CPU} CPU and {MIN_MEM} memory)")
        rc = 1
    if nbusy < MIN_BUSY:
        print(f"# FAIL: too few busy CPU comparisons: {nbusy}, need {MIN_BUSY} of a container using "
              f">= {BUSY_PCT:g}% of a core by its cgroup; the run compared idle containers only "
              f"(were the burners removed before two samples?)")
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
