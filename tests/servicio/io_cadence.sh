#!/usr/bin/env bash
# io_cadence.sh — servicio reads the containers' cumulative counters (ctrio:
# cgroup CPU seconds, processes and threads, block I/O, network, CFS
# throttling, OOM kills) at their own cadence, --counters-interval, not
# every cycle, and they still reach /metrics and admin_logs:
#   - at --interval 1 --counters-interval 3 the stored sample records carry
#     a container's counters only from some cycles (not all, at least two),
#     and two cycles that carry them are at least 2.5 s apart (3 s less half
#     an interval: the cadence's tolerance for the cycle's jitter);
#   - every /metrics scrape, between reads too, has the container's counter
#     series (the last values read), and a container started during the run
#     gets them there and in a stored sample;
#   - at --counters-interval 0 every sample carries them (as before the key).
# timeout: 240
# parallel: yes docker
source "$(dirname "$0")/common.sh"
svt_need
T=$SVT_TMP
admin_start
MPORT=$(free_port)

mk low a
# run SECONDS ARGS...: servicio for that long once it has measured
# container a, scraping /metrics each second into $T/scrapes (one line per
# scrape: the container_threads series of a, then of "new", 0 when absent);
# with NEWCTR set, that container is started at the fourth scrape
ours() {
	curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$T/metrics" &&
		grep -q "^container_threads{.*name=\"$SVT_TAG-a\"" "$T/metrics"
}
run() {
	local s=$1 i
	shift
	: >"$T/scrapes"
	# shellcheck disable=SC2046
	"$SVT_BIN" $(svt_args) --interval 1 --dry-run --metrics-listen "127.0.0.1:$MPORT" "$@" \
		>>"$T/svt.log" 2>&1 &
	SVT_PID=$!
	on_exit "stop_pid $SVT_PID"
	wait_for 30 ours || fail "servicio's /metrics has no series of container a: $(tail -n 5 "$T/svt.log")"
	for i in $(seq "$s"); do
		if [ "$i" = 4 ] && [ -n "${NEWCTR:-}" ]; then mk low "$NEWCTR"; fi
		curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$T/metrics"
		echo "$(grep -c "^container_threads{.*name=\"$SVT_TAG-a\"" "$T/metrics")" \
			"$(grep -c "^container_threads{.*name=\"$SVT_TAG-new\"" "$T/metrics")" >>"$T/scrapes"
		sleep 1
	done
	kill -INT "$SVT_PID"
	wait "$SVT_PID"
	check "servicio stops cleanly ($*)" [ $? = 0 ]
}
# samples HOST: "cycle ts_ns a-carries new-carries new-there" per stored
# sample of that run, in cycle order (1: yes, 0: no)
samples() {
	admin_get "type=sample&host=$1&order=asc&limit=1000" | jq -r --arg a "$SVT_TAG-a" \
		--arg b "$SVT_TAG-new" '.records[] | [.cycle, .ts_ns,
		([.containers[] | select(.name == $a) | select(.threads != null and .cpu_seconds != null)] | length),
		([.containers[] | select(.name == $b) | select(.threads != null)] | length),
		([.containers[] | select(.name == $b)] | length)] | @tsv'
}

NEWCTR=new run 14 --counters-interval 3 --host "$SVT_TAG-c3"
# every batch delivered: the stop flushes them
samples "$SVT_TAG-c3" >"$T/c3"
n=$(wc -l <"$T/c3")
with=$(awk '$3 == 1' "$T/c3" | wc -l)
echo "# cycles: $n, with the counters: $with ($(awk '$3 == 1 {printf "%s ", $1}' "$T/c3"))"
check "at --counters-interval 3, $n samples stored (>= 10)" [ "$n" -ge 10 ]
check "... some carry the counters and some do not ($with of $n)" \
	test "$with" -ge 2 -a "$with" -lt "$n"
check "... the first cycle carries them" [ "$(awk 'NR == 1 {print $3}' "$T/c3")" = 1 ]
gap=$(awk '$3 == 1 { if (p) { d = ($2 - p) / 1e9; if (!m || d < m) m = d } p = $2 } END {printf "%.3f", m}' "$T/c3")
check "... two samples that carry them are >= 2.5 s apart (closest: $gap s)" \
	awk -v g="$gap" 'BEGIN {exit !(g >= 2.5)}'
check "... and at most one in three cycles carries them, give or take the first ($with of $n)" \
	[ "$with" -le $(((n + 2) / 3 + 1)) ]
scr=$(wc -l <"$T/scrapes")
check "every /metrics scrape ($scr) has the container's counter series, between reads too" \
	test "$scr" -ge 10 -a "$(awk '$1 == 0' "$T/scrapes" | wc -l)" = 0
check "a container started during the run gets its series on /metrics" \
	test "$(awk '$2 > 0' "$T/scrapes" | wc -l)" -gt 0
check "... and its counters in a stored sample" test "$(awk '$4 == 1' "$T/c3" | wc -l)" -gt 0

run 6 --counters-interval 0 --host "$SVT_TAG-c0"
samples "$SVT_TAG-c0" >"$T/c0"
n=$(wc -l <"$T/c0")
with=$(awk '$3 == 1' "$T/c0" | wc -l)
check "at --counters-interval 0 every sample carries them ($with of $n)" test "$n" -ge 3 -a "$with" = "$n"

check "no sanitizer report" bash -c '! grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$1"' _ "$T/svt.log"
[ "$T_FAILS" = 0 ] || { tail -n 20 "$T/svt.log"; cat "$T/c3"; }
finish
