#!/usr/bin/env bash
# fleet.sh — three servicio instances with different --host names (each
# scoped to its own containers, as on three machines) send one cycle each
# (--once --dry-run) at the same time to one admin_logs on PostgreSQL (a
# server started by the suite): every host's run is listed by GET /runs,
# GET /logs?host= returns each host's sample and exactly the decisions about
# its own containers, ?run= the same records, and nothing is mixed up.
# parallel: yes docker
# timeout: 240
source "$(dirname "$0")/../servicio/common.sh"
AL_BIN=${AL_BIN:-$GESTOR_BIN/admin_logs}
. "$(dirname "$0")/lib_server.sh"
. "$(dirname "$0")/lib_pg.sh"
svt_need
pg_need
on_exit "rm -rf '$SVT_TMP'"
on_exit "svt_cleanup_containers"
on_exit 'al_kill9'

pg_start
AL_DB=$PG_URL
al_start "$SVT_TMP" --quiet
# host N has N+1 low containers: 2, 3 and 4 decisions
for h in 1 2 3; do
	for i in $(seq 0 "$h"); do
		docker run -d --name "$SVT_TAG-h$h-low$i" --network none --label gestor.managed=true \
			--label gestor.class=low --label "gestor.test=$SVT_TAG-h$h" \
			--label "gestor.test.all=$SVT_TAG" gestor/low:latest >/dev/null || fail "docker run"
	done
done
on_exit "docker_rm_label gestor.test.all=$SVT_TAG"

pids=()
for h in 1 2 3; do
	mkdir -p "$SVT_TMP/spool$h"
	"$SVT_BIN" --log-url "$AL_URL" --no-cron --high-cpu 10 --scope "gestor.test=$SVT_TAG-h$h" \
		--spool "$SVT_TMP/spool$h/spool" --host "node$h-$SVT_TAG" --once --dry-run \
		>"$SVT_TMP/svt$h.log" 2>&1 &
	pids+=($!)
done
for h in 1 2 3; do
	wait "${pids[h - 1]}"
	check "servicio --host node$h exits 0" test $? = 0
done

runs=$(curl -s "$AL_URL/runs?limit=10000")
for h in 1 2 3; do
	host=node$h-$SVT_TAG
	run=$(jq -r --arg h "$host" '[.runs[] | select(.host == $h)] | if length == 1 then .[0].run else "" end' <<<"$runs")
	check "GET /runs: one run of $host" test -n "$run"
	recs=$(curl -s "$AL_URL/logs?host=$host&limit=10000")
	check "$host: one sample" test "$(jq '[.records[] | select(.type == "sample")] | length' <<<"$recs")" = 1
	check "$host: $((h + 1)) decisions, each about its own containers" \
		test "$(jq --arg p "$SVT_TAG-h$h-" '[.records[] | select(.type == "decision" and (.container.name | startswith($p)))] | length' <<<"$recs")" = $((h + 1))
	check "$host: no decision about another host's containers" \
		test "$(jq '[.records[] | select(.type == "decision")] | length' <<<"$recs")" = $((h + 1))
	check "$host: ?run= gives the same records" \
		test "$(curl -s "$AL_URL/logs?run=$run&limit=10000" | jq -c '[.records[].id]')" = "$(jq -c '[.records[].id]' <<<"$recs")"
	check "$host: /runs counts its records" test "$(jq --arg h "$host" '.runs[] | select(.host == $h) | .records' <<<"$runs")" = $((h + 2))
done
check "the three hosts' records are all there (2+3+4 decisions, 3 samples)" \
	test "$(pg_psql "SELECT count(*) FROM records WHERE host LIKE 'node%-$SVT_TAG'")" = 12
al_stop
check "admin_logs stops cleanly" test $? = 0
finish
