#!/usr/bin/python3
"""report_gen.py URL [RUN] [START_S] — POST the report suite's data to admin_logs:
two segments of samples every 10 s (80, then 20) with a 30-minute gap between
them (servicio not running). Containers: two managed ones in every sample
(gestor-high-cpu-m1 at 60 % CPU, gestor-low-m2), one managed container seen in
one sample only (gestor-high-cpu-once, sample 40, 95 % CPU, removed), the
admin_logs container and an unmanaged container busier than all (180 % CPU)
in every sample, and gestor-low-new undecided in sample 10 (its first) then
low. Each batch carries "run" when RUN is given. (Not a suite: run by
report.sh.)
"""
import json
import sys
import urllib.request

url = sys.argv[1]
run = sys.argv[2] if len(sys.argv) > 2 else ""
start = int(sys.argv[3]) if len(sys.argv) > 3 else 1764338400


def ctr(cid, name, cls, role, cpu, lc, mem=2048):
    return {"id": cid, "name": name, "class": cls, "role": role, "label_class": lc,
            "cpu_pct": cpu, "has_rate": True, "rss_kb": mem, "mem_kb": mem,
            "mem_limit_pct": 1.0, "procs": 1}


def sample(i, t):
    cs = [ctr(run + "m1", "gestor-high-cpu-m1" + run, "high", "managed", 60.0, "high-cpu", 4096),
          ctr(run + "m2", "gestor-low-m2" + run, "low", "managed", 1.0, "low"),
          ctr(run + "adm", "gestor-admin_logs", "unknown", "admin_logs", 2.0, "", 8192),
          ctr(run + "bu", "busy-unmanaged" + run, "unknown", "unmanaged", 180.0, "", 999999)]
    if i == 40:
        cs.append(ctr(run + "once", "gestor-high-cpu-once" + run, "high", "managed", 95.0,
                      "high-cpu"))
    if 10 <= i <= 20:
        cs.append(ctr(run + "new", "gestor-low-new" + run, "unknown" if i == 10 else "low",
                      "managed", 0.5, "low"))
    recs = [{"type": "sample", "ts_ns": t, "cycle": i, "source": "procfs",
             "memory": {"total_kb": 8000000, "used_kb": 3000000 + i, "available_kb": 5000000},
             "cpu_pct": 40.0 + (i % 7), "containers": cs}]
    if i == 40:
        recs.append({"type": "decision", "ts_ns": t + 1000, "cycle": i,
                     "container": {"id": run + "once", "name": "gestor-high-cpu-once" + run},
                     "class": "high", "action": "removed", "reason": "over the quota", "rank": 3,
                     "metrics": {"cpu_pct": 95.0, "rss_kb": 2048, "mem_kb": 2048,
                                 "mem_limit_pct": 1.0}})
    return recs


times = [start + 10 * i for i in range(80)] + [start + 790 + 1800 + 10 * i for i in range(20)]
for i, t in enumerate(times):
    body = {"batch_id": "rep%s-%d" % (run, i), "host": "report-test",
            "records": sample(i, t * 10**9)}
    if run:
        body["run"] = run
    req = urllib.request.Request(url + "/logs", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        if r.status not in (200, 201):
            raise SystemExit("POST /logs: HTTP %d" % r.status)
print(len(times))
