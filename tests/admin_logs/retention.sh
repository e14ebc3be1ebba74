#!/usr/bin/env bash
# retention.sh — --retain-days deletes what aged out while admin_logs runs,
# without stalling ingestion, and nothing else; --retain-mb keeps the SQLite
# data under its bound (issue 27, item 3). On SQLite here, on PostgreSQL
# through retention_pg.sh (AL_BACKEND=postgresql; the size bound is
# SQLite's only).
#
# Two runs of data are posted (gen.py, 10 containers, a batch per 10 s
# cycle): "old" (600 batches, 6,600 records) and "new" (300 batches); then,
# with the server stopped, the old batches and every access-log line so far
# are made 40 days old (their stored_ns / ts_ns: the server's clock is
# what retention reads, not the records' own times), and a third run "mixed"
# whose first half is old. Restarted with --retain-days 30 under a steady
# load (a batch every 50 ms, each timed, until the aged data is gone and
# 10 s more):
# asserted that the old batches, their records, samples, containers' rows
# and access lines go within 60 s; the "old" run's row goes, "mixed" keeps
# its newer half with its count and first time mended; "new" is untouched;
# every POST meanwhile is 201, none slower than 2 s; the requests made
# after the restart are all in access_log. SQLite only: a store of 900
# batches started with --retain-mb 2 shrinks its data (pages in use) to
# 2 MiB while a load keeps posting, and the file stops growing.
# timeout: 400
# parallel: yes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_server.sh"
. "$(dirname "$0")/lib_pg.sh"
need_cmd curl jq /usr/bin/python3
W=$(mktemp -d /tmp/gestor-retain.XXXXXX)
on_exit rm -rf "$W"
on_exit al_kill9
pg_backend
[ "$AL_BACKEND" = sqlite ] && need_cmd sqlite3
here=$(dirname "$0")
day=86400000000000
now_ns=$(($(date +%s) * 1000000000))

gen() { # PREFIX RUN SAMPLES START
	/usr/bin/python3 "$here/gen.py" --url "$AL_URL" --samples "$3" --interval 10 --containers 10 \
		--batch 11 --start-ns "$4" --prefix "$1" --run "$2" --host rh >/dev/null || fail "gen.py $1"
}
count() { al_sql "$W" "$1"; }

# timed posts: a batch every 50 ms for SECONDS, or until the file STOP
# exists when given; prints {"n","codes","max_s"}
poster() {
	/usr/bin/python3 - "$AL_PORT" "$1" "${2:-}" <<'PY'
import json, os, sys, time, http.client
port, secs, stop = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
codes, mx, n = {}, 0.0, 0
end = time.time() + secs
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
while time.time() < end and not (stop and os.path.exists(stop)):
    n += 1
    body = json.dumps({"batch_id": "live-%d-%d" % (time.time_ns(), n), "host": "live",
                       "records": [{"type": "decision", "ts_ns": time.time_ns(), "cycle": n,
                                    "container": {"id": "l1", "name": "live"}, "class": "low",
                                    "action": "kept", "reason": "retention test", "rank": 1,
                                    "metrics": {"cpu_pct": 0.1, "rss_kb": 1, "mem_kb": 1, "mem_pct": 0.1}}]})
    t0 = time.monotonic()
    try:
        c.request("POST", "/logs", body, {"Content-Type": "application/json"})
        r = c.getresponse(); r.read(); k = str(r.status)
    except Exception:
        k = "error"; c.close(); c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mx = max(mx, time.monotonic() - t0)
    codes[k] = codes.get(k, 0) + 1
    time.sleep(0.05)
print(json.dumps({"n": n, "codes": codes, "max_s": round(mx, 3)}))
PY
}

# --- the data: old (made 40 days old), mixed (half old), new
al_start "$W" --retain-days 0 --quiet
t0=$((now_ns - 2 * day))
gen old r-old 600 "$t0"
gen mixa r-mixed 200 "$((t0 + 6000 * 1000000000))"
al_stop || fail "admin_logs did not stop cleanly"
aged=$((40 * day))
count "UPDATE batches SET stored_ns = stored_ns - $aged; UPDATE access_log SET ts_ns = ts_ns - $aged" >/dev/null
al_start "$W" --retain-days 0 --quiet
gen mixb r-mixed 200 "$((t0 + 8000 * 1000000000))"
gen new r-new 300 "$((now_ns - day))"
al_stop || fail "admin_logs did not stop cleanly"
old_acc=$(count "SELECT count(*) FROM access_log WHERE ts_ns < $((now_ns - 30 * day))")
mixb_first=$(count "SELECT min(r.ts_ns) FROM records r JOIN batches b ON b.id = r.batch WHERE b.batch_id LIKE 'mixb-%'")
new_before=$(count "SELECT count(*) FROM records r JOIN batches b ON b.id = r.batch WHERE b.batch_id LIKE 'new-%'")
echo "# before: $(count "SELECT count(*) FROM batches") batches, $(count "SELECT count(*) FROM records") records, $old_acc old access lines"
check "the old data is there to age out (800 old batches, old access lines)" \
	eval '[ "$(count "SELECT count(*) FROM batches WHERE batch_id LIKE '"'"'old-%'"'"' OR batch_id LIKE '"'"'mixa-%'"'"'")" = 800 ] && [ "$old_acc" -gt 0 ]'

# --- retention on, under load
# (the load goes on while the aged data goes and 10 s more: ten of the
# writer's once-a-second retention passes with nothing left to delete)
al_start "$W" --retain-days 30 --quiet
poster 75 "$W/poster.stop" >"$W/poster.json" &
pp=$!
gone() { [ "$(count "SELECT count(*) FROM batches WHERE batch_id LIKE 'old-%' OR batch_id LIKE 'mixa-%'")" = 0 ]; }
t_start=$(date +%s)
wait_for 60 gone
t_gone=$(($(date +%s) - t_start))
sleep 10
touch "$W/poster.stop"
wait "$pp"
echo "# poster: $(cat "$W/poster.json"); old batches gone after ${t_gone} s"
check "the aged batches went while running (within 60 s: ${t_gone} s)" gone
sleep 1
hb=$(curl -s "$AL_URL/health" | jq -c '[.batches, .records]')
check "/health counts what is left ($hb)" [ "$hb" = "[$(count "SELECT count(*) FROM batches"),$(count "SELECT count(*) FROM records")]" ]
check "their records went" [ "$(count "SELECT count(*) FROM records r WHERE NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = r.batch)")" = 0 ]
check "no derived row outlives its record (sample_containers)" \
	[ "$(count "SELECT count(*) FROM sample_containers c WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.id = c.record)")" = 0 ]
check "no derived row outlives its record (samples)" \
	[ "$(count "SELECT count(*) FROM samples s WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.id = s.record)")" = 0 ]
check "every sample record left keeps its samples row (the graphs read it)" \
	[ "$(count "SELECT count(*) FROM records r WHERE r.type = 'sample' AND NOT EXISTS (SELECT 1 FROM samples s WHERE s.record = r.id)")" = 0 ]
check "the old run's row went" [ "$(count "SELECT count(*) FROM runs WHERE run = 'r-old'")" = 0 ]
check "the mixed run keeps its newer half, count and first time mended" \
	[ "$(count "SELECT n_records || ' ' || first_ns FROM runs WHERE run = 'r-mixed'")" = "2200 $mixb_first" ]
check "every run row matches its records" \
	[ "$(count "SELECT count(*) FROM runs u WHERE n_records <> (SELECT count(*) FROM records r WHERE r.run = u.run AND r.host = u.host)")" = 0 ]
check "the new run is untouched ($new_before records)" \
	[ "$(count "SELECT count(*) FROM records r JOIN batches b ON b.id = r.batch WHERE b.batch_id LIKE 'new-%'")" = "$new_before" ]
check "the old access lines went" [ "$(count "SELECT count(*) FROM access_log WHERE ts_ns < $((now_ns - 30 * day))")" = 0 ]
p() { jq -r "$1" "$W/poster.json"; }
check "every POST meanwhile was 201 ($(p .n) posts), none slower than 2 s ($(p .max_s) s)" \
	eval '[ "$(p ".codes[\"201\"]")" = "$(p .n)" ] && awk -v t="$(p .max_s)" "BEGIN{exit !(t < 2)}"'
for i in 1 2 3 4 5; do curl -s -o /dev/null "$AL_URL/logs?limit=1&offset=$i"; done
sleep 1 # access lines are written with the next group, at most 200 ms later
check "the requests since the restart are in access_log (5 GET /logs)" \
	[ "$(count "SELECT count(*) FROM access_log WHERE path = '/logs' AND method = 'GET' AND ts_ns > $now_ns")" -ge 5 ]
al_stop || fail "admin_logs did not stop cleanly"

# --- the size bound (SQLite)
if [ "$AL_BACKEND" = sqlite ]; then
	al_start "$W" --retain-days 30 --quiet
	gen more r-more 600 "$((now_ns - day / 2))"
	al_stop || fail "admin_logs did not stop cleanly"
	data_kib() { sqlite3 "$W/gestor.db" "SELECT (page_count - freelist_count) * page_size / 1024 FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()"; }
	echo "# before the size bound: data $(data_kib) KiB, file $(du -k "$W/gestor.db" | cut -f1) KiB"
	al_start "$W" --retain-days 30 --retain-mb 2 --quiet
	poster 15 >"$W/poster2.json" &
	pp=$!
	wait_for 60 bash -c '[ "$(sqlite3 "$1" "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()")" -le 2097152 ]' _ "$W/gestor.db"
	size1=$(stat -c %s "$W/gestor.db")
	wait "$pp"
	sleep 2
	size2=$(stat -c %s "$W/gestor.db")
	echo "# poster: $(cat "$W/poster2.json"); data $(data_kib) KiB; file $size1 then $size2 bytes"
	check "--retain-mb 2: the data is back under 2 MiB ($(data_kib) KiB)" [ "$(data_kib)" -le 2048 ]
	check "and the file did not grow while batches kept coming ($size1 -> $size2)" [ "$size2" -le "$size1" ]
	p2() { jq -r "$1" "$W/poster2.json"; }
	check "every POST meanwhile was 201, none slower than 2 s ($(p2 .max_s) s)" \
		eval '[ "$(p2 ".codes[\"201\"]")" = "$(p2 .n)" ] && awk -v t="$(p2 .max_s)" "BEGIN{exit !(t < 2)}"'
	check "the newest batches are kept" [ "$(count "SELECT count(*) FROM batches WHERE batch_id LIKE 'live-%'")" -gt 0 ]
	al_stop || fail "admin_logs did not stop cleanly"
fi
grep -E 'AddressSanitizer|runtime error' "$W"/*.log && fail "sanitizer report"
finish
