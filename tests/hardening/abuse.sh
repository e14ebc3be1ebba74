#!/usr/bin/env bash
# abuse.sh — network abuse against admin_logs on loopback (abuse.py does
# the attacks): slowloris, a connection flood beyond --max-conns, oversized
# headers and bodies, pipelined garbage, invalid UTF-8, deeply nested JSON.
# The server (release build, temp database, port 0, --max-conns 64,
# --timeout 3) must keep answering GET /health and a valid POST during and
# after each attack, refuse every hostile request, stay alive, keep its RSS
# under 64 MiB, and every batch it acknowledged (201) must be in the database.
# timeout: 240
# parallel: yes
. "$(dirname "$0")/../lib.sh"
bin=${ADMIN_LOGS_BIN:-$GESTOR_BIN/admin_logs}
[ -x "$bin" ] || skip "$bin is not built (make)"
need_cmd /usr/bin/python3
dir=$(mktemp -d /tmp/gestor-abuse.XXXXXX)
on_exit rm -rf "$dir"
MAXC=64 TMO=3 BOUND_KB=$((64 * 1024))
"$bin" --listen 127.0.0.1 --port 0 --port-file "$dir/port" --db "$dir/a.db" --max-conns $MAXC \
	--timeout $TMO --threads 2 --quiet >"$dir/server.log" 2>&1 &
pid=$!
on_exit kill "$pid"
wait_for 10 test -s "$dir/port" || fail "admin_logs did not start: $(cat "$dir/server.log")"
port=$(cat "$dir/port")
check "admin_logs answers /health on port $port" curl -sf --max-time 3 "http://127.0.0.1:$port/health" -o /dev/null
/usr/bin/python3 "$GESTOR_TOP/tests/hardening/abuse.py" "$port" "$pid" $MAXC $TMO $BOUND_KB | tee "$dir/out"
rc=${PIPESTATUS[0]}
check "every attack survived, probes answered, RSS under $((BOUND_KB / 1024)) MiB" [ "$rc" = 0 ]
check "admin_logs is still running" kill -0 "$pid"
acked=$(tail -n1 "$dir/out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["posts_ok"])')
stored=$(/usr/bin/python3 -c 'import sqlite3,sys; c=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro",uri=True); print(c.execute("select count(*) from records where body like ?",("%abuse probe%",)).fetchone()[0])' "$dir/a.db")
echo "acknowledged probe batches: $acked, abuse probe records stored: $stored"
check "every acknowledged batch is stored ($acked acked, $stored stored, 0 lost)" [ "${acked:-x}" = "${stored:-y}" ]
grep -iE 'AddressSanitizer|runtime error' "$dir/server.log" && fail "sanitizer report in the server log"
finish
