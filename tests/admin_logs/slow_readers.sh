#!/usr/bin/env bash
# slow_readers.sh — slow readers cannot make admin_logs hold memory or
# starve its senders (issue 27, item 4).
#
# The release admin_logs (RSS is measured, so not the ASan build) on a store
# of one day of a 10-container host as servicio sends it at its defaults: a
# cycle every 10 s, one sample and ten decisions per cycle, one batch per
# cycle (gen.py: 8,640 batches, 95,040 records, about 70 MB). Then 50
# connections each ask GET /logs?limit=10000 (about 14 MB of JSON each) and
# read the answer one byte a second with a 1 KiB receive buffer (slow_readers.py),
# for 20 s, while a batch is posted every 2 s.
# Asserted: the server's RSS stays under 64 MiB all along (answers stream
# from the store: built whole, 50 answers would be 700 MB); every POST is
# 201 (30 s per POST only catches a hang), and POSTs are answered while all
# 50 readers still hold their connections (not queued behind them: an
# event, not a time; how long a POST takes is printed); the send deadline (--send-timeout 8, below the 10 s idle
# timeout so it is what cuts them) cuts all 50 (cut_slow_readers in
# /health) and no connection of theirs is left on the server; afterwards a
# whole GET /logs?limit=10000 still answers 200 with 10,000 records.
# timeout: 300
# parallel: yes
. "$(dirname "$0")/../lib.sh"
need_cmd curl jq ss /usr/bin/python3
bin=${ADMIN_LOGS_BIN:-$GESTOR_BIN/admin_logs}
[ -x "$bin" ] || skip "$bin is not built (make)"
here=$(dirname "$0")
dir=$(mktemp -d /tmp/gestor-slowread.XXXXXX)
on_exit rm -rf "$dir"
"$bin" --port 0 --port-file "$dir/port" --db "$dir/day.db" --send-timeout 8 --quiet \
	>"$dir/server.log" 2>&1 &
pid=$!
on_exit kill "$pid"
wait_for 20 test -s "$dir/port" || fail "admin_logs did not start: $(cat "$dir/server.log")"
port=$(cat "$dir/port")
url=http://127.0.0.1:$port
day_start=$((($(date +%s) - 86400) * 1000000000))
/usr/bin/python3 "$here/gen.py" --url "$url" --samples 8640 --interval 10 --containers 10 \
	--batch 11 --start-ns "$day_start" --prefix day >"$dir/gen.json" || fail "gen.py: $(cat "$dir/gen.json")"
echo "# the day: $(cat "$dir/gen.json"); database $(du -k "$dir/day.db" | cut -f1) KiB"
check "the store holds the day (95,040 records)" [ "$(curl -s "$url/health" | jq .records)" -ge 95040 ]
echo "# RSS before: $(grep VmRSS /proc/$pid/status)"
/usr/bin/python3 "$here/slow_readers.py" --port "$port" --pid "$pid" --conns 50 --seconds 20 \
	--path '/logs?limit=10000' >"$dir/slow.json" || fail "slow_readers.py failed"
echo "# $(cat "$dir/slow.json")"
r() { jq -r "$1" "$dir/slow.json"; }
check "50 slow readers connected and asked" [ "$(r .opened)" = 50 ]
check "RSS stayed under 64 MiB (max $(r .max_rss_kib) KiB)" \
	eval '[ "$(r .max_rss_kib)" -gt 0 ] && [ "$(r .max_rss_kib)" -lt 65536 ]'
check "every POST /logs meanwhile was 201 ($(r .posts) posts, slowest $(r .post_max_s) s)" \
	eval '[ "$(r .posts)" -ge 5 ] && [ "$(r ".post_codes[\"201\"]")" = "$(r .posts)" ]'
check "POSTs were answered while all 50 readers held their connections ($(r .posts_while_all_held) of them)" \
	eval '[ "$(r .posts_while_all_held)" -ge 1 ]'
cuts=$(curl -s "$url/health" | jq .cut_slow_readers)
check "the send deadline cut the 50 slow readers (cut_slow_readers $cuts)" [ "$cuts" -ge 50 ]
left=$(ss -Htn state established "( sport = :$port )" | wc -l)
check "no connection of theirs is left on the server ($left)" [ "$left" = 0 ]
n=$(curl -s --max-time 60 "$url/logs?limit=10000" | jq '.records | length')
check "a whole GET /logs?limit=10000 still answers (10,000 records: $n)" [ "$n" = 10000 ]
check "the server is still running" kill -0 "$pid"
finish
