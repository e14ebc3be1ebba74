#!/usr/bin/env bash
# graphs_same.sh — POST /graficar answers the same on both back ends: the
# same batches are posted to an admin_logs on SQLite and to one on
# PostgreSQL (a server started by the suite, lib_pg.sh), and every chart's
# CSV and gnuplot script, and index.html's list of runs, are byte-identical
# between the two, for the latest run, a named run, the records without a
# run, and each of those per host (?host=). The data: two hosts in one run
# (1000 samples of one, more than GRAPHS_MAX_POINTS, so its series are
# averaged into buckets; 200 of the other), a third host's later run, and
# report_gen.py's samples without a run (a gap; containers of every role).
# A run without the host asked for is a 404 on both, writing nothing. Then
# with PostgreSQL stopped POST /graficar is a 503, and a 200 again once it
# is back.
# timeout: 300
# parallel: yes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_server.sh"
. "$(dirname "$0")/lib_pg.sh"
need_cmd curl jq gnuplot cmp /usr/bin/python3
pg_need

W=$(mktemp -d /tmp/gestor-al-same.XXXXXX)
on_exit "rm -rf '$W'"
SQ_PID= PG_AL_PID=
on_exit 'kill -9 $SQ_PID $PG_AL_PID 2>/dev/null; wait $SQ_PID $PG_AL_PID 2>/dev/null'
here=$(dirname "$0")
mkdir -p "$W/sq" "$W/pg"
pg_start

al_start "$W/sq" --quiet --report-dir "$W/sq/report" --top 4
SQ_PID=$AL_PID SQ_URL=$AL_URL
AL_DB=$PG_URL al_start "$W/pg" --quiet --report-dir "$W/pg/report" --top 4
PG_AL_PID=$AL_PID PG_AL_URL=$AL_URL
AL_PID=
echo "# SQLite on $SQ_URL, PostgreSQL on $PG_AL_URL ($PG_URL)"

# post FILE RUN: each batch (a JSON line) of FILE, with "run" RUN, to both servers
post() {
	/usr/bin/python3 - "$1" "$2" "$SQ_URL" "$PG_AL_URL" <<'EOF'
import json, sys, urllib.request
path, run, urls = sys.argv[1], sys.argv[2], sys.argv[3:]
for line in open(path, encoding="utf-8"):
    b = json.loads(line)
    if run:
        b["run"] = run
    for u in urls:
        req = urllib.request.Request(u + "/logs", data=json.dumps(b).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            if r.status != 201:
                raise SystemExit("POST %s/logs: HTTP %d" % (u, r.status))
EOF
}
T0=1764338400000000000
/usr/bin/python3 "$here/gen.py" --out "$W/gen.jsonl" --samples 1000 --interval 5 --containers 6 \
	--batch 50 --host gen --start-ns $T0 >/dev/null
/usr/bin/python3 "$here/gen.py" --out "$W/other.jsonl" --samples 200 --interval 5 --containers 3 \
	--batch 40 --host other --prefix oth --seed 2 --start-ns $((T0 + 600000000000)) >/dev/null
/usr/bin/python3 "$here/gen.py" --out "$W/third.jsonl" --samples 100 --interval 10 --containers 4 \
	--batch 25 --host third --prefix thi --seed 3 --start-ns $((T0 + 7200000000000)) >/dev/null
check "host gen's batches are stored on both" post "$W/gen.jsonl" g.1
check "host other's batches are stored on both (same run)" post "$W/other.jsonl" g.1
check "host third's batches are stored on both (a later run)" post "$W/third.jsonl" t.1
check "report_gen.py's data (no run) is stored on SQLite" \
	test "$(/usr/bin/python3 "$here/report_gen.py" "$SQ_URL" "" 1764300000)" = 100
check "... and on PostgreSQL" \
	test "$(/usr/bin/python3 "$here/report_gen.py" "$PG_AL_URL" "" 1764300000)" = 100
check "both hold the same records" test "$(curl -s "$SQ_URL/health" | jq .records)" = \
	"$(curl -s "$PG_AL_URL/health" | jq .records)"

charts="memory cpu container_cpu container_mem container_cpu_heatmap container_mem_heatmap removed_by_class removed_cumulative running_by_class"
# same QUERY WHAT RUN: POST /graficar?QUERY on both is a 200 drawing RUN, and
# the reports are the same
same() {
	local q=$1 what=$2 run=$3 a b c f diff=
	a=$(al_curl -X POST "$SQ_URL/graficar?$q")
	b=$(al_curl -X POST "$PG_AL_URL/graficar?$q")
	check "$what: 200 and run '$run' on both" test \
		"$(al_status "$a") $(al_body "$a" | jq -r .run)|$(al_status "$b") $(al_body "$b" | jq -r .run)" = \
		"200 $run|200 $run"
	for c in $charts; do
		for f in "$c.csv" "$c.gp"; do
			cmp -s "$W/sq/report/$f" "$W/pg/report/$f" || diff="$diff $f"
		done
	done
	check "$what: every CSV and gnuplot script is byte-identical${diff:+ (differ:$diff)}" test -z "$diff"
	# index.html: the same but for the time it was drawn
	check "$what: index.html lists the same runs" cmp -s \
		<(sed 's/: drawn [^<]* from/: drawn - from/' "$W/sq/report/index.html") \
		<(sed 's/: drawn [^<]* from/: drawn - from/' "$W/pg/report/index.html")
	echo "# $what: $(($(wc -l <"$W/sq/report/memory.csv") - 1)) memory rows, $(($(wc -l <"$W/sq/report/container_cpu_heatmap.csv") - 1)) heatmap cells"
}
same "" "the latest run (all hosts)" t.1
same "run=g.1" "run g.1, both hosts (bucketed)" g.1
same "run=g.1&host=gen" "run g.1, host gen" g.1
same "run=g.1&host=other" "run g.1, host other" g.1
same "host=other" "host other's latest run" g.1
same "host=third" "host third's latest run" t.1
same "run=" "the records without a run" ""
same "run=&host=report-test" "the records without a run, host report-test" ""
find "$W/sq/report" "$W/pg/report" -printf '%p %s %T@\n' | sort >"$W/before"
a=$(al_curl -X POST "$SQ_URL/graficar?run=t.1&host=gen")
b=$(al_curl -X POST "$PG_AL_URL/graficar?run=t.1&host=gen")
check "a run without that host's records: 404 on both" test "$(al_status "$a") $(al_status "$b")" = "404 404"
find "$W/sq/report" "$W/pg/report" -printf '%p %s %T@\n' | sort >"$W/after"
check "... and neither wrote a byte" cmp -s "$W/before" "$W/after"
check "run g.1 is bucketed (fewer rows than its 1200 samples)" \
	test "$(grep -c . "$W/pg/report/runs/run-g.1/memory.csv")" -lt 1200
check "the gap of the records without a run is drawn (a blank line)" \
	test "$(grep -c '^$' "$W/pg/report/runs/run-none/cpu.csv")" = 1

# PostgreSQL away: POST /graficar is a 503 (retry later), then works again
pg_stop
r=$(al_curl -X POST "$PG_AL_URL/graficar")
check "PostgreSQL stopped: POST /graficar -> 503" test "$(al_status "$r")" = 503
check "... saying why" bash -c 'sed "\$d" <<<"$1" | jq -e ".detail | test(\"connect\")" >/dev/null' _ "$r"
pg_start
r=$(al_curl -X POST "$PG_AL_URL/graficar")
check "PostgreSQL back: POST /graficar -> 200, the latest run" test "$(al_status "$r"):$(al_body "$r" | jq -r .run)" = 200:t.1

AL_PID=$PG_AL_PID
al_stop
check "the PostgreSQL admin_logs stops cleanly" test $? = 0
PG_AL_PID=
AL_PID=$SQ_PID
al_stop
check "the SQLite admin_logs stops cleanly" test $? = 0
SQ_PID=
finish
