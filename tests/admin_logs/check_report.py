#!/usr/bin/python3
"""check_report.py DB REPORT_DIR — compare the report's CSVs with the stored
data (for graphs.sh). With few samples no bucketing happens, so each CSV row
must equal the stored values exactly (to the 3 decimals written). Prints one
line per mismatch and exits 1 when there is any; prints "csv ok: ..." when
all match.

DB is the SQLite file, or a postgresql:// URL: PostgreSQL keeps no samples
table, so the sample values are taken apart from each stored record's JSON
by PostgreSQL itself (not by admin_logs' code, which the check is about) and
put with the containers and records into an in-memory SQLite database that
the checks below read the same way.
"""
import csv
import io
import sqlite3
import subprocess
import sys

db, rep = sys.argv[1], sys.argv[2]
bad = []

PG_TABLES = (
    ("samples(ts_ns, used_kb, total_kb, available_kb, cpu_pct, n_high, n_low, n_unknown)",
     "iiiifiii", "SELECT r.ts_ns, (j.b->'memory'->>'used_kb')::bigint, (j.b->'memory'->>'total_kb')::bigint,"
     " (j.b->'memory'->>'available_kb')::bigint, (j.b->>'cpu_pct')::float8,"
     " (SELECT count(*) FROM json_array_elements(j.b->'containers') x WHERE x->>'class' = 'high'),"
     " (SELECT count(*) FROM json_array_elements(j.b->'containers') x WHERE x->>'class' = 'low'),"
     " (SELECT count(*) FROM json_array_elements(j.b->'containers') x"
     "  WHERE x->>'class' NOT IN ('high', 'low'))"
     " FROM records r, LATERAL (SELECT r.body::json AS b) j WHERE r.type = 'sample'"),
    ("sample_containers(ts_ns, cid, name, class, cpu_pct, mem_kb)", "isssfi",
     "SELECT ts_ns, cid, name, class, cpu_pct, mem_kb FROM sample_containers"),
    ("records(type, action, class)", "sss", "SELECT type, action, class FROM records"),
)


def conv(t, v):
    """A CSV field as the column's type (i, f, s); empty is NULL."""
    if v == "":
        return None
    return int(v) if t == "i" else float(v) if t == "f" else v


def from_pg(url):
    mem = sqlite3.connect(":memory:")
    for table, types, sql in PG_TABLES:
        out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
                              "COPY (%s) TO STDOUT WITH CSV" % sql],
                             check=True, capture_output=True, text=True).stdout
        rs = [tuple(conv(t, v) for t, v in zip(types, r)) for r in csv.reader(io.StringIO(out))]
        mem.execute("CREATE TABLE " + table)
        mem.executemany("INSERT INTO %s VALUES (%s)" % (table.split("(")[0],
                                                         ",".join("?" * len(types))), rs)
    return mem


if db.startswith("postgres"):
    c = from_pg(db)
else:
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)


def rows(name):
    with open("%s/%s.csv" % (rep, name), newline="") as f:
        return list(csv.DictReader(f))


def ns(row):
    s, frac = row["epoch_s"].split(".")
    return int(s) * 10**9 + int(frac)


def near(a, b):
    return abs(float(a) - float(b)) <= 0.0015


samples = c.execute("SELECT ts_ns, used_kb, total_kb, available_kb, cpu_pct, n_high, n_low,"
                    " n_unknown FROM samples ORDER BY ts_ns").fetchall()
# rows without values mark a gap with no samples (the lines break there)
mem, cpu, run = ([r for r in rows(n) if any(v != "" for k, v in r.items()
                                             if k not in ("time_utc", "epoch_s"))]
                 for n in ("memory", "cpu", "running_by_class"))
for name, rs in (("memory", mem), ("cpu", cpu), ("running_by_class", run)):
    if len(rs) != len(samples):
        bad.append("%s.csv: %d rows, %d samples stored" % (name, len(rs), len(samples)))
for s, m, p, r in zip(samples, mem, cpu, run):
    if ns(m) != s[0] or ns(p) != s[0] or ns(r) != s[0]:
        bad.append("time %d differs in the CSVs" % s[0])
    if not (near(m["used_mib"], s[1] / 1024) and near(m["total_mib"], s[2] / 1024)
            and near(m["available_mib"], s[3] / 1024)):
        bad.append("memory.csv at %d: %s vs %s" % (s[0], m, s[1:4]))
    if not near(p["cpu_pct"], s[4]):
        bad.append("cpu.csv at %d: %s vs %s" % (s[0], p["cpu_pct"], s[4]))
    # "unknown" is split: the admin_logs container, unmanaged ones, undecided ones
    split = float(r["admin_logs"]) + float(r["unmanaged"]) + float(r["undecided"])
    if not (near(r["high"], s[5]) and near(r["low"], s[6]) and near(split, s[7])):
        bad.append("running_by_class.csv at %d: %s vs %s" % (s[0], r, s[5:8]))
    # class counts also from the containers of the sample itself
    hl = c.execute("SELECT sum(class = 'high'), sum(class = 'low') FROM sample_containers"
                   " WHERE ts_ns = ?", (s[0],)).fetchone()
    if (hl[0] or 0) != s[5] or (hl[1] or 0) != s[6]:
        bad.append("sample at %d: class counts %s vs %s" % (s[0], hl, s[5:7]))

removed = dict(c.execute("SELECT class, count(*) FROM records WHERE type = 'decision'"
                         " AND action = 'removed' GROUP BY class").fetchall())
for r in rows("removed_by_class"):
    if int(r["removed"]) != removed.get(r["class"], 0):
        bad.append("removed_by_class.csv %s: %s vs %s" % (r["class"], r["removed"],
                                                           removed.get(r["class"], 0)))
cum = rows("removed_cumulative")
if cum and (int(cum[-1]["high"]) != removed.get("high", 0)
            or int(cum[-1]["low"]) != removed.get("low", 0)):
    bad.append("removed_cumulative.csv ends at %s, stored %s" % (cum[-1], removed))

# the per-container charts: every cell is the stored value of that container then
for name, col, expr in (("container_cpu", None, "cpu_pct"), ("container_mem", None, "mem_kb / 1024.0")):
    rs = rows(name)
    names = [k for k in rs[0].keys() if k not in ("time_utc", "epoch_s")] if rs else []
    if not names:
        bad.append("%s.csv has no container columns" % name)
    checked = 0
    for r in rs:
        for n in names:
            if r[n] == "":
                continue
            v = c.execute("SELECT %s FROM sample_containers WHERE ts_ns = ? AND name = ?" % expr,
                          (ns(r), n)).fetchone()
            if v is None or not near(r[n], v[0]):
                bad.append("%s.csv %s at %d: %s vs %s" % (name, n, ns(r), r[n], v))
            checked += 1
    if checked == 0:
        bad.append("%s.csv: no values" % name)
    heat = rows(name + "_heatmap")
    if sum(1 for r in rs for n in names if r[n] != "") != len(heat):
        bad.append("%s_heatmap.csv: %d cells, line chart has a different count" % (name, len(heat)))
    # the busiest by average
    key = "cpu_pct" if col is None and name == "container_cpu" else "mem_kb"
    # managed containers only: decided high or low in their last sample
    top = [x[0] for x in c.execute("SELECT name FROM sample_containers GROUP BY cid"
                                   " HAVING (SELECT class FROM sample_containers l WHERE l.cid ="
                                   " sample_containers.cid ORDER BY ts_ns DESC LIMIT 1)"
                                   " IN ('high', 'low')"
                                   " ORDER BY avg(%s) DESC, cid LIMIT ?" % key, (len(names),))]
    if top != names:
        bad.append("%s.csv columns %s are not the busiest %s" % (name, names, top))

for b in bad[:30]:
    print(b)
if bad:
    sys.exit(1)
print("csv ok: %d samples, removed %s" % (len(samples), removed))
