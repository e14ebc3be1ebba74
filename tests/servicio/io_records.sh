#!/usr/bin/env bash
# io_records.sh — the cgroup and network counters servicio reads per
# container (ctrio) reach admin_logs in the sample records of the cycles
# that read them (every --counters-interval), are stored in their columns,
# and are served by GET /logs with the figures Docker and the
# kernel give, on containers that do known work (tests/metrics/ioload.c,
# static, in a FROM-scratch image built here) and then stay still:
#   disk  32 MiB written with O_DIRECT + fsync and read back:
#         blk_{write,read}_bytes and blk_{writes,reads} against the stats
#         API's blkio_stats, and the bytes against the known 32 MiB
#   net   24 MiB sent over a Docker bridge network made here:
#         net_{rx,tx}_{bytes,packets} against the stats API's networks, and
#         the bytes against the 24 MiB (plus TCP/IP headers)
#   cpu   4 s of one core under --cpus 0.05: cpu_seconds against
#         cpu_usage.total_usage, cfs_periods / cfs_throttled_periods /
#         cfs_throttled_seconds against throttling_data
#   thr   7 extra threads and one child: threads against pids_stats.current,
#         processes against docker top
#   oom   a child touching 64 MiB under --memory 32m: oom_events against the
#         cgroup's oom_kill
# each within 5 %, read from the stored record as GET /logs returns it; the
# database's columns (SQLite, or PostgreSQL with AL_BACKEND=postgresql:
# io_records_pg.sh) hold the same numbers as the record.
#
# Kernels from 6.9 on count cgroup v1 block I/O (blkio.throttle.*) only on a
# device with a throttle rule: the disk container gets a generous one
# (--device-write-bps 10gb) on the disk under Docker's root, as in
# tests/metrics/io.sh.
# parallel: yes docker
# timeout: 300
source "$(dirname "$0")/common.sh"
source "$GESTOR_TOP/tests/admin_logs/lib_server.sh"
source "$GESTOR_TOP/tests/admin_logs/lib_pg.sh"
svt_need
need_cmd cc
[ "${AL_BACKEND:-sqlite}" = sqlite ] && need_cmd sqlite3
T=$SVT_TMP
pg_backend # AL_DB: a PostgreSQL server of this suite's own, or unset (SQLite)
AL_BIN=$GESTOR_BUILD/asan/bin/admin_logs
[ -x "$AL_BIN" ] || AL_BIN=$GESTOR_BIN/admin_logs
mkdir -p "$T/al"
al_start "$T/al" --quiet --report-dir "$T/al/report"
on_exit 'al_kill9'
ADMIN_PORT=$AL_PORT

source "$GESTOR_TOP/tests/metrics/ioload.sh"
ioload_start gestor-iorec

# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --interval 1 --dry-run >"$T/svt.log" 2>&1 &
SVT_PID=$!
on_exit "stop_pid $SVT_PID"
# the latest stored sample that carries the counters (servicio reads them
# every --counters-interval, 10 s by default: every tenth cycle here), with
# every container's, of at least the third cycle (the work was over before
# servicio started); kept as {"records": [it]}
latest() {
	admin_get "type=sample&order=desc&limit=30" >"$T/recent.json" || return 1
	jq -e --arg t "$SVT_TAG-" 'first(.records[] | select(.cycle >= 3 and
		([.containers[] | select(.name | startswith($t)) | select(.threads != null)] | length) == 6)) |
		{records: [.]}' "$T/recent.json" >"$T/rec.json"
}
wait_for 60 latest || fail "no stored sample with the six containers' counters: $(tail -n 5 "$T/svt.log")"
ioload_stats

# rec NAME FIELD: the field of container NAME in the stored record ("null": absent)
rec() { jq -r --arg n "$SVT_TAG-$1" ".records[0].containers[] | select(.name == \$n) | .$2" "$T/rec.json"; }
# disk
near "disk: blk_write_bytes vs Docker's blkio Write" "$(rec disk blk_write_bytes)" \
	"$(dj disk '[.blkio_stats.io_service_bytes_recursive[]? | select(.op == "Write") | .value] | add')"
near "disk: blk_read_bytes vs Docker's blkio Read" "$(rec disk blk_read_bytes)" \
	"$(dj disk '[.blkio_stats.io_service_bytes_recursive[]? | select(.op == "Read") | .value] | add')"
near "disk: blk_writes vs Docker's io_serviced Write" "$(rec disk blk_writes)" \
	"$(dj disk '[.blkio_stats.io_serviced_recursive[]? | select(.op == "Write") | .value] | add')"
near "disk: blk_reads vs Docker's io_serviced Read" "$(rec disk blk_reads)" \
	"$(dj disk '[.blkio_stats.io_serviced_recursive[]? | select(.op == "Read") | .value] | add')"
near "disk: blk_write_bytes vs the 32 MiB written" "$(rec disk blk_write_bytes)" $((32 * MIB))
near "disk: blk_read_bytes vs the 32 MiB read" "$(rec disk blk_read_bytes)" $((32 * MIB))
check "disk: no network (--network none: lo only) means no network fields" [ "$(rec disk net_rx_bytes)" = null ]

# network (eth0 is the only interface but lo, which the sums leave out)
for n in rx tx; do
	for d in rx tx; do
		for u in bytes packets; do
			near "$n: net_${d}_$u vs Docker's networks.eth0" "$(rec $n "net_${d}_$u")" \
				"$(dj $n ".networks.eth0.${d}_$u")"
		done
	done
done
got=$(rec rx net_rx_bytes)
check "rx: net_rx_bytes ($got) is the 24 MiB sent plus at most 6 % of headers" \
	awk -v g="$got" -v p=$((24 * MIB)) 'BEGIN { exit !(g != "null" && g >= p && g <= p * 1.06) }'
got=$(rec tx net_tx_bytes)
check "tx: net_tx_bytes ($got) is the 24 MiB sent plus at most 6 % of headers" \
	awk -v g="$got" -v p=$((24 * MIB)) 'BEGIN { exit !(g != "null" && g >= p && g <= p * 1.06) }'

# cpu
near "cpu: cpu_seconds vs Docker's cpu_usage.total_usage" "$(rec cpu cpu_seconds)" \
	"$(dj cpu '.cpu_stats.cpu_usage.total_usage / 1e9')"
near "cpu: cfs_periods vs Docker's throttling_data.periods" "$(rec cpu cfs_periods)" \
	"$(dj cpu '.cpu_stats.throttling_data.periods')"
near "cpu: cfs_throttled_periods vs Docker's throttled_periods" "$(rec cpu cfs_throttled_periods)" \
	"$(dj cpu '.cpu_stats.throttling_data.throttled_periods')"
near "cpu: cfs_throttled_seconds vs Docker's throttled_time" "$(rec cpu cfs_throttled_seconds)" \
	"$(dj cpu '.cpu_stats.throttling_data.throttled_time / 1e9')"
check "cpu: it was throttled (cfs_throttled_periods > 0)" \
	awk -v v="$(rec cpu cfs_throttled_periods)" 'BEGIN { exit !(v != "null" && v > 0) }'

# processes and threads
near "thr: threads vs Docker's pids_stats.current" "$(rec thr threads)" "$(dj thr '.pids_stats.current')"
check "thr: 9 threads (main, 7, the child)" [ "$(rec thr threads)" = 9 ]
np=$(docker top "$SVT_TAG-thr" -eo pid | tail -n +2 | wc -l)
near "thr: processes vs docker top" "$(rec thr processes)" "$np"

# OOM kills, against the cgroup's own count (v1, else v2)
oc=$(ioload_oom_kills)
near "oom: oom_events vs the cgroup's oom_kill" "$(rec oom oom_events)" "$oc"
check "oom: one OOM kill" [ "$(rec oom oom_events)" = 1 ]

# the database's columns hold the record's numbers
rid=$(jq -r '.records[0].id' "$T/rec.json")
cols="net_rx_bytes, net_rx_packets, net_tx_bytes, net_tx_packets, blk_read_bytes, blk_write_bytes, blk_reads, blk_writes, threads, processes, oom_events, cfs_periods, cfs_throttled_periods"
for n in disk rx tx thr oom cpu; do
	want=$(jq -r --arg n "$SVT_TAG-$n" '.records[0].containers[] | select(.name == $n) |
		[.net_rx_bytes, .net_rx_packets, .net_tx_bytes, .net_tx_packets, .blk_read_bytes,
		 .blk_write_bytes, .blk_reads, .blk_writes, .threads, .processes, .oom_events,
		 .cfs_periods, .cfs_throttled_periods] | map(if . == null then "" else tostring end) | join("|")' "$T/rec.json")
	got=$(al_sql "$T/al" "SELECT $cols FROM sample_containers WHERE record = $rid AND name = '$SVT_TAG-$n'" |
		tr -d '\n')
	check "$n: the ${AL_BACKEND:-sqlite} columns hold the record's counters ($got)" [ "$got" = "$want" ]
done
cs=$(al_sql "$T/al" "SELECT cpu_seconds FROM sample_containers WHERE record = $rid AND name = '$SVT_TAG-cpu'")
near "cpu: the stored cpu_seconds column vs the record's" "$cs" "$(rec cpu cpu_seconds)"

kill -INT "$SVT_PID"
wait "$SVT_PID"
check "servicio stops cleanly" [ $? = 0 ]
al_stop
check "admin_logs stops cleanly" [ $? = 0 ]
check "no sanitizer report" bash -c '! grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$1" "$2"' _ \
	"$T/svt.log" "$T/al/stderr.log"
[ "$T_FAILS" = 0 ] || { tail -n 20 "$T/svt.log"; jq -c --arg t "$SVT_TAG-" '.records[0].containers[] | select(.name | startswith($t))' "$T/rec.json"; }
finish
