#!/usr/bin/env bash
# bpf.sh — the BPF source (kernel/bpf/ + servicio/bpfsrc.c) on this kernel,
# beside the real Docker engine: two containers of a throw-away FROM-scratch
# image (gestor-bpftest-load:<pid>: one spinning, one holding 16 MiB), then
#   - the unit program servicio_bpfsrc_test with their ids: records decoded,
#     agreement with /proc read before and after, hostile names, the
#     module's shape, 8 concurrent readers, both containers attributed like
#     procfs does, the cgroup walk (kernel >= 6.7) against the task iterator
#   - beside a process whose argv lies on a FUSE mapping whose reads never
#     end (the unit program's --hold-argv-on-fuse; a read of that argv
#     without FOLL_ANON, as bpf_copy_from_user_task did, is shown waiting
#     from before the commands below until after them):
#   - `servicio sysinfo` (the module's JSON printed from the records) gives
#     a document python's json accepts, listing both containers and that
#     process (cmdline ""), and with --containers-only nothing else
#   - `servicio stats --source bpf --json` (the cycle's metrics_open/take)
#     names the source and measures both containers (the spinner near one
#     core); `servicio --once --dry-run --source bpf` ends its cycle; auto
#     picks bpf here (no module)
# Everything created here is removed at the end, also on failure.
# timeout: 240
. "$(dirname "$0")/../lib.sh"
need_root
need_docker
need_cmd cc docker curl python3 bpftool clang
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux)"
PY=/usr/bin/python3
T=$GESTOR_BUILD/test/servicio_bpfsrc_test
BIN=$GESTOR_BUILD/asan/bin/servicio
[ -x "$BIN" ] || BIN=$GESTOR_BIN/servicio
[ -x "$T" ] && [ -x "$BIN" ] || fail "build first (make test-bins)"

tag=gestor-bpftest-load:$$
busy=gestor-bpftest-busy-$$
idle=gestor-bpftest-idle-$$
tmp=$(mktemp -d /tmp/gestor-bpftest.XXXXXX)
on_exit "rm -rf '$tmp'"
on_exit "docker rmi -f '$tag'"
on_exit "docker rm -f '$busy' '$idle'"

cc -static -O2 -o "$tmp/load" "$GESTOR_TOP/tests/metrics/mtest_load.c" || fail "cannot build the static load program"
printf 'FROM scratch\nCOPY load /load\nENTRYPOINT ["/load"]\n' >"$tmp/Dockerfile"
docker build -q -t "$tag" "$tmp" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "docker build of $tag failed"; }
docker run -d --name "$busy" --label gestor.bpftest=$$ "$tag" burn >/dev/null || fail "cannot start $busy"
docker run -d --name "$idle" --label gestor.bpftest=$$ "$tag" hold 16 >/dev/null || fail "cannot start $idle"
busy_id=$(docker inspect -f '{{.Id}}' "$busy")
idle_id=$(docker inspect -f '{{.Id}}' "$idle")
ready() { docker logs "$idle" 2>/dev/null | grep -q ready; }
wait_for 60 ready || fail "the holder never finished touching its memory"

GESTOR_BPF_CTRS="$busy_id $idle_id" "$T" >"$tmp/unit.log" 2>&1
rc=$?
grep -E '^\[|^#|skipped' "$tmp/unit.log"
check "servicio_bpfsrc_test passes with the containers (exit $rc)" [ "$rc" = 0 ]
check "... the container test ran (not skipped)" grep -q '^\[       OK \] test_containers' "$tmp/unit.log"
# the cgroup walk (kernel >= 6.7): agrees with the task iterator, or says why it is not used
walk_ok() { grep -q '^\[       OK \] test_cgroup_walk' "$tmp/unit.log" || grep -q '^skipped: cgroup walk' "$tmp/unit.log"; }
check "... the cgroup walk agrees with the task iterator on both containers (or says why it cannot load)" walk_ok

# a process whose argv reads never end (issue 30 item 2): kept until its
# stdin (a fifo held on descriptor 7) closes, or SIGTERM
mkfifo "$tmp/hold.in"
"$T" --hold-argv-on-fuse <"$tmp/hold.in" >"$tmp/hold.log" 2>&1 &
hold=$!
exec 7>"$tmp/hold.in"
on_exit "stop_pid $hold 10"
wait_for 30 grep -q '^pid [0-9]* control\|^skipped' "$tmp/hold.log" || fail "the argv holder never got ready: $(head -c 300 "$tmp/hold.log")"
hold_pid=$(awk '/^pid [0-9]* control/ { print $2 }' "$tmp/hold.log")
if [ -z "$hold_pid" ]; then
	partial "argv on FUSE: $(cat "$tmp/hold.log")"
	hold=
else
	check "pid $hold_pid has its argv on FUSE: a read of it without FOLL_ANON waits (control)" grep -q '^pid [0-9]* control waiting' "$tmp/hold.log"
fi

# servicio sysinfo: the module's document from the records, for a person on a module-less host
timeout 120 "$BIN" sysinfo >"$tmp/doc.json" 2>"$tmp/doc.err"
check "servicio sysinfo exits 0" [ $? = 0 ]
timeout 120 "$BIN" sysinfo --containers-only >"$tmp/ctr.json" 2>>"$tmp/doc.err"
check "servicio sysinfo --containers-only exits 0" [ $? = 0 ]
doc_ok() {
	"$PY" - "$tmp/doc.json" "$tmp/ctr.json" "$hold_pid" "$busy_id" "$idle_id" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
c = json.load(open(sys.argv[2]))
if sys.argv[3]:
    for doc in (d, c):
        held = [p for p in doc["processes"] if p["pid"] == int(sys.argv[3])]
        assert len(held) == 1 and held[0]["cmdline"] == "", held
sys.argv.pop(3)
assert d["version"] == 1 and d["producer"] == "bpf", (d["version"], d.get("producer"))
assert d["containers_only"] is False and c["containers_only"] is True
assert d["memory"]["total_kb"] > 0 and d["cpus"] > 0
for doc in (d, c):
    ids = {p["container_id"] for p in doc["processes"]}
    for i in sys.argv[3:]:
        assert i in ids, "container %s not in the document" % i[:12]
    pids = [p["pid"] for p in doc["processes"]]
    assert pids == sorted(pids) and len(pids) == len(set(pids)), "pids not increasing"
    assert all(p["cmdline"] == "" for p in doc["processes"])
assert all(len(p["container_id"]) == 64 for p in c["processes"])
print("# servicio sysinfo: %d processes, %d in containers, both test containers in each" % (len(d["processes"]), len(c["processes"])))
PYEOF
}
check "servicio sysinfo prints one JSON document per setting with both containers and the argv-on-FUSE process" doc_ok

# servicio stats with the BPF source, beside Docker's stats API over the very
# window servicio measured: a sampler asks Docker for the spinner's CPU
# counter over and over from before servicio starts to after it ends (each
# answer carries "read", when Docker's collector read the cgroup: about once
# a second), and the counter is interpolated at the two ends of servicio's
# interval (ts_ns and interval_ns of its document). Reads bracketing
# servicio from outside (its start-up and exit included) measured another
# stretch of time: with the parallel lane's qemu guest beside it, the
# spinner's share moved more than 10 points between the two (CI,
# 2026-12-07: 73.9 against 84.1 %).
cat >"$tmp/sample.py" <<'PYEOF'
import calendar, json, os, re, subprocess, sys, time
cid, out, stop = sys.argv[1:4]
url = "http://d/v1.41/containers/%s/stats?stream=false&one-shot=true" % cid
def ns(stamp):  # Go's RFC 3339 with up to 9 digits: "2026-12-07T02:41:12.1234Z", "...+01:00"
    m = re.fullmatch(r"(.{19})(?:\.(\d{1,9}))?(Z|([+-])(\d\d):(\d\d))", stamp)
    off = 0 if m[3] == "Z" else (1 if m[4] == "+" else -1) * (int(m[5]) * 3600 + int(m[6]) * 60)
    t = calendar.timegm(time.strptime(m[1], "%Y-%m-%dT%H:%M:%S")) - off
    return t * 10**9 + int((m[2] or "").ljust(9, "0"))
with open(out, "w") as f:
    while not os.path.exists(stop):
        r = subprocess.run(["curl", "-sf", "--max-time", "5", "--unix-socket",
                            "/var/run/docker.sock", url], capture_output=True)
        if r.returncode == 0:
            d = json.loads(r.stdout)
            print(ns(d["read"]), d["cpu_stats"]["cpu_usage"]["total_usage"], file=f, flush=True)
        else:
            time.sleep(0.1)
PYEOF
"$PY" "$tmp/sample.py" "$busy_id" "$tmp/samples" "$tmp/sample.stop" &
sampler=$!
on_exit "kill $sampler 2>/dev/null; wait $sampler 2>/dev/null"
wait_for 20 test -s "$tmp/samples" || fail "Docker's stats API gave no sample of $busy"
timeout 120 "$BIN" stats --source bpf --json --interval 4 --no-docker >"$tmp/stats.json" 2>"$tmp/stats.err"
rc=$?
# until Docker has read the counter after servicio's last sample
we=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["ts_ns"])' "$tmp/stats.json" 2>/dev/null)
read_after() { "$PY" -c 'import sys; sys.exit(not any(int(l.split()[0]) > int(sys.argv[2]) for l in open(sys.argv[1])))' "$tmp/samples" "$1"; }
[ -z "$we" ] || wait_for 20 read_after "$we"
touch "$tmp/sample.stop"
wait "$sampler"
check "servicio stats --source bpf exits 0" [ "$rc" = 0 ]
stats_ok() {
	"$PY" - "$tmp/stats.json" "$busy_id" "$idle_id" "$tmp/samples" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["source"] == "bpf", d["source"]
c = {x["id"]: x for x in d["containers"]}
busy, idle = c[sys.argv[2]], c[sys.argv[3]]
# each sample: (when Docker read the counter, the counter in ns), once each
s = sorted({tuple(map(int, l.split())) for l in open(sys.argv[4])})
we = d["ts_ns"]
ws = we - d["interval_ns"]
def at(t):
    for (ta, ua), (tb, ub) in zip(s, s[1:]):
        if ta <= t <= tb:
            return ua + (ub - ua) * (t - ta) / (tb - ta)
    raise AssertionError("no Docker samples around %d (%d samples, %d..%d)" % (t, len(s), s[0][0], s[-1][0]))
dcpu = (at(we) - at(ws)) / (we - ws) * 100.0
print("# busy %.1f %% CPU (Docker, the same %.2f s: %.1f %%; %d reads), idle %.1f %% CPU, idle RSS %d kB" % (busy["cpu_pct"], (we - ws) / 1e9, dcpu, len(s), idle["cpu_pct"], idle["rss_kb"]))
assert abs(busy["cpu_pct"] - dcpu) <= 10, (busy["cpu_pct"], dcpu)
assert busy["cpu_pct"] > 2, busy["cpu_pct"]
assert idle["cpu_pct"] < 2, idle["cpu_pct"]
assert idle["rss_kb"] >= 16 * 1024, idle["rss_kb"]
PYEOF
}
check "... measures both containers (spinner as busy as Docker says within 10 points, holder idle with its 16 MiB)" stats_ok
# servicio's own cycle, once, with the BPF source (containers-only: the
# holder is in a made-up container's cgroup), dry run, scoped to a label no
# container has, its log server a port nobody listens on (batches spooled)
env GESTOR_CRONTAB_FILE="$tmp/crontab" GESTOR_CRON_ID="bpftest-$$" GESTOR_CRON_LOCK="$tmp/cron.lock" \
	GESTOR_CRON_LOG="$tmp/cron.log" timeout 120 "$BIN" --once --dry-run --no-events --source bpf \
	--scope "gestor.bpftest-none=$$" --log-url "http://127.0.0.1:$(free_port)" --spool "$tmp/spool" \
	--metrics-listen 127.0.0.1:0 --cron-script "$GESTOR_TOP/scripts/cron.sh" >"$tmp/once.log" 2>&1
rc=$?
grep -E 'metrics source|done:' "$tmp/once.log" | sed 's/^/# /'
check "servicio --once --source bpf ends its cycle beside the argv on FUSE (exit $rc)" grep -q 'done: 1 cycles' "$tmp/once.log"
# the argv holder: its argv was unreadable the whole time
exec 7>&-
if [ -n "$hold" ]; then
	wait "$hold"
	rc=$?
	check "... and the argv on FUSE stayed unreadable through all of them (holder exit $rc: $(tail -n1 "$tmp/hold.log"))" [ "$rc" = 0 ]
fi
"$BIN" stats --json --interval 0.2 --no-docker --module-path "$tmp/none" >"$tmp/auto.json" 2>/dev/null
check "auto without the module picks bpf here" "$PY" -c "import json,sys; d=json.load(open('$tmp/auto.json')); assert d['source']=='bpf', d['source']"
finish
