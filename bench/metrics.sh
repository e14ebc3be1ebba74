#!/usr/bin/env bash
# metrics.sh — what one measurement costs, side by side in one run:
#   1. snapshot + per-container aggregation for 2,000 processes (2,000 idle
#      children of the benchmark program plus the machine's own), per
#      source: procfs (the live /proc walk) and module (a module-format
#      document of the same processes, parsed strictly; this machine cannot
#      load the module, so the document is generated from the procfs one)
#   2. the same information for 20 containers: `docker stats --no-stream`
#      vs `servicio stats --interval 1` (both sample over about a second):
#      wall time, the command's own CPU time, and the CPU time dockerd and
#      containerd spend answering it.
# Usage: bench/metrics.sh [PROCS] [CONTAINERS]      (make bench B=metrics)
set -uo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
BUILD=${BUILD:-$TOP/build}
N=${1:-2000}
C=${2:-20}
out=$BUILD/bench
mkdir -p "$out"

echo "# machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
src=()
for f in snapshot modsrc procfs procskip cgroupid ctrstats cgmem cgfds; do src+=("servicio/$f.c"); done
cc -std=c17 -D_GNU_SOURCE -O2 -Ilib -o "$out/mbench" servicio/tests/mbench.c "${src[@]}" lib/util.c lib/jspan.c lib/jsonesc.c \
	$(pkg-config --cflags --libs jansson) -lm || { echo "metrics: cannot build the benchmark"; exit 1; }
echo "## snapshot + aggregation, $N extra processes"
"$out/mbench" "$N" 15 || exit 1

BIN=$BUILD/bin/servicio
if ! curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1; then
	echo "## docker part skipped: no Docker daemon"
	exit 0
fi
[ -x "$BIN" ] || { echo "metrics: build servicio first (make)"; exit 1; }
tag=gestor-mtest-bench:$$
tmp=$(mktemp -d /tmp/gestor-mtest-bench.XXXXXX)
names=()
cleanup() {
	[ "${#names[@]}" -gt 0 ] && docker rm -f "${names[@]}" >/dev/null 2>&1
	docker rmi -f "$tag" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
cc -static -O2 -o "$tmp/load" tests/metrics/mtest_load.c || exit 1
printf 'FROM scratch\nCOPY load /load\nENTRYPOINT ["/load"]\n' >"$tmp/Dockerfile"
docker build -q -t "$tag" "$tmp" >/dev/null 2>&1 || { echo "metrics: docker build failed"; exit 1; }
for i in $(seq 1 "$C"); do
	n=gestor-mtest-bench-$i-$$
	names+=("$n")
	docker run -d --name "$n" --label gestor.mtest=bench "$tag" hold 8 >/dev/null || exit 1
done
sleep 2

# CPU ticks (user+system) of dockerd and containerd
daemon_ticks() {
	local s=0 p
	for p in $(pgrep -x dockerd) $(pgrep -x containerd); do
		s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$s"
}
hz=$(getconf CLK_TCK)
# measure LABEL CMD...: 3 runs; median wall, own CPU, daemons' CPU
measure() {
	local label=$1 i w u s d0 d1
	shift
	: >"$tmp/m"
	for i in 1 2 3; do
		d0=$(daemon_ticks)
		/usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@" >"$tmp/o" 2>/dev/null
		d1=$(daemon_ticks)
		read -r w u s <"$tmp/t"
		echo "$w $(awk -v u="$u" -v s="$s" 'BEGIN{print (u+s)*1000}') $(((d1 - d0) * 1000 / hz))" >>"$tmp/m"
	done
	sort -n "$tmp/m" | sed -n 2p | awk -v l="$label" '{printf "%-44s %8.2f s %9.0f ms %11.0f ms\n", l, $1, $2, $3}'
}
echo "## $C containers (idle, 8 MiB each)"
printf '%-44s %10s %12s %14s\n' "" "wall" "own CPU" "daemons' CPU"
measure "docker stats --no-stream" docker stats --no-stream
measure "servicio stats --interval 1 (procfs)" "$BIN" stats --interval 1 --source procfs
measure "servicio stats --interval 1 --json" "$BIN" stats --interval 1 --json
rows=$("$BIN" stats --interval 0.2 2>/dev/null | grep -c gestor-mtest-bench)
echo "# servicio stats listed $rows of the $C benchmark containers"
