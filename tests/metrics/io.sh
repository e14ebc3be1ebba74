#!/usr/bin/env bash
# io.sh — servicio's cAdvisor-named per-container series (issue 33) against
# Docker's own figures and the cgroup files, on containers that do known
# work (tests/metrics/ioload.c, static, in a FROM-scratch image built here)
# and then stay still, so every counter is frozen when the two are read:
#   disk    32 MiB written with O_DIRECT + fsync, then read back with
#           O_DIRECT: container_fs_{writes,reads}_bytes_total and
#           container_fs_{writes,reads}_total against the stats API's
#           blkio_stats (io_service_bytes_recursive / io_serviced_recursive),
#           and the bytes against the known 32 MiB
#   network 24 MiB sent over a Docker bridge network made here, from one
#           container to another: container_network_{receive,transmit}_
#           {bytes,packets}_total against the stats API's networks, and the
#           bytes against the known 24 MiB (plus TCP/IP headers)
#   cpu     4 s of one core under --cpus 0.05: container_cpu_usage_seconds_total
#           against cpu_stats.cpu_usage.total_usage; container_cpu_cfs_
#           {periods,throttled_periods,throttled_seconds}_total against
#           cpu_stats.throttling_data
#   pids    7 extra threads and one child: container_threads against
#           pids_stats.current, container_processes against docker top
#   oom     a child touching 64 MiB under --memory 32m is OOM-killed:
#           container_oom_events_total against the cgroup's
#           memory.oom_control oom_kill and Docker's "oom" event
# each within 5 %, and `servicio stats --json` gives the same figures in
# each container's "io"; the labels are cAdvisor's (id: the cgroup path as
# /proc/<pid>/cgroup names it; name; image); promtool check metrics passes
# on the whole /metrics.
#
# Kernels from 6.9 on count cgroup v1 block I/O (blkio.throttle.*) only on
# a device that has a throttle rule: the disk container gets a generous one
# (--device-write-bps 10gb) on the disk under Docker's root, as an operator
# who wants these figures on v1 must; Docker's blkio_stats is empty without.
# parallel: yes docker
# timeout: 300
source "$(dirname "$0")/../servicio/common.sh"
svt_need
need_cmd cc promtool
admin_start
T=$SVT_TMP
source "$GESTOR_TOP/tests/metrics/ioload.sh"
ioload_start gestor-iotest
check "the OOM container's child was killed" ioload_said oom "child killed"

MPORT=$(free_port)
# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --interval 1 --dry-run --metrics-listen "127.0.0.1:$MPORT" >"$T/svt.log" 2>&1 &
SVT_PID=$!
on_exit "stop_pid $SVT_PID"
metrics() { curl -sf --max-time 10 "http://127.0.0.1:$MPORT/metrics" >"$T/metrics"; }
# every container measured twice (its first cycle may come before its counters move)
seen_all() {
	metrics || return 1
	local n
	for n in disk rx tx cpu thr oom; do grep -q "container_threads{.*name=\"$SVT_TAG-$n\"" "$T/metrics" || return 1; done
}
wait_for 60 seen_all || fail "servicio's /metrics lacks a container: $(tail -n 5 "$T/svt.log")"
sleep 3
metrics || fail "GET /metrics"
check "promtool check metrics: the whole /metrics is clean" promtool check metrics <"$T/metrics"

ioload_stats

# ours METRIC NAME [LABEL=VALUE]: the sum of the series of container NAME
ours() {
	awk -v m="$1" -v n="name=\"$SVT_TAG-$2\"" -v l="${3:-}" '
		index($0, m "{") == 1 && index($0, n) && (l == "" || index($0, l)) { s += $NF; k++ }
		END { if (k) printf "%.6f\n", s; else print "none" }' "$T/metrics"
}
# disk
near "disk: bytes written vs Docker's blkio Write" "$(ours container_fs_writes_bytes_total disk)" \
	"$(dj disk '[.blkio_stats.io_service_bytes_recursive[]? | select(.op == "Write") | .value] | add')"
near "disk: bytes read vs Docker's blkio Read" "$(ours container_fs_reads_bytes_total disk)" \
	"$(dj disk '[.blkio_stats.io_service_bytes_recursive[]? | select(.op == "Read") | .value] | add')"
near "disk: writes vs Docker's blkio io_serviced Write" "$(ours container_fs_writes_total disk)" \
	"$(dj disk '[.blkio_stats.io_serviced_recursive[]? | select(.op == "Write") | .value] | add')"
near "disk: reads vs Docker's blkio io_serviced Read" "$(ours container_fs_reads_total disk)" \
	"$(dj disk '[.blkio_stats.io_serviced_recursive[]? | select(.op == "Read") | .value] | add')"
near "disk: bytes written vs the 32 MiB written" "$(ours container_fs_writes_bytes_total disk)" $((32 * MIB))
near "disk: bytes read vs the 32 MiB read" "$(ours container_fs_reads_bytes_total disk)" $((32 * MIB))
dev=$(awk -v n="name=\"$SVT_TAG-disk\"" 'index($0, "container_fs_writes_bytes_total{") == 1 && index($0, n) {
	match($0, /device="[^"]*"/); print substr($0, RSTART + 8, RLENGTH - 9); exit }' "$T/metrics")
check "disk: the device label is $disk's name ($dev)" [ "$dev" = "$disk" ]

# network (eth0 is the only interface but lo, which cAdvisor leaves out too)
for n in rx tx; do
	for d in receive:rx transmit:tx; do
		for u in bytes packets; do
			near "$n: ${d%%:*} $u vs Docker's networks" \
				"$(ours "container_network_${d%%:*}_${u}_total" $n 'interface="eth0"')" \
				"$(dj $n ".networks.eth0.${d#*:}_$u")"
		done
	done
done
got=$(ours container_network_receive_bytes_total rx)
check "rx: received bytes ($got) are the 24 MiB sent plus at most 6 % of headers" \
	awk -v g="$got" -v p=$((24 * MIB)) 'BEGIN { exit !(g != "none" && g >= p && g <= p * 1.06) }'
got=$(ours container_network_transmit_bytes_total tx)
check "tx: transmitted bytes ($got) are the 24 MiB sent plus at most 6 % of headers" \
	awk -v g="$got" -v p=$((24 * MIB)) 'BEGIN { exit !(g != "none" && g >= p && g <= p * 1.06) }'
check "a container without a network (disk) has no network series" [ "$(ours container_network_receive_bytes_total disk)" = none ]

# cpu
near "cpu: CPU seconds vs Docker's cpu_usage.total_usage" "$(ours container_cpu_usage_seconds_total cpu)" \
	"$(dj cpu '.cpu_stats.cpu_usage.total_usage / 1e9')"
near "cpu: CFS periods vs Docker's throttling_data.periods" "$(ours container_cpu_cfs_periods_total cpu)" \
	"$(dj cpu '.cpu_stats.throttling_data.periods')"
near "cpu: throttled periods vs Docker's throttling_data.throttled_periods" \
	"$(ours container_cpu_cfs_throttled_periods_total cpu)" "$(dj cpu '.cpu_stats.throttling_data.throttled_periods')"
near "cpu: throttled seconds vs Docker's throttling_data.throttled_time" \
	"$(ours container_cpu_cfs_throttled_seconds_total cpu)" "$(dj cpu '.cpu_stats.throttling_data.throttled_time / 1e9')"
# (a quota of 5 ms per 100 ms period: at most ~0.2 s of CPU in its 4 s, and
# throttled in every period it ran 5 ms, however busy the machine is)
cs=$(ours container_cpu_usage_seconds_total cpu)
cp=$(ours container_cpu_cfs_periods_total cpu)
check "cpu: the burner's CPU seconds ($cs) are > 0 and within its quota (5 ms x $cp periods, +50 % + 50 ms)" \
	awk -v v="$cs" -v p="$cp" 'BEGIN { exit !(v != "none" && v > 0 && v <= 0.005 * p * 1.5 + 0.05) }'
check "cpu: it was throttled (throttled periods > 0)" \
	awk -v v="$(ours container_cpu_cfs_throttled_periods_total cpu)" 'BEGIN { exit !(v != "none" && v > 0) }'

# processes and threads
near "thr: threads vs Docker's pids_stats.current" "$(ours container_threads thr)" "$(dj thr '.pids_stats.current')"
check "thr: 9 threads (main, 7, the child)" [ "$(ours container_threads thr)" = 9.000000 ]
np=$(docker top "$SVT_TAG-thr" -eo pid | tail -n +2 | wc -l)
near "thr: processes vs docker top" "$(ours container_processes thr)" "$np"

# OOM kills
oc=$(ioload_oom_kills)
near "oom: OOM events vs the cgroup's oom_kill" "$(ours container_oom_events_total oom)" "$oc"
ev=$(docker events --since "$T0" --until "$(date +%s)" --filter "container=${ID[oom]}" --filter event=oom \
	--format '{{.Status}}' | wc -l)
near "oom: OOM events vs Docker's oom events" "$(ours container_oom_events_total oom)" "$ev"

# labels
pid=$(docker inspect -f '{{.State.Pid}}' "$SVT_TAG-cpu")
cg=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$pid/cgroup")
[ -n "$cg" ] || cg=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
line=$(grep "^container_cpu_usage_seconds_total{.*name=\"$SVT_TAG-cpu\"" "$T/metrics")
check "id is the cgroup path ($cg)" grep -qF "id=\"$cg\"" <<<"$line"
check "image is the container's image ($img)" grep -qF "image=\"$img\"" <<<"$line"

# servicio stats --json: the same figures in each container's "io"
"$SVT_BIN" stats --json --interval 0.5 >"$T/stats.json" 2>"$T/stats.err" || fail "servicio stats: $(cat "$T/stats.err")"
sj() { jq -r --arg n "$SVT_TAG-$1" ".containers[] | select(.name == \$n) | .io | $2" "$T/stats.json"; }
near "stats --json: disk write bytes vs /metrics" "$(sj disk '[.block[]?.write_bytes] | add')" \
	"$(ours container_fs_writes_bytes_total disk)"
near "stats --json: rx received bytes vs /metrics" "$(sj rx '[.network[]? | select(.interface == "eth0") | .rx_bytes] | add')" \
	"$(ours container_network_receive_bytes_total rx)"
near "stats --json: cpu throttled periods vs /metrics" "$(sj cpu .cfs_throttled_periods)" \
	"$(ours container_cpu_cfs_throttled_periods_total cpu)"
check "stats --json: thr has 9 threads and 2 processes" [ "$(sj thr '"\(.threads) \(.processes)"')" = "9 2" ]
check "stats --json: oom has 1 OOM event" [ "$(sj oom .oom_events)" = 1 ]

kill -INT "$SVT_PID"
wait "$SVT_PID"
check "servicio stops cleanly" [ $? = 0 ]
[ "$T_FAILS" = 0 ] || { tail -n 20 "$T/svt.log"; grep "$SVT_TAG" "$T/metrics" | grep -v "^container_network\|last_seen" | head -60; }
finish
