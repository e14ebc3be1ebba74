#!/usr/bin/env bash
# report_queue.sh — drawing is a write, bounded in time and in disk:
#  - GET and HEAD /graficar are 405 (Allow: POST) and write nothing; a POST
#    from a page of another site (Origin) is 403, one with a body 400, a run
#    that does not exist 404 — none writes a byte in the report directory;
#  - 8 draws asked at once with --draw-queue 2: each is answered, 200 or 503
#    with Retry-After, at least one of each, and POST /logs keeps answering
#    201 all the while (the drawing has a thread of its own);
#  - the archive runs/ keeps --report-keep-runs reports, the oldest drawn
#    removed first, and --report-keep-mb bytes (the newest always stays).
# The back end is AL_BACKEND: sqlite (default) or postgresql (lib_pg.sh).
# timeout: 300
# parallel: yes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_server.sh"
. "$(dirname "$0")/lib_pg.sh"
need_cmd curl jq gnuplot /usr/bin/python3

W=$(mktemp -d /tmp/gestor-al-rqueue.XXXXXX)
on_exit "rm -rf '$W'"
on_exit 'al_kill9'
here=$(cd "$(dirname "$0")" && pwd)
R=$W/report
pg_backend
al_start "$W" --quiet --report-dir "$R" --draw-queue 2 --report-keep-runs 3
snap() { find "$R" -printf '%P %s %T@\n' 2>/dev/null | sort; }

# five runs of report_gen.py's data (100 samples each), an hour apart
for i in 1 2 3 4 5; do
	/usr/bin/python3 "$here/report_gen.py" "$AL_URL" "q.$i" $((1764338400 + i * 3600)) >/dev/null ||
		fail "run q.$i not posted"
done
check "POST /graficar?run=q.1 -> 200" test "$(al_status "$(al_curl -X POST "$AL_URL/graficar?run=q.1")")" = 200
snap >"$W/s0"
c=$(curl -s -o /dev/null -D "$W/h" -w '%{http_code}' "$AL_URL/graficar?run=q.2")
check "GET /graficar -> 405 with Allow: POST" bash -c '[ "$1" = 405 ] && grep -qi "^allow: POST" "$2"' _ "$c" "$W/h"
check "HEAD /graficar -> 405" test "$(curl -s -o /dev/null -I -w '%{http_code}' "$AL_URL/graficar")" = 405
check "a POST from another site's page (Origin) -> 403" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Origin: http://evil.example' "$AL_URL/graficar?run=q.2")" = 403
check "a POST from the server's own origin -> 200" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Origin: http://127.0.0.1:$AL_PORT" "$AL_URL/graficar?run=q.1")" = 200
snap >"$W/s0"
check "a POST with a body -> 400" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data x "$AL_URL/graficar?run=q.2")" = 400
check "a run that does not exist -> 404" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$AL_URL/graficar?run=nope.1")" = 404
snap >"$W/s1"
check "... none of them wrote a byte in the report directory" cmp -s "$W/s0" "$W/s1"

# 8 draws at once, and batches posted meanwhile
/usr/bin/python3 - "$AL_URL" "$W/logs.out" <<'PY' &
import json, sys, time, urllib.request
url, out = sys.argv[1], sys.argv[2]
codes = []
t_end = time.time() + 60
i = 0
while time.time() < t_end:
    body = {"batch_id": "during-%d" % i, "host": "q", "records": [
        {"type": "decision", "ts_ns": 1764400000 * 10**9 + i, "cycle": i,
         "container": {"id": "c1", "name": "gestor-low-c1"}, "class": "low", "action": "kept",
         "reason": "test", "rank": 1,
         "metrics": {"cpu_pct": 0.5, "rss_kb": 10, "mem_kb": 12, "mem_limit_pct": 0.1}}]}
    req = urllib.request.Request(url + "/logs", data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            codes.append(r.status)
    except Exception as e:  # an error is a code too: counted against the server
        codes.append(getattr(e, "code", 0))
    i += 1
    try:
        open(out + ".stop").close()
        break
    except OSError:
        pass
    time.sleep(0.02)
open(out, "w").write(" ".join(map(str, codes)))
PY
lp=$!
sleep 0.3
pids=()
for k in 1 2 3 4 5 6 7 8; do
	curl -s --max-time 120 -o "$W/d$k.body" -D "$W/d$k.h" -w '%{http_code}' -X POST \
		"$AL_URL/graficar?run=q.$((k % 5 + 1))" >"$W/d$k.code" &
	pids+=($!)
done
wait "${pids[@]}"
touch "$W/logs.out.stop"
wait "$lp"
n200=0 n503=0 ra=0
for k in 1 2 3 4 5 6 7 8; do
	case $(cat "$W/d$k.code") in
	200) n200=$((n200 + 1)) ;;
	503) n503=$((n503 + 1)); grep -qi '^retry-after: [1-9]' "$W/d$k.h" && ra=$((ra + 1)) ;;
	esac
done
echo "# 8 draws at once: $n200 drawn, $n503 refused; POST /logs meanwhile: $(wc -w <"$W/logs.out") batches"
check "every one of the 8 draws is answered, 200 or 503 ($n200 + $n503)" test $((n200 + n503)) = 8
check "at least one is drawn" test "$n200" -ge 1
check "past the queue's bound: 503 ($n503)" test "$n503" -ge 1
check "... each with Retry-After" test "$ra" = "$n503"
check "POST /logs answered 201 all along ($(wc -w <"$W/logs.out") batches)" \
	bash -c '[ "$(wc -w <"$1")" -ge 5 ] && [ -z "$(tr " " "\n" <"$1" | grep -vx 201)" ]' _ "$W/logs.out"

# the archive: 3 runs at most, the oldest drawn go first
for i in 1 2 3 4 5; do
	al_curl -X POST "$AL_URL/graficar?run=q.$i" >/dev/null
	sleep 0.05
done
check "runs/ keeps 3 reports (--report-keep-runs 3): $(ls "$R/runs" | tr '\n' ' ')" \
	test "$(ls "$R/runs")" = "$(printf 'run-q.3\nrun-q.4\nrun-q.5')"
check "the index links the kept ones; the removed say how to draw them" \
	bash -c 'grep -q "href=\"runs/run-q.4/index.html\"" "$1/index.html" && grep -q "not drawn: POST /graficar?run=q.1 draws it" "$1/index.html"' _ "$R"
al_stop

# bytes: 2 MiB hold fewer reports than the count allows
al_start "$W" --quiet --report-dir "$R" --report-keep-runs 100 --report-keep-mb 2
one=$(du -sb "$R/runs/run-q.5" | cut -f1)
for i in 1 2 3 4 5; do
	al_curl -X POST "$AL_URL/graficar?run=q.$i" >/dev/null
	sleep 0.05
done
total=$(find "$R/runs" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
n=$(ls "$R/runs" | wc -l)
echo "# one saved report: $one bytes; with --report-keep-mb 2: $n kept, $total bytes"
check "runs/ stays within 2 MiB ($total bytes in $n reports), or holds the newest alone" \
	bash -c '[ "$1" -le 2097152 ] || [ "$2" = 1 ]' _ "$total" "$n"
check "... and keeps the newest drawn (q.5)" test -s "$R/runs/run-q.5/index.html"
al_stop
check "clean stop" test $? = 0
finish
