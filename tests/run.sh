#!/usr/bin/env bash
# run.sh — the test runner behind `make test`.
#
# A suite is either a unit-test program in $BUILD/test/ (cmocka, built with
# ASan+UBSan) or an executable tests/<area>/*.sh integration script. Each
# suite runs with its output in $BUILD/test-logs/<name>.log and a time limit
# (900 s, or the number in a "# timeout: N" line of the script). Exit status
# 0 means passed, 77 means skipped (the suite prints "skipped: <why>"), any
# other status means failed. A unit-test program that exits 0 but whose
# log shows a cmocka "[  SKIPPED ]" test counts as skipped, not passed: the
# line says how many of its tests were skipped and the first "skipped: why". The last line counts the suites:
#   N passed, N failed, N skipped
# and the runner exits non-zero when any failed.
#
# Usage: tests/run.sh [PATTERN]   (only suites whose name contains PATTERN)
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export GESTOR_TOP=$TOP GESTOR_BUILD=$BUILD GESTOR_BIN=$BUILD/bin
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pattern=${1:-}
logs=$BUILD/test-logs
mkdir -p "$logs"

if [ -t 1 ]; then G=$'\e[32m' R=$'\e[1;31m' Y=$'\e[33m' N=$'\e[0m'; else G= R= Y= N=; fi

# Areas run in an order that feeds later ones: the kernel suite saves the
# module documents (build/fixtures) that the unit tests (servicio_modsrc_test
# parses them), metrics and hardening use; the end-to-end run comes last.
area_rank() {
	case "$1" in
	*/tests/foundation/*) echo 0 ;;
	*/tests/kernel/*) echo 1 ;;
	"$BUILD"/test/*) echo 2 ;;
	*/tests/e2e/*) echo 9 ;;
	*) echo 5 ;;
	esac
}
suites=()
while IFS= read -r f; do suites+=("${f#* }"); done < <(
	{
		for f in "$BUILD"/test/*; do [ -f "$f" ] && [ -x "$f" ] && echo "$f"; done
		find "$TOP/tests" -mindepth 2 -maxdepth 2 -name '*.sh' -perm -u+x
	} | while IFS= read -r f; do echo "$(area_rank "$f")$f $f"; done | sort | cut -d" " -f2-
)

# cmocka ends a run with skipped tests with "[  SKIPPED ] N test(s), listed
# below:": N, or 0.
cmocka_skipped() {
	sed -n 's/^\[  SKIPPED \] \([0-9]\+\) test(s), listed below:.*/\1/p' "$1" |
		awk '{ n += $1 } END { print n + 0 }'
}

pass=0 fail=0 skip=0 failed=()
for s in "${suites[@]}"; do
	case "$s" in
	"$BUILD"/test/*) name=unit/$(basename "$s") ;;
	*) name=${s#"$TOP"/tests/}; name=${name%.sh} ;;
	esac
	[ -n "$pattern" ] && [[ "$name" != *"$pattern"* ]] && continue
	limit=900
	if [[ "$s" == *.sh ]]; then
		l=$(sed -n 's/^# timeout: *\([0-9]\+\).*/\1/p' "$s" | head -n1)
		[ -n "$l" ] && limit=$l
	fi
	log=$logs/${name//\//_}.log
	start=$(date +%s.%N)
	(cd "$TOP" && timeout -k 10 "$limit" "$s") >"$log" 2>&1 </dev/null
	rc=$?
	nskip=0
	if [ "$rc" = 0 ] && [[ "$s" == "$BUILD"/test/* ]]; then
		nskip=$(cmocka_skipped "$log")
		[ "$nskip" -gt 0 ] && rc=77
	fi
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
	if [ "$rc" = 0 ]; then
		pass=$((pass + 1))
		printf '%sPASS%s  %-40s %6ss\n' "$G" "$N" "$name" "$secs"
	elif [ "$rc" = 77 ]; then
		skip=$((skip + 1))
		why=$(grep -m1 -o 'skipped: .*' "$log" || echo "skipped: (no reason given)")
		[ "$nskip" -gt 0 ] && why="$nskip test(s) $why"
		printf '%sSKIP%s  %-40s %6ss  %s\n' "$Y" "$N" "$name" "$secs" "$why"
	else
		fail=$((fail + 1))
		failed+=("$name")
		[ "$rc" = 124 ] && note="timed out after ${limit}s" || note="exit $rc"
		printf '%sFAIL%s  %-40s %6ss  (%s; log: %s)\n' "$R" "$N" "$name" "$secs" "$note" "$log"
		# the failed checks with the lines that explain them (a failure
		# early in a long log would not show in its tail), then the tail
		if grep -q '^not ok' "$log"; then
			grep -B 8 '^not ok' "$log" | grep -v '^ok ' | head -n 60 | sed 's/^/      ! /'
		fi
		tail -n 25 "$log" | sed 's/^/      | /'
	fi
done

[ "${#failed[@]}" -gt 0 ] && printf 'failed suites: %s\n' "${failed[*]}"
printf '%d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skip"
[ "$fail" = 0 ] && [ $((pass + fail)) -gt 0 ]
