#!/usr/bin/env bash
# hostile.sh — container names (and a host) made to break out of the report
# (hostile_corpus.py: gnuplot backquotes and macros, $(...), both quotes,
# backslashes, newlines with "set output" and "!" commands, system(...),
# <script>, spreadsheet formulas, a 256-byte name, bidi marks, odd Unicode)
# are posted as one run's samples and decisions, and each name alone in a
# run of its own (so no other name can stop a gnuplot line first); every
# run's report is drawn (POST /graficar, and for the hostile host ?host=). Proven: no
# name ran anything (the canary directory every such name would touch stays
# empty), nothing was written outside the report directory (a listing of
# the suite's directory before and after), no CSV cell starts a formula, and
# every name is still readable: in the CSVs, as text in the SVGs (valid
# XML), escaped in index.html, and only inside single-quoted strings in the
# gnuplot scripts (hostile_check.py). Bytes that are not UTF-8 and a lone
# surrogate are refused at the door (400), nothing stored.
# The back end is AL_BACKEND: sqlite (default) or postgresql (lib_pg.sh).
# timeout: 300
# parallel: yes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_server.sh"
. "$(dirname "$0")/lib_pg.sh"
need_cmd curl jq gnuplot /usr/bin/python3

W=$(mktemp -d /tmp/gestor-al-hostile.XXXXXX)
on_exit "rm -rf '$W'"
on_exit 'al_kill9'
here=$(cd "$(dirname "$0")" && pwd)
C=$W/canary
mkdir -p "$C"
pg_backend
al_start "$W" --quiet --report-dir "$W/report" --top 50

# everything under $W but the report, the database and the server's logs
# (directories by name: creating report/ changes $W's time)
listing() {
	find "$W" -mindepth 1 \( -path "$W/report" -o -name 'gestor.db*' -o -name '*.log' \) -prune -o \
		-type d -printf '%P/\n' -o -printf '%P %y %s %T@\n' | grep -v '^listing' | sort
}
listing >"$W/listing.before"

check "the corpus is stored (201)" /usr/bin/python3 - "$AL_URL" "$C" "$here" <<'PY'
import json, sys, urllib.request
sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, sys.argv[3])
import hostile_corpus as hc
url, c = sys.argv[1], sys.argv[2]
names = hc.names(c)
t0 = 1764338400 * 10**9
bodies = []
for i in range(4):
    cs = [{"id": "h%02d" % k, "name": n, "class": "high" if k % 2 else "low", "role": "managed",
           "label_class": "high-cpu" if k % 2 else "low", "cpu_pct": 1.0 + k + i, "has_rate": True,
           "rss_kb": 1000 + k, "mem_kb": 1000 * (k + 1), "mem_limit_pct": 1.0, "procs": 1}
          for k, n in enumerate(names)]
    recs = [{"type": "sample", "ts_ns": t0 + i * 10**10, "cycle": i, "source": "procfs",
             "memory": {"total_kb": 8000000, "used_kb": 3000000, "available_kb": 5000000},
             "cpu_pct": 40.0, "containers": cs}]
    recs += [{"type": "decision", "ts_ns": t0 + i * 10**10 + 1000, "cycle": i,
              "container": {"id": "h%02d" % k, "name": n}, "class": "high" if k % 2 else "low",
              "action": "removed" if i == 3 and k < 3 else "kept", "reason": n, "rank": k,
              "metrics": {"cpu_pct": 1.0, "rss_kb": 1, "mem_kb": 1, "mem_limit_pct": 1.0}}
             for k, n in enumerate(names)]
    body = {"batch_id": "hostile-%d" % i, "host": hc.host(c), "run": "hostile.1", "records": recs}
    bodies.append(body)
# and each name alone in a run of its own (hostile.n.K), so that no other
# name can stop a gnuplot line before this one would run
for k, n in enumerate(names):
    cs = [{"id": "h%02d" % k, "name": n, "class": "high", "role": "managed",
           "label_class": "high-cpu", "cpu_pct": 1.0, "has_rate": True, "rss_kb": 1000,
           "mem_kb": 1000, "mem_limit_pct": 1.0, "procs": 1}]
    bodies.append({"batch_id": "hostile-n-%d" % k, "host": "h", "run": "hostile.n.%d" % k,
                   "records": [{"type": "sample", "ts_ns": t0 + 10**12 + k * 10**9, "cycle": 0,
                                "source": "procfs", "memory": {"total_kb": 8000000, "used_kb": 3000000,
                                                               "available_kb": 5000000},
                                "cpu_pct": 40.0, "containers": cs}]})
for body in bodies:
    req = urllib.request.Request(url + "/logs", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        if r.status != 201:
            sys.exit("HTTP %d" % r.status)
PY
n=$(curl -s "$AL_URL/health" | jq .records)
# bytes that are not UTF-8, and a lone surrogate: refused, nothing stored
B1='{"batch_id":"bad-utf8","records":[{"type":"decision","ts_ns":1,"cycle":1,"container":{"id":"x","name":"\xff\xfe`id`\xc0\xaf"},"class":"low","action":"kept","reason":"r","rank":1,"metrics":{"cpu_pct":1,"rss_kb":1,"mem_kb":1,"mem_limit_pct":1}}]}'
check "a name with bytes that are not UTF-8 -> 400" test "$(printf '%b' "$B1" | curl -s -o /dev/null -w '%{http_code}' --data-binary @- "$AL_URL/logs")" = 400
check "a name with a lone surrogate (\\ud800) -> 400" test "$(printf '%s' "${B1//\\xff\\xfe\`id\`\\xc0\\xaf/\\ud800}" | curl -s -o /dev/null -w '%{http_code}' --data-binary @- "$AL_URL/logs")" = 400
check "... neither stored" test "$(curl -s "$AL_URL/health" | jq .records)" = "$n"

nnames=$(/usr/bin/python3 -B "$here/hostile_corpus.py" "$C" | wc -l)
ok=0
for ((k = 0; k < nnames; k++)); do
	[ "$(al_status "$(al_curl -X POST "$AL_URL/graficar?run=hostile.n.$k")")" = 200 ] && ok=$((ok + 1))
done
check "each name drawn alone in its own run: $ok of $nnames -> 200" test "$ok" = "$nnames"
check "... and none ran anything: the canary directory is empty" test -z "$(ls -A "$C")"
r=$(al_curl -X POST "$AL_URL/graficar?run=hostile.1")
check "POST /graficar?run=hostile.1 -> 200" test "$(al_status "$r")" = 200
check "no gnuplot error log (every script ran through)" bash -c '! ls "$1"/.gnuplot-*.log 2>/dev/null | grep -q .' _ "$W/report"
check "the names are data everywhere (hostile_check.py)" /usr/bin/python3 "$here/hostile_check.py" "$W/report" "$C"
host=$(/usr/bin/python3 -c 'import sys, urllib.parse; sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[1]); import hostile_corpus as hc; print(urllib.parse.quote(hc.host(sys.argv[2]), safe=""))' "$here" "$C")
r=$(al_curl -X POST "$AL_URL/graficar?host=$host")
check "POST /graficar?host=<the hostile host> -> 200, the same run" test "$(al_status "$r"):$(al_body "$r" | jq -r .run)" = 200:hostile.1
check "... and its report holds every name as data too" /usr/bin/python3 "$here/hostile_check.py" "$W/report" "$C"
check "the PNGs are drawn" bash -c 'for c in container_cpu container_mem container_cpu_heatmap container_mem_heatmap; do [ "$(stat -c %s "$1/$c.png")" -gt 5000 ] || exit 1; done' _ "$W/report"
check "nothing ran: the canary directory is empty" test -z "$(ls -A "$C")"
listing >"$W/listing.after"
check "nothing was written outside the report directory" cmp -s "$W/listing.before" "$W/listing.after"
check "the report is only under the report directory" bash -c '[ -z "$(find "$1/report" -newer "$1/listing.before" ! -path "$1/report*")" ]' _ "$W"
al_stop
check "clean stop" test $? = 0
finish
