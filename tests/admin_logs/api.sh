#!/usr/bin/env bash
# api.sh — the Log API over real HTTP on loopback against a running
# admin_logs (ASan build when present): store and query, every filter,
# idempotent retry, every bad input answered as documented with nothing
# stored, the access log (stdout and database) complete, idle clients timed
# out, hostile requests survived, clean shutdown without leaks.
# The back end is AL_BACKEND: sqlite (default) or postgresql (a server
# started by the suite, tests/admin_logs/lib_pg.sh; api_pg.sh runs this
# suite so).
# timeout: 240
# parallel: yes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_server.sh"
. "$(dirname "$0")/lib_pg.sh"
need_cmd curl jq sqlite3

W=$(mktemp -d /tmp/gestor-al-api.XXXXXX)
on_exit "rm -rf '$W'"
on_exit 'al_kill9'
pg_backend
al_start "$W" --timeout 2 --max-body 65536
echo "# server $AL_BIN on $AL_URL, back end $AL_BACKEND (${AL_DB:-$W/gestor.db})"
# every request sent adds a line to $W/sent, to check the access log against
sent() { echo "$*" >>"$W/sent"; }
req() {
	sent "$@"
	al_curl "$@"
}

T0=1764338400000000000
sample() { # sample TS CYCLE CONTAINER_NAME
	printf '{"type":"sample","ts_ns":%s,"cycle":%s,"source":"procfs","memory":{"total_kb":1000,"used_kb":600,"available_kb":400},"cpu_pct":12.5,"containers":[{"id":"id-%s","name":"%s","class":"high","label_class":"high-cpu","cpu_pct":90.5,"rss_kb":100,"mem_kb":120,"mem_pct":1.5,"procs":2}]}' "$1" "$2" "$3" "$3"
}
decision() { # decision TS CYCLE NAME ACTION
	printf '{"type":"decision","ts_ns":%s,"cycle":%s,"container":{"id":"id-%s","name":"%s"},"class":"low","action":"%s","reason":"test","rank":1,"metrics":{"cpu_pct":0.5,"rss_kb":10,"mem_kb":12,"mem_pct":0.1},"note":"extra field"}' "$1" "$2" "$3" "$3" "$4"
}
batch() { # batch ID RECORDS...
	local id=$1
	shift
	local IFS=,
	printf '{"batch_id":"%s","host":"test","records":[%s]}' "$id" "$*"
}
records() { sent health; curl -s "$AL_URL/health" | jq .records; }

# --- health
r=$(req "$AL_URL/health")
check "GET /health is 200 ok" test "$(al_status "$r")" = 200
check "health says ok" test "$(al_body "$r" | jq -r .status)" = ok

# --- store and query
B1=$(batch b1 "$(sample $((T0 + 1000000000)) 1 web-1)" "$(decision $((T0 + 2000000000)) 1 web-1 kept)" "$(decision $((T0 + 3000000000)) 1 db-2 removed)")
r=$(req -X POST -H 'Content-Type: application/json' --data "$B1" "$AL_URL/logs")
check "POST /logs batch -> 201" test "$(al_status "$r")" = 201
check "201 body names the batch" test "$(al_body "$r" | jq -r '.status + " " + .batch_id')" = "stored b1"
r=$(req -X POST --data "$B1" "$AL_URL/logs")
check "same batch_id again -> 200" test "$(al_status "$r")" = 200
check "200 says duplicate" test "$(al_body "$r" | jq -r .status)" = duplicate
check "the retried batch is stored once" test "$(records)" = 3
r=$(req "$AL_URL/logs?batch=b1")
check "GET /logs?batch=b1 -> 200" test "$(al_status "$r")" = 200
check "3 records come back" test "$(al_body "$r" | jq .count)" = 3
check "each record carries batch_id and stored time" \
	test "$(al_body "$r" | jq '[.records[] | select(.batch_id == "b1" and (.stored_ns > 0) and (.stored_at | test("Z$")))] | length')" = 3
check "records come back as sent (sample memory)" \
	test "$(al_body "$r" | jq '.records[0].memory.used_kb')" = 600
check "unknown extra fields are kept" \
	test "$(al_body "$r" | jq -r '.records[1].note')" = "extra field"

# bare array of records: accepted with a generated batch id
r=$(req -X POST --data "[$(decision $((T0 + 4000000000)) 2 cache-3 would_remove)]" "$AL_URL/logs")
check "bare array -> 201" test "$(al_status "$r")" = 201
check "bare array gets a generated batch_id" bash -c '[[ "$1" == auto-* ]]' _ "$(al_body "$r" | jq -r .batch_id)"
B2=$(batch b2 "$(sample $((T0 + 5000000000)) 3 web-1)" "$(sample $((T0 + 6000000000)) 4 db-2)")
req -X POST --data "$B2" "$AL_URL/logs" >/dev/null

# --- filters
q() { req "$AL_URL/logs?$1" | sed '$d'; }
check "type=sample" test "$(q 'type=sample' | jq .count)" = 3
check "type=decision" test "$(q 'type=decision' | jq .count)" = 3
check "action=removed" test "$(q 'action=removed' | jq -r '.records[0].container.name')" = db-2
check "container=web-1 (decisions and samples listing it)" test "$(q 'container=web-1' | jq .count)" = 3
check "container by id" test "$(q 'container=id-db-2' | jq .count)" = 2
check "since/until in ns" test "$(q "since=$((T0 + 2000000000))&until=$((T0 + 4000000000))" | jq .count)" = 3
check "since in RFC 3339" test "$(q 'since=2025-11-28T14:00:05Z' | jq .count)" = 2
check "limit and next_offset" test "$(q 'limit=2' | jq -c '[.count, .next_offset]')" = "[2,2]"
check "offset pages on" test "$(q 'limit=2&offset=4' | jq -c '[.count, .next_offset]')" = "[2,null]"
check "pages are in time order" test "$(q 'limit=100' | jq -c '[.records[].ts_ns] == ([.records[].ts_ns] | sort)')" = true
check "order=desc" test "$(q 'order=desc&limit=1' | jq .records[0].ts_ns)" = $((T0 + 6000000000))
check "batch and type combine" test "$(q 'batch=b2&type=sample' | jq .count)" = 2

# --- bad input: the answer, and nothing stored
before=$(records)
bad() { # bad NAME EXPECTED_STATUS [JQ_CHECK] -- curl args...
	local name=$1 want=$2 jqc=$3
	shift 4
	local r s
	r=$(req "$@")
	s=$(al_status "$r")
	check "$name -> $want" test "$s" = "$want"
	check "$name: JSON error" bash -c 'jq -e ".error and .status == $2 and .detail" <<<"$1" >/dev/null' _ "$(al_body "$r")" "$want"
	[ -n "$jqc" ] && check "$name: $jqc" bash -c 'jq -e "$2" <<<"$1" >/dev/null' _ "$(al_body "$r")" "$jqc"
	return 0
}
bad "malformed JSON" 400 "" -- -X POST --data '{"batch_id":"x",' "$AL_URL/logs"
bad "not an object or array" 422 "" -- -X POST --data '42' "$AL_URL/logs"
bad "missing records" 422 '.field == "records"' -- -X POST --data '{"batch_id":"x1"}' "$AL_URL/logs"
bad "empty records" 422 '.field == "records"' -- -X POST --data '{"batch_id":"x2","records":[]}' "$AL_URL/logs"
bad "missing batch_id" 422 '.field == "batch_id"' -- -X POST --data '{"records":[1]}' "$AL_URL/logs"
bad "batch_id with a space" 422 '.field == "batch_id"' -- -X POST --data "$(batch 'a b' "$(sample $T0 1 w)")" "$AL_URL/logs"
bad "missing ts_ns" 422 '.field == "records[0].ts_ns"' -- -X POST --data '{"batch_id":"x3","records":[{"type":"sample","cycle":1}]}' "$AL_URL/logs"
bad "unknown type" 422 '.field == "records[0].type"' -- -X POST --data '{"batch_id":"x4","records":[{"type":"other","ts_ns":1,"cycle":1}]}' "$AL_URL/logs"
bad "mistyped cpu_pct" 422 '.field == "records[0].cpu_pct"' -- -X POST --data "$(batch x5 "$(sample $T0 1 w | sed 's/"cpu_pct":12.5/"cpu_pct":"high"/')")" "$AL_URL/logs"
bad "cpu_pct over 100" 422 '.field == "records[0].cpu_pct"' -- -X POST --data "$(batch x6 "$(sample $T0 1 w | sed 's/"cpu_pct":12.5/"cpu_pct":150/')")" "$AL_URL/logs"
bad "container without mem_kb" 422 '.field == "records[0].containers[0].mem_kb"' -- -X POST --data "$(batch x7 "$(sample $T0 1 w | sed 's/"mem_kb":120,//')")" "$AL_URL/logs"
bad "decision with a bad action" 422 '.field == "records[0].action"' -- -X POST --data "$(batch x8 "$(decision $T0 1 w deleted)")" "$AL_URL/logs"
bad "second record bad: whole batch refused" 422 '.field == "records[1].metrics"' -- -X POST --data "$(batch x9 "$(decision $T0 1 w kept)" "$(decision $T0 1 w kept | sed 's/"metrics"/"metricz"/')")" "$AL_URL/logs"
bad "duplicate key" 400 "" -- -X POST --data '{"batch_id":"x10","batch_id":"x11","records":[]}' "$AL_URL/logs"
big=$W/big.json
head -c 70000 /dev/zero | tr '\0' ' ' >"$big"
bad "body over the limit (Content-Length)" 413 "" -- -X POST -H 'Expect:' --data-binary @"$big" "$AL_URL/logs"
bad "body over the limit (chunked)" 413 "" -- -X POST -H 'Transfer-Encoding: chunked' -H 'Expect:' --data-binary @"$big" "$AL_URL/logs"
bad "wrong method" 405 "" -- -X DELETE "$AL_URL/logs"
bad "unknown path" 404 "" -- "$AL_URL/nothing/here"
bad "bad query parameter" 400 "" -- "$AL_URL/logs?limit=0"
bad "unknown query parameter" 400 "" -- "$AL_URL/logs?colour=red"
r=$(req -i -X PUT "$AL_URL/health")
check "405 carries an Allow header" bash -c 'grep -qi "^Allow: GET, HEAD" <<<"$1"' _ "$r"
check "nothing was stored by any bad request" test "$(records)" = "$before"
check "none of the refused batch_ids exist" test "$(al_sql "$W" "SELECT count(*) FROM batches WHERE batch_id LIKE 'x%'")" = 0

# --- hosts and runs: batch-level host and run, stored per record
hbatch() { # hbatch ID HOST RUN RECORDS...
	local id=$1 host=$2 run=$3
	shift 3
	local IFS=,
	printf '{"batch_id":"%s","host":"%s","run":"%s","records":[%s]}' "$id" "$host" "$run" "$*"
}
r=$(req -X POST --data "$(hbatch h1a h1 run-1 "$(sample $((T0 + 10000000000)) 1 w)" "$(decision $((T0 + 11000000000)) 1 w kept)")" "$AL_URL/logs")
check "batch with host and run -> 201" test "$(al_status "$r")" = 201
req -X POST --data "$(hbatch h1b h1 run-1 "$(sample $((T0 + 12000000000)) 2 w)")" "$AL_URL/logs" >/dev/null
req -X POST --data "$(hbatch h2a h2 run-2 "$(sample $((T0 + 20000000000)) 1 w)")" "$AL_URL/logs" >/dev/null
req -X POST --data "$(hbatch h2b h2 run-2 "$(sample $((T0 + 21000000000)) 2 w)")" "$AL_URL/logs" >/dev/null
r=$(req -X POST --data "$(hbatch h2b h2 run-2 "$(sample $((T0 + 21000000000)) 2 w)")" "$AL_URL/logs")
check "a retried batch with a run -> 200" test "$(al_status "$r")" = 200
check "host=h1" test "$(q 'host=h1' | jq .count)" = 3
check "host=h2" test "$(q 'host=h2' | jq .count)" = 2
check "host=test (the host of the first batches)" test "$(q 'host=test' | jq .count)" = 5
check "run=run-2" test "$(q 'run=run-2' | jq -c '[.records[].ts_ns]')" = "[$((T0 + 20000000000)),$((T0 + 21000000000))]"
check "host and run combine" test "$(q 'host=h2&run=run-1' | jq .count)" = 0
check "run and type combine" test "$(q 'run=run-1&type=decision' | jq .count)" = 1
r=$(req "$AL_URL/runs")
check "GET /runs -> 200" test "$(al_status "$r")" = 200
check "GET /runs: one row per run, newest first, with host, time range, records" \
	test "$(al_body "$r" | jq -c '[.runs[] | [.run, .host, .first_ns, .last_ns, .records]]')" \
	= "[[\"run-2\",\"h2\",$((T0 + 20000000000)),$((T0 + 21000000000)),2],[\"run-1\",\"h1\",$((T0 + 10000000000)),$((T0 + 12000000000)),3]]"
check "GET /runs?host=h1" test "$(req "$AL_URL/runs?host=h1" | sed '$d' | jq -c '[.runs[].run]')" = '["run-1"]'
check "GET /runs?limit=1 pages" test "$(req "$AL_URL/runs?limit=1" | sed '$d' | jq -c '[.count, .next_offset, .runs[0].run]')" = '[1,1,"run-2"]'
before=$(records)
bad "run with a space" 422 '.field == "run"' -- -X POST --data "$(hbatch x20 h1 'a b' "$(sample $T0 1 w)")" "$AL_URL/logs"
bad "run too long" 422 '.field == "run"' -- -X POST --data "$(hbatch x21 h1 "$(printf 'r%.0s' {1..65})" "$(sample $T0 1 w)")" "$AL_URL/logs"
bad "bad run filter" 400 "" -- "$AL_URL/logs?run=a%20b"
bad "unknown /runs parameter" 400 "" -- "$AL_URL/runs?type=sample"
check "the refused runs stored nothing" test "$(records)" = "$before"

# --- slow client: an unfinished request is cut off after --timeout (2 s)
slow() {
	exec 3<>"/dev/tcp/127.0.0.1/$AL_PORT" || return 1
	printf 'POST /logs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"batch' >&3
	local t0=$SECONDS
	cat <&3 >/dev/null # returns when the server closes
	exec 3>&-
	[ $((SECONDS - t0)) -le 6 ]
}
sent slow
check "a slow client is disconnected by the timeout" timeout 10 bash -c "$(declare -f slow); AL_PORT=$AL_PORT slow"
sent health
check "the server still answers" test "$(curl -s "$AL_URL/health" | jq -r .status)" = ok

# --- access log: every request, on stdout and in the database
sleep 0.3 # the writer commits access entries with the next group
al_stop
rc=$?
check "SIGTERM: clean exit (no leak reported by ASan)" test "$rc" = 0
NREQ=$(wc -l <"$W/sent")
lines=$(grep -cE '^[0-9T:.-]+Z [0-9.]+ [A-Z]+ /[^ ]* [0-9]+ in=[0-9]+ out=[0-9]+ us=[0-9]+$' "$W/stdout.log")
check "one stdout line per request ($NREQ)" test "$lines" = "$NREQ"
check "one access_log row per request" test "$(al_sql "$W" 'SELECT count(*) FROM access_log')" = "$NREQ"
check "access log has the refused ones (413, 405, 404)" \
	test "$(al_sql "$W" "SELECT count(DISTINCT status) FROM access_log WHERE status IN (413, 405, 404)")" = 3
check "access rows have client, method, path, sizes, duration" \
	test "$(al_sql "$W" "SELECT count(*) FROM access_log WHERE client = '127.0.0.1' AND method = 'POST' AND path = '/logs' AND status = 201 AND bytes_in > 0 AND bytes_out > 0 AND duration_us >= 0")" -ge 2
check "the slow client is logged too" \
	test "$(al_sql "$W" "SELECT count(*) FROM access_log WHERE method = 'POST' AND status = 0")" -ge 1
check "no errors on stderr" bash -c '! grep -E "ERROR|AddressSanitizer|runtime error" "$1"' _ "$W/stderr.log"

# --- hostile clients: cut, bit-flipped, deeply nested and lying requests
al_start "$W" --timeout 2 --max-body 65536
before=$(curl -s "$AL_URL/health" | jq .batches)
g=$(/usr/bin/python3 "$(dirname "$0")/garbage.py" "$AL_PORT" 300)
echo "# hostile requests answered: $g"
check "still answers after 300 hostile requests" test "$(curl -s "$AL_URL/health" | jq -r .status)" = ok
check "none of them stored anything" test "$(curl -s "$AL_URL/health" | jq .batches)" = "$before"
al_stop
check "clean exit after them (no ASan report)" test $? = 0
check "no sanitizer report" bash -c '! grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$1"' _ "$W/stderr.log"
[ "$T_FAILS" = 0 ] || tail -n 60 "$W/stderr.log"
finish
