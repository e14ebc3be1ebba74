#!/usr/bin/env bash
# admin_logs.sh — the log server against the original design, in one run,
# on loopback only:
#   1. ingestion: wrk, 16 connections, batches of 10 and of 100 records,
#      entries/s and p99 latency, for admin_logs (every 201 fsync'd: SQLite
#      WAL, synchronous=FULL, group commit) and the Python reference
#      (FastAPI + uvicorn appending each batch to a JSON-lines file; as the
#      original, no fsync; and once more with an fsync per batch, the same
#      guarantee as ours);
#   2. idle RSS of admin_logs (fresh, and after the load);
#   3. graphs for 100,000 samples: POST /graficar (9 charts, PNG + SVG + CSV)
#      against matplotlib drawing the original's 3 charts from the
#      JSON-lines log.
# Usage: bench/admin_logs.sh [SECONDS per wrk run, default 10]
#        bench/admin_logs.sh --backends [SECONDS]
# --backends runs only the back-end comparison: ingestion of 10-record
# batches with 1, 4 and 16 concurrent senders on SQLite, on PostgreSQL (a
# local server started here: initdb + pg_ctl, fsync and synchronous_commit
# on, the defaults) and on the Python reference with an fsync per batch.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=all
if [ "${1:-}" = --backends ]; then
	MODE=backends
	shift
fi
DUR=${1:-10}
PY=/usr/bin/python3
for c in wrk curl jq; do command -v $c >/dev/null || { echo "bench: $c missing (scripts/setup.sh)"; exit 1; }; done
$PY -c 'import fastapi, uvicorn' 2>/dev/null || { echo "bench: python3-fastapi/python3-uvicorn missing"; exit 1; }
make -s -C admin_logs all
BIN=${BUILD:-$PWD/build}/bin/admin_logs

W=$(mktemp -d /var/tmp/gestor-bench-al.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

start_al() { # start_al NAME -> sets AL_PID AL_PORT
	rm -f "$W/$1.port"
	"$BIN" --port 0 --port-file "$W/$1.port" --db "$W/$1/gestor.db" >"$W/$1.access" 2>"$W/$1.err" &
	AL_PID=$!
	PIDS+=("$AL_PID")
	for _ in $(seq 100); do [ -s "$W/$1.port" ] && break; sleep 0.05; done
	AL_PORT=$(cat "$W/$1.port")
}
start_ref() { # start_ref PORT FSYNC -> sets REF_PID
	REF_LOG=$W/ref-$1.jsonl REF_FSYNC=$2 $PY -m uvicorn --app-dir bench/ref app:app \
		--host 127.0.0.1 --port "$1" --no-access-log --log-level warning >"$W/ref-$1.err" 2>&1 &
	REF_PID=$!
	PIDS+=("$REF_PID")
	for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && break; sleep 0.1; done
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wrk_run URL N [CONNECTIONS] -> "entries_per_s p99_ms non2xx requests"
wrk_run() {
	local out rps p99 non2xx reqs c=${3:-16}
	# the step before (a server's start, PostgreSQL's initdb, the last run's
	# checkpoint) may leave writeback in flight: flush it, so that no program's
	# fsyncs queue behind another's data
	sync
	sleep 1
	out=$(RUN="r$RANDOM$RANDOM" N=$2 wrk -t"$((c < 2 ? c : 2))" -c"$c" -d"${DUR}s" --latency -s bench/admin_logs.lua "$1")
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
	p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
	echo "$(awk -v r="$rps" -v n="$2" 'BEGIN {printf "%.0f", r * n}') ${p99:-?} ${non2xx:-0} $reqs"
}

# sync_us: the disk's latency for one small synchronous write (200 appends
# of 4 KiB with O_DSYNC, as the reference's fsync'd lines; mean, µs): with
# one sender every batch waits for one such write, so this bounds the rates
sync_us() {
	local t
	t=$(dd if=/dev/zero of="$W/sync.probe" bs=4k count=200 oflag=dsync 2>&1 | awk '/copied/ {print $(NF-3)}')
	rm -f "$W/sync.probe"
	awk -v t="$t" 'BEGIN {printf "%.0f", t / 200 * 1e6}'
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# --- back ends: SQLite, PostgreSQL, the reference, by concurrent senders
backends() {
	local pgbin pgdir pgport url c e p x reqs
	pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
	[ -x "$pgbin/initdb" ] || { echo "bench: postgresql-15 missing (scripts/setup.sh)"; exit 1; }
	pgdir=$(mktemp -d /var/tmp/gestor-bench-pg.XXXXXX)
	chmod 755 "$pgdir"
	local as=()
	[ "$(id -u)" != 0 ] || { chown postgres "$pgdir"; as=(runuser -u postgres --); }
	"${as[@]}" "$pgbin/initdb" -D "$pgdir/data" -U gestor --auth=trust -E UTF8 >/dev/null
	pgport=$(free_port)
	"${as[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
		-o "-c listen_addresses=127.0.0.1 -p $pgport -c unix_socket_directories=$pgdir" start >/dev/null
	# shellcheck disable=SC2064
	trap "'$pgbin/pg_ctl' -D '$pgdir/data' -m immediate stop >/dev/null 2>&1 || runuser -u postgres -- '$pgbin/pg_ctl' -D '$pgdir/data' -m immediate stop >/dev/null 2>&1; rm -rf '$pgdir'; cleanup" EXIT
	psql -X -q "postgresql://gestor@127.0.0.1:$pgport/postgres" -c "CREATE DATABASE gestor"
	echo "back ends: 10 records/request, wrk -d${DUR}s on 127.0.0.1, $(nproc) cores, $(date -u +%FT%TZ)"
	echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') (fsync=on, synchronous_commit=on), SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); a 4 KiB O_DSYNC write: $(sync_us) µs"
	printf '\n%-40s %8s %12s %10s %8s\n' "store" "senders" "entries/s" "p99 ms" "non-2xx"
	for c in 1 4 16; do
		mkdir -p "$W/sq$c"
		start_al "sq$c"
		read -r e p x reqs < <(wrk_run "http://127.0.0.1:$AL_PORT" 10 "$c")
		printf '%-40s %8s %12s %10s %8s\n' "admin_logs, SQLite" "$c" "$e" "$p" "$x"
		stop_pid "$AL_PID"
		url=postgresql://gestor@127.0.0.1:$pgport/gestor
		psql -X -q "$url" -c "DROP TABLE IF EXISTS schema_version, access_log, runs, samples, sample_containers, records, batches" 2>/dev/null
		mkdir -p "$W/pg$c"
		rm -f "$W/pg$c.port"
		"$BIN" --port 0 --port-file "$W/pg$c.port" --db "$url" >"$W/pg$c.access" 2>"$W/pg$c.err" &
		AL_PID=$!
		PIDS+=("$AL_PID")
		for _ in $(seq 100); do [ -s "$W/pg$c.port" ] && break; sleep 0.05; done
		AL_PORT=$(cat "$W/pg$c.port")
		read -r e p x reqs < <(wrk_run "http://127.0.0.1:$AL_PORT" 10 "$c")
		printf '%-40s %8s %12s %10s %8s\n' "admin_logs, PostgreSQL" "$c" "$e" "$p" "$x"
		echo "    $(curl -s "http://127.0.0.1:$AL_PORT/health" | jq -r '"stored \(.batches) batches; \(.batches_per_commit*10|round/10) batches/commit, commit \(.commit_us_per_commit|round) us, writes \(.write_us_per_commit|round) us per commit"'); wrk counted $reqs"
		stop_pid "$AL_PID"
		port=$(free_port)
		start_ref "$port" 1
		read -r e p x reqs < <(wrk_run "http://127.0.0.1:$port" 10 "$c")
		printf '%-40s %8s %12s %10s %8s\n' "Python reference (fsync each)" "$c" "$e" "$p" "$x"
		stop_pid "$REF_PID"
	done
	echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); a 4 KiB O_DSYNC write: $(sync_us) µs"
}
if [ "$MODE" = backends ]; then
	backends
	exit 0
fi

echo "admin_logs benchmark — $(nproc) cores, $(date -u +%FT%TZ), wrk -t2 -c16 -d${DUR}s on 127.0.0.1"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- idle RSS of a fresh server
mkdir -p "$W/idle"
start_al idle
sleep 1
IDLE_RSS=$(rss_kb "$AL_PID")
stop_pid "$AL_PID"

# --- ingestion, side by side
printf '\n%-46s %12s %10s %8s\n' "ingestion (16 connections)" "entries/s" "p99 ms" "non-2xx"
declare -A E
for n in 10 100; do
	mkdir -p "$W/al$n"
	start_al "al$n"
	read -r e p x reqs < <(wrk_run "http://127.0.0.1:$AL_PORT" $n)
	h=$(curl -s "http://127.0.0.1:$AL_PORT/health")
	stored=$(jq .batches <<<"$h")
	E[al$n]=$e
	printf '%-46s %12s %10s %8s\n' "admin_logs, $n/request (fsync'd, group commit)" "$e" "$p" "$x"
	echo "    $(jq -r '"stored \(.batches) batches = \(.records) records; \(.commits) commits, \(.batches_per_commit*10|round/10) batches/commit, commit \(.commit_us_per_commit|round) us"' <<<"$h"); wrk counted $reqs"
	# SQLite has one writer: its insert time per batch bounds the rate whatever the rest costs
	echo "    $(jq -r --argjson n "$n" '(.write_us_per_commit / .batches_per_commit) as $u | "writer: \($u*10|round/10) us of inserts per batch -> one writer inserts at most \(1e6/$u|round) batches/s = \(1e6/$u*$n|round) entries/s, before any HTTP, JSON or fsync"' <<<"$h")"
	[ "$n" = 10 ] && LOADED_RSS=$(rss_kb "$AL_PID")
	stop_pid "$AL_PID"
	[ "$stored" -ge "$((reqs - 16))" ] || echo "    WARNING: fewer batches stored ($stored) than requests answered ($reqs)"
	port=$(free_port)
	start_ref "$port" 0
	read -r e p x reqs < <(wrk_run "http://127.0.0.1:$port" $n)
	E[ref$n]=$e
	printf '%-46s %12s %10s %8s\n' "Python reference, $n/request (no fsync)" "$e" "$p" "$x"
	stop_pid "$REF_PID"
	port=$(free_port)
	start_ref "$port" 1
	read -r e p x reqs < <(wrk_run "http://127.0.0.1:$port" $n)
	E[reffs$n]=$e
	printf '%-46s %12s %10s %8s\n' "Python reference, $n/request (fsync each)" "$e" "$p" "$x"
	stop_pid "$REF_PID"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1fx", (b > 0 ? a / b : 0)}'; }
echo "ratio at 10/request: $(ratio "${E[al10]}" "${E[ref10]}") the reference without fsync, $(ratio "${E[al10]}" "${E[reffs10]}") with fsync"
echo "ratio at 100/request: $(ratio "${E[al100]}" "${E[ref100]}") without fsync, $(ratio "${E[al100]}" "${E[reffs100]}") with fsync"
echo
echo "idle RSS: ${IDLE_RSS} KiB fresh; ${LOADED_RSS} KiB after the 10/request run"

# --- graphs for 100,000 samples
mkdir -p "$W/g"
start_al g
t0=$(date +%s.%N)
$PY tests/admin_logs/gen.py --url "http://127.0.0.1:$AL_PORT" --samples 100000 --interval 1 \
	--containers 6 --batch 1000 --prefix bench >"$W/gen.json"
$PY tests/admin_logs/gen.py --out "$W/ref-100k.jsonl" --samples 100000 --interval 1 \
	--containers 6 --batch 1000 --prefix bench >/dev/null
echo
echo "graphs: $(jq -r '"\(.samples) samples, \(.records) records"' "$W/gen.json") stored in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}') s"
times=()
for i in 1 2 3; do
	s=$(curl -s -X POST "http://127.0.0.1:$AL_PORT/graficar" | jq .seconds)
	times+=("$s")
done
med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
echo "admin_logs POST /graficar, 9 charts x (PNG + SVG + CSV): median $(printf '%.3f' "$med") s (runs: ${times[*]})"
stop_pid "$AL_PID"
if $PY -c 'import matplotlib' 2>/dev/null; then
	r=$($PY bench/ref/plots.py "$W/ref-100k.jsonl" "$W/mpl")
	echo "matplotlib, the original's 3 charts (PNG): $(jq -r '"draw \(.draw_s) s + parse the JSON lines \(.parse_s) s"' <<<"$r")"
else
	echo "matplotlib: python3-matplotlib not installed (scripts/setup.sh), skipped"
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
