#!/usr/bin/env bash
# compare_busy.sh — compare.py's busy rule (tests/system/compare.py), proven
# on recorded data without a VM: a system run whose CPU comparisons are all
# of idle containers must fail, however many of them agree.
#
# The data (tests/system/fixtures/busy-run/): a passing system/chain run of
# 2026-12-06 (6.1 kernel, module source, TCG): its stored samples (the
# "sample" records' bodies, one a line), the guest sampler's cgroup
# readings (only those around each sample that compare.py uses: the
# output on them is the same line for line as on the whole file) and
# contenedores.sh's logs. It has two high-cpu burners kept to the end: 20
# CPU comparisons, 8 of them busy (29-37 % of a core).
#
# From it, in a temporary directory, the same run as it would have been
# recorded had servicio removed the burners after cycle K (they are in no
# later sample, and their cgroups are gone halfway to the next sample: a
# removal under TCG takes a second or more):
#   - as recorded: passes, and counts the busy comparisons it printed;
#   - burners removed at their first decision (CI, 2026-12-06: both burners
#     removed in the first cycle): 0 busy comparisons, so it fails with the
#     rule's message, though every comparison it made agrees and there are
#     enough of them;
#   - one burner until cycle 2, the other until cycle 3: 3 busy
#     comparisons, passes; both until cycle 2: 2, fails (the threshold).
# parallel: yes
. "$(dirname "$0")/../lib.sh"
need_cmd python3
FX=$GESTOR_TOP/tests/system/fixtures/busy-run
CMP=$GESTOR_TOP/tests/system/compare.py
tmp=$(mktemp -d "${TMPDIR:-/tmp}/compare_busy.XXXXXX") || fail "cannot make a temporary directory"
on_exit rm -rf "$tmp"

# make NAME SPEC: $tmp/NAME.db and $tmp/NAME.tsv from the fixture, each
# burner (gestor-high-cpu-*, in name order) removed after the cycle SPEC
# gives it (comma-separated: "1,1"; "-": as recorded)
make_run() {
	python3 - "$FX" "$tmp/$1" "$2" <<'EOF'
import json, sqlite3, sys
fx, out, spec = sys.argv[1:4]
samples = [json.loads(l) for l in open(f"{fx}/samples.jsonl")]
burners = sorted({c["id"]: c["name"] for s in samples for c in s["containers"]
                  if c["name"].startswith("gestor-high-cpu-")}.items(), key=lambda x: x[1])
ts = {s["cycle"]: s["ts_ns"] / 1e9 for s in samples}
gone = {}  # id: (last cycle, time its cgroup is gone)
if spec != "-":
    for (cid, _), k in zip(burners, spec.split(",")):
        k = int(k)
        gone[cid] = (k, (ts[k] + ts.get(k + 1, ts[k] + 5)) / 2)
con = sqlite3.connect(out + ".db")
con.execute("CREATE TABLE records(type TEXT, cycle INTEGER, body TEXT)")
for s in samples:
    s["containers"] = [c for c in s["containers"] if c["id"] not in gone or s["cycle"] <= gone[c["id"]][0]]
    con.execute("INSERT INTO records VALUES('sample', ?, ?)", (s["cycle"], json.dumps(s)))
con.commit()
with open(f"{fx}/cgroup.tsv") as fi, open(out + ".tsv", "w") as fo:
    for line in fi:
        p = line.split()
        if p[2] in gone and (float(p[0]) + float(p[1])) / 2 > gone[p[2]][1]:
            continue
        fo.write(line)
print(len(burners))
EOF
}
# run NAME: compare.py on it; its exit status in rc, its output in $tmp/NAME.out
run() {
	python3 "$CMP" "$tmp/$1.db" "$tmp/$1.tsv" "$FX/contenedores-initial.log" "$FX/contenedores.log" >"$tmp/$1.out" 2>&1
	rc=$?
}
summary() { grep -m1 "^# busy CPU comparisons" "$tmp/$1.out"; }
ncpu() { sed -n 's/^# \([0-9]*\) CPU, .*/\1/p' "$tmp/$1.out"; }
nbusy() { sed -n 's/^# busy CPU comparisons[^:]*: \([0-9]*\) of .*/\1/p' "$tmp/$1.out"; }

nb=$(make_run recorded -)
check "the recorded run has two burners ($nb)" [ "$nb" = 2 ]
run recorded
summary recorded
check "compare.py passes on the recorded run (exit $rc)" [ "$rc" = 0 ]
lines=$(grep -c '^ok cpu .* busy$' "$tmp/recorded.out")
check "its busy count ($(nbusy recorded)) is its busy comparison lines ($lines), at least 3" \
	bash -c '[ "$1" = "$2" ] && [ "$1" -ge 3 ]' _ "$(nbusy recorded)" "$lines"
# every line marked busy is of a cgroup reading >= 5 %, every other < 5 %
wrong=$(awk '$2 == "cpu" { for (i = 1; i < NF; i++) if ($i == "cgroup") v = $(i + 1) + 0
	if ((v >= 5) != ($NF == "busy")) print }' "$tmp/recorded.out")
check "a comparison is marked busy exactly when its cgroup reading is >= 5 %${wrong:+: $wrong}" [ -z "$wrong" ]

make_run atonce 1,1 >/dev/null
run atonce
tail -n 4 "$tmp/atonce.out"
check "burners removed at the first decision: compare.py fails (exit $rc)" [ "$rc" = 1 ]
check "... with the busy rule's message, 0 busy" grep -q '^# FAIL: too few busy CPU comparisons: 0,' "$tmp/atonce.out"
check "... though every comparison agrees" grep -q ' 0 mismatches;' "$tmp/atonce.out"
check "... and there were enough CPU comparisons ($(ncpu atonce))" [ "$(ncpu atonce)" -ge 3 ]
check "... and memory comparisons (no other FAIL line)" \
	bash -c '[ "$(grep -c "^# FAIL" "$1")" = 1 ]' _ "$tmp/atonce.out"

make_run three 2,3 >/dev/null
run three
summary three
check "3 busy comparisons (burners removed after cycles 2 and 3): passes (exit $rc, $(nbusy three) busy)" \
	bash -c '[ "$1" = 0 ] && [ "$2" = 3 ]' _ "$rc" "$(nbusy three)"
make_run two 2,2 >/dev/null
run two
summary two
check "2 busy comparisons (both removed after cycle 2): fails (exit $rc, $(nbusy two) busy)" \
	bash -c '[ "$1" = 1 ] && [ "$2" = 2 ]' _ "$rc" "$(nbusy two)"
check "... with the busy rule's message" grep -q '^# FAIL: too few busy CPU comparisons: 2,' "$tmp/two.out"
finish
