#!/usr/bin/env bash
# draw_backends.sh — how long POST /graficar takes on each back end for the
# same run (issue 31 item 3: the graphs on PostgreSQL read their series
# straight from PostgreSQL). Two admin_logs (release build), one on SQLite
# and one on a private PostgreSQL cluster started here (initdb + pg_ctl, on
# 127.0.0.1 and a socket in its own directory), are given the same run
# (gen.py: SAMPLES samples 5 s apart of 10 containers, with their
# decisions); then POST /graficar is asked RUNS times of each, one at a
# time, and the server's own "seconds" (the whole drawing: queries, CSV,
# gnuplot, page) is printed per run with the median. The CSVs of the two
# are compared too (they must be byte-identical). The batches are posted
# one at a time, so each is one commit: the writer's time per commit is
# what storing a 100-record batch costs each back end.
# Usage: bench/draw_backends.sh [SAMPLES, default 4320 = 6 h] [RUNS, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
SAMPLES=${1:-4320}
RUNS=${2:-3}
PY=/usr/bin/python3
for c in curl jq gnuplot cmp; do command -v $c >/dev/null || { echo "bench: $c missing (scripts/setup.sh)"; exit 1; }; done
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$pgbin/initdb" ] || { echo "bench: postgresql-15 missing (scripts/setup.sh)"; exit 1; }
BUILD=${BUILD:-$PWD/build}
make -s -C admin_logs all BUILD="$BUILD"
BIN=$BUILD/bin/admin_logs
W=$(mktemp -d /var/tmp/gestor-bench-drawbe.XXXXXX)
chmod 755 "$W"
as=()
[ "$(id -u)" != 0 ] || { chown postgres "$W"; as=(runuser -u postgres --); }
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	"${as[@]}" "$pgbin/pg_ctl" -D "$W/pg" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"${as[@]}" "$pgbin/initdb" -D "$W/pg" -U gestor --auth=trust -E UTF8 >/dev/null
pgport=$(free_port)
"${as[@]}" "$pgbin/pg_ctl" -D "$W/pg" -l "$W/pg.log" -w \
	-o "-c listen_addresses=127.0.0.1 -p $pgport -c unix_socket_directories=$W" start >/dev/null
psql -X -q "postgresql://gestor@127.0.0.1:$pgport/postgres" -c "CREATE DATABASE gestor"

# start NAME DB: an admin_logs on DB; its URL in URL_<NAME>
start() {
	mkdir -p "$W/$1"
	"$BIN" --port 0 --port-file "$W/$1/port" --db "$2" --report-dir "$W/$1/report" --quiet \
		>"$W/$1/out" 2>"$W/$1/err" &
	PIDS+=($!)
	for _ in $(seq 200); do [ -s "$W/$1/port" ] && break; sleep 0.05; done
	[ -s "$W/$1/port" ] || { echo "bench: admin_logs ($1) did not start:"; cat "$W/$1/err"; exit 1; }
	printf -v "URL_$1" 'http://127.0.0.1:%s' "$(cat "$W/$1/port")"
}
URL_sq='' URL_pg=''
start sq "$W/sq/gestor.db"
start pg "postgresql://gestor@127.0.0.1:$pgport/gestor"
$PY tests/admin_logs/gen.py --out "$W/run.jsonl" --samples "$SAMPLES" --interval 5 \
	--containers 10 --batch 100 --run bench.1 >/dev/null
for u in "$URL_sq" "$URL_pg"; do
	while read -r line; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
			--data-binary "$line" "$u/logs")
		[ "$code" = 201 ] || { echo "bench: POST $u/logs: $code"; exit 1; }
	done <"$W/run.jsonl"
done
for be in sq pg; do
	u=URL_$be
	printf '%-10s ingest: %s\n' "$([ $be = sq ] && echo SQLite || echo PostgreSQL)" \
		"$(curl -s "${!u}/health" | jq -r '"\(.commits) commits, writes \(.write_us_per_commit|round) us per commit (the batch statements, one batch a commit)"')"
done
echo "draw: one run of $SAMPLES samples x 10 containers ($(curl -s "$URL_sq/health" | jq .records) records), $(nproc) cores, $(date -u +%FT%TZ)"
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}'), SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for be in sq pg; do
	u=URL_$be
	times=()
	for _ in $(seq "$RUNS"); do
		a=$(curl -s -X POST "${!u}/graficar")
		[ "$(jq -r .run <<<"$a")" = bench.1 ] || { echo "bench: POST /graficar ($be): $a"; exit 1; }
		times+=("$(jq .seconds <<<"$a")")
	done
	med=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	printf '%-10s POST /graficar: median %.3f s (runs: %s)\n' \
		"$([ $be = sq ] && echo SQLite || echo PostgreSQL)" "$med" "${times[*]}"
done
same=yes
for f in "$W"/sq/report/*.csv; do cmp -s "$f" "$W/pg/report/$(basename "$f")" || same=no; done
echo "CSVs byte-identical across back ends: $same"
