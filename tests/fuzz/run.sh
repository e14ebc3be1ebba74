#!/usr/bin/env bash
# run.sh — fuzz every target for SECONDS each (`make fuzz SECONDS=N`,
# default 60). Seeds come from tests/fuzz/corpus/<target>/; the inputs
# libFuzzer finds go to build/fuzz/corpus/<target>/ (not committed); a crash,
# leak, timeout or out-of-memory is written straight into
# tests/fuzz/corpus/<target>/ as crash-*/leak-*/timeout-*/oom-*, where it
# stays as a regression case for tests/fuzz/regress.sh. Prints one summary
# line per target (executions, crashes) and keeps them in
# build/fuzz/last-run.txt. Exits 1 when any target found a problem.
# FUZZ_TARGETS="http batch" runs (and builds) only those targets.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
SECS=${1:-60}
[ -n "$SECS" ] || SECS=60
command -v clang-14 >/dev/null || { echo "fuzz: clang-14 is not installed"; exit 1; }
targets=${FUZZ_TARGETS:-$(make -s -C "$HERE" targets)}
make -s -C "$HERE" -j2 BUILD="$BUILD" $(for t in $targets; do echo "$BUILD/fuzz/bin/${t}_fuzz"; done) || exit 1
# the HTTP target's database: on tmpfs when there is one (fsync is the cost)
shm=/tmp; [ -d /dev/shm ] && [ -w /dev/shm ] && shm=/dev/shm
export TMPDIR=$(mktemp -d $shm/gestor-fuzz.XXXXXX)
trap 'rm -rf "$TMPDIR"' EXIT
summary=$BUILD/fuzz/last-run.txt
echo "# make fuzz SECONDS=$SECS, $(date -u +%FT%TZ), $(nproc) cores" >"$summary"
bad=0
for t in $targets; do
	work=$BUILD/fuzz/corpus/$t
	mkdir -p "$work"
	leaks=1
	[ "$t" = http ] && leaks=0
	log=$BUILD/fuzz/$t.log
	before=$(ls "$HERE/corpus/$t" | grep -cE '^(crash|leak|timeout|oom)-')
	ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=0 \
		"$BUILD/fuzz/bin/${t}_fuzz" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$HERE/corpus/$t/" \
		"$work" "$HERE/corpus/$t" >"$log" 2>&1
	rc=$?
	after=$(ls "$HERE/corpus/$t" | grep -cE '^(crash|leak|timeout|oom)-')
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 | cut -d' ' -f2)
	line=$(printf '%-9s %10s execs in %ss, coverage %s edges, corpus %s, new problems %s, exit %s' \
		"$t" "${execs:-?}" "$SECS" "${cov:-?}" "$(ls "$work" | wc -l)" $((after - before)) "$rc")
	echo "$line" | tee -a "$summary"
	if [ "$rc" != 0 ] || [ "$after" != "$before" ]; then
		bad=1
		grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log" | sed 's/^/    /'
		echo "    log: $log; reproducer(s): $HERE/corpus/$t/{crash,leak,timeout,oom}-*"
	fi
done
exit "$bad"
