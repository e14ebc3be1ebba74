#!/usr/bin/env bash
# durability.sh — kill -9 under load: after a restart, every batch that was
# answered 201 is in the database whole, and no batch is half-written.
# Three rounds on the same database with 8 senders (the writer's group
# commit), three more with one sender (each batch written and committed on
# its request's thread), each killing the server mid-load at a different
# moment; then the database passes SQLite's integrity check.
# timeout: 240
# parallel: yes
. "$(dirname "$0")/../lib.sh"
AL_BIN=${AL_BIN:-$GESTOR_BIN/admin_logs} # release build: real speed under load
. "$(dirname "$0")/lib_server.sh"
need_cmd curl jq sqlite3 /usr/bin/python3

W=$(mktemp -d /tmp/gestor-al-dur.XXXXXX)
on_exit "rm -rf '$W'"
on_exit 'al_kill9'
DB=$W/gestor.db
: >"$W/acked"

al_kill9_rounds "$W" r 10
al_kill9_rounds "$W" s 10 1

al_start "$W" --quiet
acked=$(sort -u "$W/acked" | wc -l)
check "load got answers (acked $acked batches)" test "$acked" -ge 300
# every acked batch is there with its 10 records
sort -u "$W/acked" >"$W/acked.sorted"
sqlite3 "$DB" "SELECT b.batch_id FROM batches b WHERE (SELECT count(*) FROM records r WHERE r.batch = b.id) = 10 AND b.n_records = 10" |
	sort >"$W/whole"
missing=$(comm -23 "$W/acked.sorted" "$W/whole" | wc -l)
check "every batch answered 201 is stored whole ($missing missing)" test "$missing" = 0
check "no batch is half-written" test "$(sqlite3 "$DB" 'SELECT count(*) FROM batches b WHERE n_records != (SELECT count(*) FROM records r WHERE r.batch = b.id)')" = 0
check "no record without its batch" test "$(sqlite3 "$DB" 'SELECT count(*) FROM records r WHERE NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = r.batch)')" = 0
check "every stored sample has its containers" test "$(sqlite3 "$DB" 'SELECT count(*) FROM samples s WHERE (SELECT count(*) FROM sample_containers c WHERE c.record = s.record) != 3')" = 0
check "integrity_check ok" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok
id=$(head -n1 "$W/acked.sorted")
check "an acked batch is served by GET /logs after restart" test "$(curl -s "$AL_URL/logs?batch=$id" | jq .count)" = 10
check "health counts match the database" test "$(curl -s "$AL_URL/health" | jq .batches)" = "$(sqlite3 "$DB" 'SELECT count(*) FROM batches')"
al_stop
check "clean stop after the restarts" test $? = 0
finish
