#!/usr/bin/env bash
# stats.sh — the `servicio stats` command line: usage and its errors, source
# selection (auto without the module, forced module with a missing or broken
# file, forced procfs), the module source on documents captured from the
# real module in the VM (servicio/tests/fixtures/module), and the procfs source on the
# synthetic /proc and cgroup fixture trees with exact expected figures.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
BIN=$GESTOR_BUILD/asan/bin/servicio
[ -x "$BIN" ] || BIN=$GESTOR_BIN/servicio
[ -x "$BIN" ] || fail "no servicio binary (make test-bins)"
FIX=$GESTOR_TOP/servicio/tests/fixtures
tmp=$(mktemp -d /tmp/gestor-mtest-stats.XXXXXX)
on_exit "rm -rf '$tmp'"
ID_A=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ID_B=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210

run() { "$BIN" stats "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
rc_is() { [ "$(cat "$tmp/rc")" = "$1" ]; }
err_has() { grep -q -- "$1" "$tmp/err"; }
out_has() { grep -q -- "$1" "$tmp/out"; }

run --help
check "--help exits 0 with usage" bash -c "[ $(cat "$tmp/rc") = 0 ] && grep -q 'Usage: servicio stats' '$tmp/out'"
run --interval 0
check "--interval 0 is refused (exit 2)" rc_is 2
check "... saying why" err_has "--interval: expected seconds"
run --interval abc
check "--interval abc is refused (exit 2)" rc_is 2
run --source kernel
check "--source kernel is refused (exit 2)" rc_is 2
check "... naming the choices" err_has "expected auto, module, bpf or procfs"
run extra-arg
check "a stray argument is refused (exit 2)" rc_is 2

run --source module --module-path "$tmp/none" --no-docker
check "forced module without its file fails (exit 1)" rc_is 1
check "... saying the file is not readable" err_has "module forced but $tmp/none is not readable"
printf '{"version":2,"timestamp_ns":1}' >"$tmp/v2.json"
run --source module --module-path "$tmp/v2.json" --no-docker
check "forced module with an unknown version fails (exit 1)" rc_is 1
check "... naming the version" err_has "unsupported format version 2"
run --module-path "$tmp/v2.json" --proc-root "$FIX/proc-synth" --no-docker --interval 0.05
check "auto with a bad module file falls back to procfs (exit 0)" rc_is 0
check "... and says so" err_has "source: procfs (module source failed (.*unsupported format version 2"
run --module-path "$tmp/none" --proc-root "$FIX/proc-synth" --no-docker --interval 0.05
check "auto without the module file uses procfs" err_has "source: procfs (module file $tmp/none is absent"

# procfs source on the synthetic tree + cgroup v1 fixtures: exact figures
run --source procfs --proc-root "$FIX/proc-synth" --cgroup-root "$FIX/cgroup-v1" --no-docker --json --interval 0.05
check "procfs source on the fixture tree (exit 0)" rc_is 0
synth() {
	"$PY" - "$tmp/out" "$ID_A" "$ID_B" "$(getconf PAGESIZE)" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
A, B, pg = sys.argv[2], sys.argv[3], int(sys.argv[4]) // 1024
c = {x["id"]: x for x in d["containers"]}
assert d["source"] == "procfs", d["source"]
assert d["processes"] == 5, d["processes"]
assert d["memory"] == {"total_kb": 2000000, "used_kb": 500000, "available_kb": 1500000}, d["memory"]
assert set(c) == {A, B}, set(c)
a, b = c[A], c[B]
assert a["procs"] == 2 and b["procs"] == 1
assert a["rss_kb"] == 612 * pg, a["rss_kb"]
assert a["mem_source"] == "cgroup" and a["mem_kb"] == 90 * 1024, a
assert a["mem_raw_kb"] == 100 * 1024 and a["mem_inactive_file_kb"] == 10 * 1024
assert b["mem_source"] == "rss" and b["mem_kb"] == 200 * pg, b
assert a["cpu_pct"] is None or a["cpu_pct"] == 0  # a static tree: no time passes in it
print("fixture figures ok")
PYEOF
}
check "figures from the fixture tree are exact" synth

# with Docker answering, rows are Docker's running containers; --all adds
# the containers seen in the processes that Docker does not know
if docker_up; then
	run --source procfs --proc-root "$FIX/proc-synth" --cgroup-root "$FIX/cgroup-v1" --json --interval 0.05
	check "with Docker: the fixture's containers (unknown to Docker) are not rows" bash -c "! grep -q '$ID_A' '$tmp/out'"
	run --source procfs --proc-root "$FIX/proc-synth" --cgroup-root "$FIX/cgroup-v1" --json --interval 0.05 --all
	check "with --all they are" bash -c "grep -q '\"id\": \"$ID_A\"' '$tmp/out' && grep -q '\"id\": \"$ID_B\"' '$tmp/out'"
fi
run --docker-socket /nonexistent.sock --proc-root "$FIX/proc-synth" --source procfs --interval 0.05
check "Docker unreachable: still a table, exit 0" rc_is 0
check "... saying the daemon is down" err_has "docker: Docker daemon down: /nonexistent.sock does not exist; showing containers without names"
check "... with the containers seen in the processes" out_has "^${ID_A:0:12} *- *- *2 "

# module source on documents captured from the real module in the VM
# (committed in servicio/tests/fixtures/module: the same input whatever ran before)
docs=("$FIX"/module/containers.json "$FIX"/module/normal.json)
found=0
for doc in "${docs[@]}"; do
	[ -f "$doc" ] || continue
	found=1
	run --source module --module-path "$doc" --no-docker --json --interval 0.05
	check "module source on $(basename "$doc") (exit 0)" rc_is 0
	same() {
		"$PY" - "$doc" "$tmp/out" <<'PYEOF'
import json, sys, collections
doc = json.load(open(sys.argv[1]))
out = json.load(open(sys.argv[2]))
want = collections.Counter(p["container_id"] for p in doc["processes"] if p["container_id"])
rss = collections.Counter()
for p in doc["processes"]:
    if p["container_id"]:
        rss[p["container_id"]] += p["rss_kb"]
got = {c["id"]: c for c in out["containers"]}
assert out["source"] == "module"
assert out["processes"] == len(doc["processes"]), (out["processes"], len(doc["processes"]))
assert set(got) == set(want), (set(got), set(want))
for cid, n in want.items():
    assert got[cid]["procs"] == n and got[cid]["rss_kb"] == rss[cid], (cid, got[cid], n, rss[cid])
    assert got[cid]["cpu_pct"] is None  # the same document twice: no time passed, no rate
print(f"{len(want)} containers, {len(doc['processes'])} processes: as in the document")
PYEOF
	}
	check "containers and sums match the document $(basename "$doc")" same
done
[ "$found" = 1 ] || partial "module source on captured documents: none captured"
finish
