#!/usr/bin/env bash
# admin_logs_day.sh — the disk one managed host costs admin_logs per day at
# the default settings (issue 27, item 3), measured, not estimated:
#   - servicio's traffic for a whole day: a cycle every 10 s (servicio's
#     default --interval), one batch per cycle holding one sample listing the
#     10 containers and a decision per container (tests/admin_logs/gen.py:
#     8,640 batches, 95,040 records), posted to the release admin_logs;
#   - the live dashboard open all day (it polls GET /logs every 2 s: 43,200
#     requests, each an access_log row): a tenth of it is sent (4,320
#     requests) and its growth multiplied by 10 (the arithmetic is printed).
# On SQLite (the default store) the database file is measured after a clean
# stop (WAL checkpointed into it); on PostgreSQL (when postgresql-15 is
# installed) the same traffic's tables with pg_total_relation_size.
# With the default --retain-days 30 the store holds 30 such days at most.
# Usage: bench/admin_logs_day.sh   (about 2 minutes on 2 cores)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
bin=$BUILD/bin/admin_logs
[ -x "$bin" ] || { echo "build first: make"; exit 1; }
dir=$(mktemp -d /tmp/gestor-day.XXXXXX)
chmod 755 "$dir" # the PostgreSQL part runs its server as postgres
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
start_ns=$((($(date +%s) - 86400) * 1000000000))

serve() { # DB
	rm -f "$dir/port"
	"$bin" --port 0 --port-file "$dir/port" --db "$1" --quiet >>"$dir/server.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
	url=http://127.0.0.1:$(cat "$dir/port")
}
stop() { kill -TERM "$pid"; wait "$pid"; pid=; }
day() { # URL
	/usr/bin/python3 "$TOP/tests/admin_logs/gen.py" --url "$1" --samples 8640 --interval 10 \
		--containers 10 --batch 11 --start-ns "$start_ns" --run bench-day --host bench
}
polls() { # URL N
	/usr/bin/python3 - "$1" "$2" <<'PY'
import sys, http.client, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); c = http.client.HTTPConnection(u.hostname, u.port)
for _ in range(int(sys.argv[2])):
    c.request("GET", "/logs?limit=50&order=desc"); c.getresponse().read()
PY
}

echo "# admin_logs_day.sh, $(date -u +%FT%TZ), $(nproc) cores"
# --- SQLite
serve "$dir/day.db"
echo "servicio's day: $(day "$url")"
stop
rec=$(stat -c %s "$dir/day.db")
serve "$dir/day.db"
polls "$url" 4320
stop
acc=$(( $(stat -c %s "$dir/day.db") - rec ))
rows=$(sqlite3 "$dir/day.db" "SELECT count(*) FROM access_log")
echo "sqlite: records file $rec bytes ($((rec / 95040)) bytes a record); 4,320 dashboard polls added $acc bytes ($((acc / 4320)) a request)"
total=$((rec + acc * 10))
echo "sqlite: a host day = $rec + 10 x $acc = $total bytes = $((total / 1048576)) MiB; 30 days (--retain-days 30) = $((total * 30 / 1048576)) MiB ($rows access rows in the file)"
# --- PostgreSQL
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [ -n "$PG_BIN" ] && id postgres >/dev/null 2>&1 && command -v psql >/dev/null; then
	pgd=$dir/pg
	mkdir -p "$pgd" && chown postgres "$pgd"
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	runuser -u postgres -- "$PG_BIN/initdb" -D "$pgd/data" -U gestor --auth=trust >/dev/null 2>&1
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgd/data" -l "$pgd/log" -w \
		-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$pgd" start >/dev/null
	trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgd/data" -m immediate stop >/dev/null 2>&1; rm -rf "$dir"' EXIT
	psql -X -q "postgresql://gestor@127.0.0.1:$port/postgres" -c "CREATE DATABASE gestor" >/dev/null
	pgurl=postgresql://gestor@127.0.0.1:$port/gestor
	size() { psql -X -At "$pgurl" -c "VACUUM ANALYZE" -c "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'" | tail -n1; }
	serve "$pgurl"
	day "$url" >/dev/null
	stop
	prec=$(size)
	serve "$pgurl"
	polls "$url" 4320
	stop
	pacc=$(( $(size) - prec ))
	ptotal=$((prec + pacc * 10))
	echo "postgresql: records $prec bytes ($((prec / 95040)) a record); 4,320 polls $pacc bytes; a host day = $prec + 10 x $pacc = $ptotal bytes = $((ptotal / 1048576)) MiB; 30 days = $((ptotal * 30 / 1048576)) MiB"
fi
