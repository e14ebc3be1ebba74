#!/usr/bin/env bash
# migrate_pg.sh — schema version 3 on PostgreSQL, on a real server the suite
# starts (lib_pg.sh): a new database is made at 3 with the sample
# containers' counter columns; a version 2 database (the same database with
# those columns dropped and schema_version set back to 2, holding a sample
# stored then) is migrated 2 -> 3 in place at the next start: its old rows
# keep their figures with NULL counters, a new sample's counters go into the
# columns and GET /logs returns them, and a second start migrates nothing.
# timeout: 120
# parallel: yes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_server.sh"
. "$(dirname "$0")/lib_pg.sh"
need_cmd curl jq

W=$(mktemp -d /tmp/gestor-al-migpg.XXXXXX)
on_exit "rm -rf '$W'"
on_exit 'al_kill9'
AL_BACKEND=postgresql pg_backend
COLS="cpu_seconds cfs_periods cfs_throttled_periods cfs_throttled_seconds processes threads oom_events blk_read_bytes blk_write_bytes blk_reads blk_writes net_rx_bytes net_rx_packets net_tx_bytes net_tx_packets"
ncols() {
	pg_psql "SELECT count(*) FROM information_schema.columns WHERE table_name = 'sample_containers'
		AND column_name IN ($(printf "'%s'," $COLS | sed 's/,$//'))"
}
# sample BATCH TS CTR_JSON: POST one sample record with that container
sample() {
	al_curl -X POST --data "{\"batch_id\":\"$1\",\"host\":\"h\",\"run\":\"r1\",\"records\":[{\"type\":\"sample\",\"ts_ns\":$2,\"cycle\":1,\"source\":\"procfs\",\"memory\":{\"total_kb\":100,\"used_kb\":50,\"available_kb\":50},\"cpu_pct\":1,\"containers\":[$3]}]}" "$AL_URL/logs"
}
CTR='"id":"a1","class":"low","label_class":"","cpu_pct":0.5,"rss_kb":9,"mem_kb":10,"mem_limit_pct":0.1,"procs":1'

al_start "$W" --quiet --retain-days 0
check "a new database is made at version 3" test "$(pg_psql 'SELECT max(version) FROM schema_version')" = 3
check "... with the 15 counter columns" test "$(ncols)" = 15
al_stop

# back to version 2: the columns dropped, the version set back, a sample stored
pg_psql "ALTER TABLE sample_containers $(printf 'DROP COLUMN %s,' $COLS | sed 's/,$//');
	UPDATE schema_version SET version = 2" >/dev/null || fail "cannot make the version 2 database"
check "the database is at version 2, without the columns" test "$(ncols)" = 0
pg_psql "INSERT INTO batches(batch_id, host, run, stored_ns, n_records) VALUES ('v2-1', 'h', 'r1', 1, 1);
	INSERT INTO records(batch, type, ts_ns, cycle, body, host, run) SELECT id, 'sample', 1764338400000000000, 1, '{}', 'h', 'r1' FROM batches WHERE batch_id = 'v2-1';
	INSERT INTO sample_containers(record, idx, ts_ns, cid, name, class, label_class, cpu_pct, rss_kb, mem_kb, mem_pct, procs)
	SELECT id, 0, ts_ns, 'a0', 'old', 'low', '', 0.5, 9, 10, 0.1, 1 FROM records WHERE ts_ns = 1764338400000000000" >/dev/null ||
	fail "cannot store the version 2 row"

al_start "$W" --quiet --retain-days 0
check "migrated to version 3" test "$(pg_psql 'SELECT max(version) FROM schema_version')" = 3
check "the migration is logged (2 -> 3)" grep -q "schema version 2 -> 3" "$W/stderr.log"
check "the columns are back" test "$(ncols)" = 15
check "the old row keeps its figures, its counters NULL" test \
	"$(pg_psql "SELECT mem_kb, coalesce(threads::text, 'null'), coalesce(net_rx_bytes::text, 'null') FROM sample_containers WHERE name = 'old'")" = "10|null|null"
r=$(sample new-1 1764338401000000000 "{\"name\":\"new\",$CTR,\"threads\":3,\"net_rx_bytes\":123456,\"cpu_seconds\":1.25,\"blk_write_bytes\":4096}")
check "a sample with counters -> 201" test "$(al_status "$r")" = 201
check "its counters are in the columns, absent ones NULL" test \
	"$(pg_psql "SELECT threads, net_rx_bytes, cpu_seconds, blk_write_bytes, coalesce(oom_events::text, 'null') FROM sample_containers WHERE name = 'new'")" = "3|123456|1.25|4096|null"
check "GET /logs returns them" test \
	"$(curl -s "$AL_URL/logs?batch=new-1" | jq -c '.records[0].containers[0] | [.threads, .net_rx_bytes, .cpu_seconds]')" = '[3,123456,1.25]'
r=$(sample bad-1 1764338402000000000 "{\"name\":\"bad\",$CTR,\"threads\":-1}")
check "a negative counter -> 422" test "$(al_status "$r")" = 422
check "... naming it" grep -q 'containers\[0\]\.threads' <<<"$r"
al_stop
check "clean stop" test $? = 0
al_start "$W" --quiet --retain-days 0
al_stop
check "migrated once only" test "$(grep -c "schema version" "$W/stderr.log")" = 2
finish
