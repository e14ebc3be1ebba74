#!/usr/bin/env bash
# migrate.sh — a database made by the admin_logs before schema versioning
# (tests/admin_logs/schema_v1.sql, with a batch in it) opens, is migrated to
# the current version in place (user_version), keeps its records (now with
# their batch's host), takes batches with host and run, serves ?host= and
# /runs, stores a sample's container counters (version 3's columns; NULL
# for a record without them), and opens again unchanged; a database from a newer admin_logs is
# refused rather than misread.
# timeout: 60
# parallel: yes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_server.sh"
need_cmd curl jq sqlite3

W=$(mktemp -d /tmp/gestor-al-mig.XXXXXX)
on_exit "rm -rf '$W'"
on_exit 'al_kill9'
DB=$W/gestor.db
REC='{"type":"decision","ts_ns":1764338400000000000,"cycle":1,"container":{"id":"a1","name":"gestor-low-a1"},"class":"low","action":"kept","reason":"r","rank":1,"metrics":{"cpu_pct":0.5,"rss_kb":9,"mem_kb":10,"mem_pct":0.1}}'
sqlite3 "$DB" <"$(dirname "$0")/schema_v1.sql" || fail "cannot make the old database"
sqlite3 "$DB" "INSERT INTO batches VALUES (1, 'old-1', 'oldhost', 1764338400000000000, 1);
 INSERT INTO records VALUES (1, 1, 'decision', 1764338400000000000, 1, 'a1', 'gestor-low-a1', 'low', 'kept', '$REC');"
check "the old database is at user_version 0" test "$(sqlite3 "$DB" 'PRAGMA user_version')" = 0

# the old batch was stored on 2025-11-28: kept (no retention) so migration is what is seen
al_start "$W" --quiet --retain-days 0
check "migrated to the current version" test "$(sqlite3 "$DB" 'PRAGMA user_version')" = 3
check "the migration is logged" grep -q "schema version 0 -> 3" "$W/stderr.log"
check "version 3: sample_containers has the counters' columns" test \
	"$(sqlite3 "$DB" "SELECT count(*) FROM pragma_table_info('sample_containers') WHERE name IN ('cpu_seconds','threads','blk_read_bytes','net_tx_packets')")" = 4
check "the old record is served" test "$(curl -s "$AL_URL/logs?batch=old-1" | jq -r '.records[0].container.name')" = gestor-low-a1
check "the old record has its batch's host" test "$(curl -s "$AL_URL/logs?host=oldhost" | jq .count)" = 1
check "health counts the old batch" test "$(curl -s "$AL_URL/health" | jq .batches)" = 1
r=$(al_curl -X POST --data "{\"batch_id\":\"new-1\",\"host\":\"h9\",\"run\":\"s1.2\",\"records\":[$REC]}" "$AL_URL/logs")
check "a new batch with host and run -> 201" test "$(al_status "$r")" = 201
check "GET /runs lists the new run" test "$(curl -s "$AL_URL/runs" | jq -c '[.runs[] | [.run, .host, .records]]')" = '[["s1.2","h9",1]]'
check "the old batch is not retaken" test "$(al_status "$(al_curl -X POST --data "{\"batch_id\":\"old-1\",\"records\":[$REC]}" "$AL_URL/logs")")" = 200
# a sample with the counters, one without (an older servicio's): both stored
SAMP='{"type":"sample","ts_ns":1764338401000000000,"cycle":2,"source":"procfs","memory":{"total_kb":100,"used_kb":50,"available_kb":50},"cpu_pct":1,"containers":[{"id":"a1","name":"gestor-low-a1","class":"low","label_class":"","cpu_pct":0.5,"rss_kb":9,"mem_kb":10,"mem_limit_pct":0.1,"procs":1,"net_rx_bytes":123456,"blk_write_bytes":4096,"threads":3,"cpu_seconds":1.25},{"id":"a2","name":"old","class":"low","label_class":"","cpu_pct":0.5,"rss_kb":9,"mem_kb":10,"mem_pct":0.1,"procs":1}]}'
r=$(al_curl -X POST --data "{\"batch_id\":\"new-2\",\"host\":\"h9\",\"run\":\"s1.2\",\"records\":[$SAMP]}" "$AL_URL/logs")
check "a sample with the counters -> 201" test "$(al_status "$r")" = 201
check "its counters are in their columns, absent ones NULL" test \
	"$(sqlite3 "$DB" "SELECT name, net_rx_bytes, blk_write_bytes, threads, cpu_seconds, ifnull(net_tx_bytes, 'null') FROM sample_containers ORDER BY idx" | tr '\n' ' ')" \
	= "gestor-low-a1|123456|4096|3|1.25|null old|||||null "
check "GET /logs returns them" test \
	"$(curl -s "$AL_URL/logs?batch=new-2" | jq -c '.records[0].containers[0] | [.net_rx_bytes, .blk_write_bytes, .threads, .cpu_seconds]')" = '[123456,4096,3,1.25]'
al_stop
check "clean stop" test $? = 0

al_start "$W" --quiet --retain-days 0
check "reopened: the three batches" test "$(curl -s "$AL_URL/health" | jq .batches)" = 3
al_stop
check "migrated once only" test "$(grep -c "schema version" "$W/stderr.log")" = 1

sqlite3 "$DB" 'PRAGMA user_version=99'
rm -f "$W/port"
"$AL_BIN" --port 0 --port-file "$W/port" --db "$DB" >/dev/null 2>"$W/newer.log"
check "a newer schema is refused (exit status)" test $? != 0
check "... saying why" grep -q "schema version 99 is newer" "$W/newer.log"
finish
