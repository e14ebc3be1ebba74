#!/usr/bin/env bash
# bench/observe.sh — what watching N (default 50) containers costs, side by
# side in one run: servicio with its Prometheus /metrics scraped every 5 s,
# the same servicio without /metrics (--metrics-listen none), netdata
# (Debian's, default settings: its own instance, with its own port and
# directories) and prometheus-node-exporter (scraped every 5 s too). Both
# servicio instances run at once on the same containers, 1 s interval
# (release build, nothing removed: --keep-low N), so the with/without
# comparison sees the same machine at the same moments.
#
# For each tool, over RUN s (default 180) after a WARM s (default 30)
# start: CPU % of one core and RSS of its process tree (the process and
# its descendants; threads counted once, since a process's /proc/<pid>/stat
# and VmRSS cover all its threads; children reaped meanwhile count through
# cutime/cstime). Prometheus itself (the scraper) is not counted: it is the
# operator's, whichever agent it scrapes.
#
# Needs root, Docker, gestor/low:latest, build/bin/servicio,
# build/bin/admin_logs, netdata, prometheus, prometheus-node-exporter
# (scripts/setup.sh --for bench). Heavy: run it under
#   flock /work/wt/heavy.lock bash bench/observe.sh
# Usage: bench/observe.sh [N]   (env RUN=180 WARM=30)
set -uo pipefail
export GESTOR_TABLE=true # servicio prints its per-cycle table off a terminal too: read below
cd "$(dirname "$0")/.."
N=${1:-50}
RUN=${RUN:-180}
WARM=${WARM:-30}
TAG=gestor-observe-bench-$$
TMP=$(mktemp -d /tmp/gestor-observe-bench.XXXXXX)
SVT=build/bin/servicio
ADM=build/bin/admin_logs
PIDS=()
die() {
	echo "bench/observe: $*" >&2
	exit 1
}
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 1
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	ids=$(docker ps -aq --filter "label=gestor.test=$TAG")
	[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || die "needs root"
[ -x "$SVT" ] && [ -x "$ADM" ] || die "build first (make)"
for c in netdata prometheus prometheus-node-exporter; do
	command -v "$c" >/dev/null || die "$c is not installed (scripts/setup.sh --for bench)"
done
docker image inspect gestor/low:latest >/dev/null 2>&1 || die "gestor/low:latest is missing (make images)"
HZ=$(getconf CLK_TCK)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mk() { docker run -d --name "$TAG-$1" --network none --label gestor.managed=true \
	--label gestor.class=low --label "gestor.test=$TAG" gestor/low:latest >/dev/null; }
export -f mk
export TAG
echo "creating $N containers..." >&2
seq 1 "$N" | xargs -P 4 -I{} bash -c 'mk c{}' || die "docker run failed"

"$ADM" --port 0 --port-file "$TMP/port" --db "$TMP/gestor.db" --quiet >"$TMP/admin.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
APORT=$(cat "$TMP/port")

MPORT=$(free_port)
COMMON=(--log-url "http://127.0.0.1:$APORT" --no-cron --interval 1 --color never
	--scope "gestor.test=$TAG" --keep-low "$N" --keep-high "$N")
"$SVT" "${COMMON[@]}" --spool "$TMP/spool-m" --metrics-listen "127.0.0.1:$MPORT" >"$TMP/svt-m.log" 2>&1 &
SVT_M=$!
PIDS+=($SVT_M)
"$SVT" "${COMMON[@]}" --spool "$TMP/spool-n" --metrics-listen none >"$TMP/svt-n.log" 2>&1 &
SVT_N=$!
PIDS+=($SVT_N)

NPORT=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$NPORT" >"$TMP/node.log" 2>&1 &
NODE=$!
PIDS+=($NODE)

# netdata: Debian's settings (/etc/netdata/netdata.conf) with its own port
# and directories; no anonymous statistics sent
NDPORT=$(free_port)
chmod 0755 "$TMP" # netdata drops to its own user
mkdir -p "$TMP/netdata"/{cache,lib,log,run}
chown -R netdata:netdata "$TMP/netdata"
cat >"$TMP/netdata/netdata.conf" <<EOF
[global]
	run as user = netdata
	web files owner = root
	web files group = root
	bind socket to IP = 127.0.0.1
[directories]
	config = /etc/netdata
	cache = $TMP/netdata/cache
	lib = $TMP/netdata/lib
	log = $TMP/netdata/log
	run = $TMP/netdata/run
[web]
	bind to = 127.0.0.1:$NDPORT
EOF
DO_NOT_TRACK=1 netdata -D -c "$TMP/netdata/netdata.conf" -P "$TMP/netdata/run/netdata.pid" \
	>"$TMP/netdata/out.log" 2>&1 &
NETDATA=$!
PIDS+=($NETDATA)

PPORT=$(free_port)
mkdir -p "$TMP/prom"
cat >"$TMP/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 5s
scrape_configs:
  - job_name: gestor
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$NPORT']
EOF
prometheus --config.file="$TMP/prom/prometheus.yml" --storage.tsdb.path="$TMP/prom/data" \
	--web.listen-address="127.0.0.1:$PPORT" --log.level=warn >"$TMP/prom/log" 2>&1 &
PIDS+=($!)

echo "warming up ${WARM} s..." >&2
sleep "$WARM"
for p in $SVT_M $SVT_N $NODE $NETDATA; do
	kill -0 "$p" 2>/dev/null && continue
	wait "$p"
	die "pid $p exited ($?; servicio $SVT_M $SVT_N, node $NODE, netdata $NETDATA): $(tail -n 5 "$TMP"/*.log "$TMP"/*/out.log "$TMP"/netdata/log/error.log 2>/dev/null)"
done
up=$(curl -sf -G --data-urlencode 'query=sum(up)' "http://127.0.0.1:$PPORT/api/v1/query" | jq -r '.data.result[0].value[1]')
[ "$up" = 2 ] || die "Prometheus does not scrape both targets (up = $up)"
# how many of this run's containers netdata charts (its cgroups plugin finds
# new cgroups every few seconds): counted again at the end
nd_ctrs() { curl -sf "http://127.0.0.1:$NDPORT/api/v1/charts" | jq '[.charts[] | select(.id | startswith("cgroup_")) | .family] | unique | length'; }
nd=$(nd_ctrs)
echo "cgroups netdata charts: $nd" >&2

# tree PID: the pid and its descendants
tree() {
	local p=$1 c
	echo "$p"
	for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done
}
# ticks PID: CPU ticks of the tree (own + reaped children's)
ticks() {
	local s=0 p
	for p in $(tree "$1"); do
		s=$((s + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$s"
}
# rss PID: KiB of the tree's processes (each process once, whatever its threads)
rss() {
	local s=0 p r
	for p in $(tree "$1"); do
		r=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null)
		s=$((s + ${r:-0}))
	done
	echo "$s"
}
declare -A T0 RMAX RSUM NPROC CPU
NAMES=(svt_m svt_n netdata node)
declare -A PID=([svt_m]=$SVT_M [svt_n]=$SVT_N [netdata]=$NETDATA [node]=$NODE)
for k in "${NAMES[@]}"; do
	T0[$k]=$(ticks "${PID[$k]}")
	RMAX[$k]=0 RSUM[$k]=0
done
s0=$(date +%s%N)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$RUN"); do
	sleep 1
	for k in "${NAMES[@]}"; do
		r=$(rss "${PID[$k]}")
		RSUM[$k]=$((RSUM[$k] + r))
		[ "$r" -gt "${RMAX[$k]}" ] && RMAX[$k]=$r
	done
done
s1=$(date +%s%N)
for k in "${NAMES[@]}"; do
	T1=$(ticks "${PID[$k]}")
	CPU[$k]=$(awk -v t=$((T1 - T0[$k])) -v hz="$HZ" -v ns=$((s1 - s0)) 'BEGIN {printf "%.3f", t / hz / (ns / 1e9) * 100}')
	NPROC[$k]=$(tree "${PID[$k]}" | wc -l)
done
scrapes=$(curl -sf -G --data-urlencode 'query=count_over_time(up{job="gestor"}['"$RUN"'s])' \
	"http://127.0.0.1:$PPORT/api/v1/query" | jq -r '.data.result[0].value[1]')
series=$(curl -sf "http://127.0.0.1:$MPORT/metrics" | grep -c '^container_cpu_usage_seconds_total{.*'"$TAG")
cyc_m=$(grep -c '^cycle ' "$TMP/svt-m.log")
cyc_n=$(grep -c '^cycle ' "$TMP/svt-n.log")
load1=$(cut -d' ' -f1-3 /proc/loadavg)
nd1=$(nd_ctrs)
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
label() {
	case $1 in
	svt_m) echo "servicio, /metrics scraped every 5 s" ;;
	svt_n) echo "servicio, --metrics-listen none" ;;
	netdata) echo "netdata $(netdata -v 2>&1 | awk '{print $2}') (default settings)" ;;
	node) echo "prometheus-node-exporter $(prometheus-node-exporter --version 2>&1 | awk 'NR == 1 {print $3}'), scraped every 5 s" ;;
	esac
}
echo
echo "$N containers (gestor/low), $RUN s measured after ${WARM} s; load average $load0 at the start, $load1 at the end."
echo "servicio cycles in the window+warm-up: $cyc_m with /metrics, $cyc_n without; Prometheus scrapes of servicio in the window: $scrapes; container series in /metrics for these containers: $series; cgroups netdata charts (containers and system slices): $nd after the warm-up, $nd1 at the end."
echo
echo "| tool | CPU % of one core | RSS mean | RSS max | processes |"
echo "| --- | ---: | ---: | ---: | ---: |"
for k in "${NAMES[@]}"; do
	echo "| $(label "$k") | ${CPU[$k]} | $(mib $((RSUM[$k] / RUN))) MiB | $(mib "${RMAX[$k]}") MiB | ${NPROC[$k]} |"
done
echo
awk -v a="${CPU[svt_m]}" -v b="${CPU[svt_n]}" -v ra="${RMAX[svt_m]}" -v rb="${RMAX[svt_n]}" \
	-v nd="${CPU[netdata]}" -v ne="${CPU[node]}" -v rnd="${RMAX[netdata]}" -v rne="${RMAX[node]}" 'BEGIN {
	printf "servicio with /metrics / without: CPU %.2fx, RSS %.2fx (target: within 1.10x)\n", a / b, ra / rb
	printf "netdata / servicio with /metrics: CPU %.1fx, RSS %.1fx; node-exporter / servicio: CPU %.1fx, RSS %.1fx\n", nd / a, rnd / ra, ne / a, rne / ra
}'
