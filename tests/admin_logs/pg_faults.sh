#!/usr/bin/env bash
# pg_faults.sh — the PostgreSQL back end under faults, with a real server
# started by the suite (lib_pg.sh):
#  1. kill -9 of admin_logs under load, three rounds at different moments:
#     every batch answered 201 is in the database whole, none half-written.
#  2. PostgreSQL stopped hard (pg_ctl -m immediate) under load, then started
#     again: meanwhile admin_logs answers 503 (and /health still answers),
#     the senders retry, nothing acknowledged is lost, and the service
#     resumes by itself (201 again, new batches stored) once the server is
#     back.
#  3. One batch refused by the database (a trigger of the test raises for
#     its batch_id) among concurrent ones in the same group: that batch is
#     answered 500 and not stored, the others 201 and stored.
# timeout: 300
# parallel: yes
. "$(dirname "$0")/../lib.sh"
AL_BIN=${AL_BIN:-$GESTOR_BIN/admin_logs} # release build: real speed under load
. "$(dirname "$0")/lib_server.sh"
. "$(dirname "$0")/lib_pg.sh"
need_cmd curl jq /usr/bin/python3
pg_need

W=$(mktemp -d /tmp/gestor-fleet-pgf.XXXXXX)
on_exit "rm -rf '$W'"
on_exit 'al_kill9'
pg_start
AL_DB=$PG_URL
LOAD=$(dirname "$0")/load.py
: >"$W/acked"

# whole IDS_FILE: the batch_ids of IDS_FILE that are stored with all their 10 records
whole_missing() {
	sort -u "$1" >"$W/want"
	pg_psql "SELECT b.batch_id FROM batches b WHERE b.n_records = 10 AND
		(SELECT count(*) FROM records r WHERE r.batch = b.id) = 10" | sort >"$W/whole"
	comm -23 "$W/want" "$W/whole" | wc -l
}

# --- 1. kill -9 of admin_logs under load
al_kill9_rounds "$W" k 20
# A killed server's PostgreSQL session lives on until the server notices its
# client is gone, and finishes a COMMIT it had already received: the batch
# is then in the database (never acknowledged: allowed) after the next
# server counted the database at its start (/health: that count plus what
# it stored). So the next server starts once those sessions have ended.
pg_sessions_gone() { [ "$(pg_psql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'admin_logs'")" = 0 ]; }
check "kill -9: the killed servers' database sessions end" wait_for 30 pg_sessions_gone
al_start "$W" --quiet
acked=$(sort -u "$W/acked" | wc -l)
check "kill -9: load got answers (acked $acked batches)" test "$acked" -ge 150
missing=$(whole_missing "$W/acked")
check "kill -9: every batch answered 201 is stored whole ($missing missing)" test "$missing" = 0
check "kill -9: no batch is half-written" test "$(pg_psql 'SELECT count(*) FROM batches b WHERE n_records != (SELECT count(*) FROM records r WHERE r.batch = b.id)')" = 0
check "kill -9: every stored sample has its 3 containers" test "$(pg_psql "SELECT count(*) FROM records r WHERE r.type = 'sample' AND (SELECT count(*) FROM sample_containers c WHERE c.record = r.id) != 3")" = 0
id=$(sort -u "$W/acked" | head -n1)
check "kill -9: an acked batch is served after restart" test "$(curl -s "$AL_URL/logs?batch=$id" | jq .count)" = 10
check "kill -9: health counts match the database" test "$(curl -s "$AL_URL/health" | jq .batches)" = "$(pg_psql 'SELECT count(*) FROM batches')"

# --- 2. PostgreSQL stopped hard under load, then back
: >"$W/acked2"
/usr/bin/python3 "$LOAD" --port "$AL_PORT" --threads 4 --records 10 --seconds 60 --retry \
	--acked "$W/acked2" --prefix pgr >"$W/load.pg" &
lp=$!
sleep 3
before=$(wc -l <"$W/acked2")
pg_stop immediate
sleep 0.5
r=$(al_curl -X POST --data '{"batch_id":"during-outage","records":[{"type":"decision","ts_ns":1,"cycle":1,"container":{"id":"a","name":"a"},"class":"low","action":"kept","reason":"r","rank":1,"metrics":{"cpu_pct":0,"rss_kb":0,"mem_kb":0,"mem_pct":0}}]}' "$AL_URL/logs")
was_down=$(wc -l <"$W/acked2")
check "PostgreSQL down: a batch is answered 503" test "$(al_status "$r")" = 503
check "PostgreSQL down: the 503 says retry later" bash -c 'grep -q "retry later" <<<"$1"' _ "$(al_body "$r")"
check "PostgreSQL down: GET /logs is 503" test "$(al_status "$(al_curl "$AL_URL/logs?limit=1")")" = 503
check "PostgreSQL down: /health still answers" test "$(curl -s --max-time 5 "$AL_URL/health" | jq -r .status)" = ok
sleep 2
down=$(wc -l <"$W/acked2")
pg_start
t0=$(date +%s.%N)
wait_for 30 bash -c '[ "$(wc -l <"$1")" -ge $2 ]' _ "$W/acked2" $((down + 100))
resumed=$(wc -l <"$W/acked2")
echo "# acked: $before before the stop, $down when it started again, $resumed $(echo "$(date +%s.%N) - $t0" | bc) s later"
kill -TERM "$lp" 2>/dev/null
wait "$lp"
sleep 0.5 # batches in flight when the load stopped are committed
check "the service resumed: 100 more batches acked after the restart ($down -> $resumed)" \
	test "$resumed" -ge $((down + 100))
check "nothing was acked while the server was down ($was_down, then $down)" test "$down" = "$was_down"
missing=$(whole_missing "$W/acked2")
check "nothing acknowledged is lost across the restart ($missing missing of $(wc -l <"$W/acked2"))" test "$missing" = 0
check "no batch is half-written" test "$(pg_psql 'SELECT count(*) FROM batches b WHERE n_records != (SELECT count(*) FROM records r WHERE r.batch = b.id)')" = 0
check "the batch refused during the outage was not stored" test "$(pg_psql "SELECT count(*) FROM batches WHERE batch_id = 'during-outage'")" = 0
r=$(al_curl -X POST --data '{"batch_id":"after-outage","records":[{"type":"decision","ts_ns":1,"cycle":1,"container":{"id":"a","name":"a"},"class":"low","action":"kept","reason":"r","rank":1,"metrics":{"cpu_pct":0,"rss_kb":0,"mem_kb":0,"mem_pct":0}}]}' "$AL_URL/logs")
check "after the restart: 201" test "$(al_status "$r")" = 201
check "after the restart: GET /logs answers" test "$(curl -s "$AL_URL/logs?batch=after-outage" | jq .count)" = 1
# --- 3. one batch failing inside PostgreSQL does not fail its group
pg_psql "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
	IF NEW.batch_id LIKE 'poison%' THEN RAISE EXCEPTION 'poisoned batch'; END IF; RETURN NEW; END \$\$;
	CREATE TRIGGER poison BEFORE INSERT ON batches FOR EACH ROW EXECUTE FUNCTION poison()" >/dev/null
rec='{"type":"decision","ts_ns":1,"cycle":1,"container":{"id":"a","name":"a"},"class":"low","action":"kept","reason":"r","rank":1,"metrics":{"cpu_pct":0,"rss_kb":0,"mem_kb":0,"mem_pct":0}}'
for round in 1 2 3; do
	cps=()
	for i in $(seq 12); do
		id=good-$round-$i
		[ "$i" = 6 ] && id=poison-$round
		curl -s --max-time 20 -o /dev/null -w "$id %{http_code}\n" -X POST --data "{\"batch_id\":\"$id\",\"records\":[$rec,$rec]}" "$AL_URL/logs" &
		cps+=($!)
	done
	wait "${cps[@]}"
done >"$W/poison.out"
check "the poisoned batches are answered 500" test "$(grep -c '^poison-[0-9] 500$' "$W/poison.out")" = 3
check "the others in their groups are answered 201" test "$(grep -c '^good-.* 201$' "$W/poison.out")" = 33
check "the others are stored, the poisoned ones not" \
	test "$(pg_psql "SELECT count(*) FILTER (WHERE batch_id LIKE 'good-%'), count(*) FILTER (WHERE batch_id LIKE 'poison%') FROM batches")" = "33|0"
echo "# groups: $(curl -s "$AL_URL/health" | jq -c '{commits, batches_per_commit}')"
al_stop
check "clean stop" test $? = 0
check "the reconnection is logged" grep -q "connection restored" "$W/stderr.log"
finish
