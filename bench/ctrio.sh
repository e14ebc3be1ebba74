#!/usr/bin/env bash
# bench/ctrio.sh — servicio's cost with /metrics on, before and after the
# cAdvisor series of issue 33 (servicio/ctrio.c: per container and cycle,
# about 8 small cgroup and /proc files read): N (default 50) managed
# gestor/low containers on Docker's default bridge (so each has an eth0),
# then each build in turn, ROUNDS (2) times alternated, for RUN (60) s at a
# 1 s interval with /metrics on a free loopback port scraped every 2 s (as
# Prometheus would): servicio's CPU % of one core (/proc/<pid>/stat ticks
# over the run), its RSS peak, the /metrics body's size and series count.
# Prints a Markdown table. Needs root, Docker, gestor/low, admin_logs.
# Usage: BEFORE=/path/old/servicio AFTER=build/bin/servicio bench/ctrio.sh [N]
#        (env RUN=60 ROUNDS=2 ADM=build/bin/admin_logs)
#        bench/ctrio.sh fixture [C [R]]
#   ctrio alone at C (500) containers without Docker (bench/ctrio_bench.c:
#   sleeping processes, each in a network namespace and cgroups of its own,
#   named as Docker's), its files by path against kept open, R (20) cycles.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = fixture ]; then
	BUILD=${BUILD:-$PWD/build}
	make -s -C servicio BUILD="$BUILD" ctrio-bench || { echo "bench/ctrio: cannot build ctrio_bench" >&2; exit 1; }
	echo "### ctrio alone, ${2:-500} containers (no Docker; $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r))"
	echo
	exec "$BUILD/tools/ctrio_bench" "${2:-500}" "${3:-20}"
fi
N=${1:-50}
RUN=${RUN:-60}
ROUNDS=${ROUNDS:-2}
BEFORE=${BEFORE:?BEFORE=path to the servicio built before the change}
AFTER=${AFTER:-build/bin/servicio}
ADM=${ADM:-build/bin/admin_logs}
TAG=gsvc-$$
TMP=$(mktemp -d /tmp/gsvc.XXXXXX)
SPID= APID=
HZ=$(getconf CLK_TCK)
cleanup() {
	[ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
	[ -n "$APID" ] && kill "$APID" 2>/dev/null
	ids=$(docker ps -aq --filter "label=gestor.test=$TAG")
	[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
for b in "$BEFORE" "$AFTER" "$ADM"; do [ -x "$b" ] || { echo "bench/ctrio: $b is not built" >&2; exit 1; }; done
[ "$N" -le 60 ] || { echo "bench/ctrio: at most 60 containers here" >&2; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

for i in $(seq "$N"); do
	docker run -d --name "$TAG-$i" --label gestor.managed=true --label gestor.class=low \
		--label "gestor.test=$TAG" gestor/low:latest >/dev/null || exit 1
done
"$ADM" --port 0 --port-file "$TMP/port" --db "$TMP/gestor.db" --quiet >"$TMP/admin.log" 2>&1 &
APID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done

# run BIN: sets cpu, rss_max, bytes, series
run() {
	local mp t0 t1 s0 s1 r
	mp=$(free_port)
	GESTOR_CONFIG=/dev/null "$1" --log-url "http://127.0.0.1:$(cat "$TMP/port")" --no-cron \
		--spool "$TMP/spool" --state-dir "$TMP/state" --interval 1 --keep-low "$N" \
		--scope "gestor.test=$TAG" --metrics-listen "127.0.0.1:$mp" >"$TMP/svt.log" 2>&1 &
	SPID=$!
	sleep 5
	t0=$(awk '{print $14 + $15}' "/proc/$SPID/stat")
	s0=$(date +%s%N)
	rss_max=0
	for k in $(seq "$RUN"); do
		sleep 1
		[ $((k % 2)) = 0 ] && curl -sf --max-time 5 "http://127.0.0.1:$mp/metrics" >"$TMP/m"
		r=$(awk '/^VmRSS/ {print $2}' "/proc/$SPID/status")
		[ "${r:-0}" -gt "$rss_max" ] && rss_max=$r
	done
	t1=$(awk '{print $14 + $15}' "/proc/$SPID/stat")
	s1=$(date +%s%N)
	kill -INT "$SPID"
	wait "$SPID"
	SPID=
	cpu=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v ns=$((s1 - s0)) 'BEGIN {printf "%.2f", t / hz / (ns / 1e9) * 100}')
	bytes=$(wc -c <"$TMP/m")
	series=$(grep -vc '^#' "$TMP/m")
}

echo "### servicio with /metrics on, $N managed containers, ${RUN} s per run at a 1 s interval, scraped every 2 s ($(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, kernel $(uname -r))"
echo
echo "| round | build | CPU % of one core | RSS peak | /metrics bytes | series | load average |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for r in $(seq "$ROUNDS"); do
	for w in before after; do
		if [ $w = before ]; then run "$BEFORE"; else run "$AFTER"; fi
		echo "| $r | $w | $cpu | $((rss_max / 1024)).$((rss_max % 1024 * 10 / 1024)) MiB | $bytes | $series | $(cut -d' ' -f1-3 /proc/loadavg) |"
	done
done
