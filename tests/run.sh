#!/usr/bin/env bash
# run.sh — the test runner behind `make test`.
#
# A suite is either a unit-test program in $BUILD/test/ (cmocka, built with
# ASan+UBSan) or an executable tests/<area>/*.sh integration script. Each
# suite runs with its output in $BUILD/test-logs/<name>.log and a time limit
# (900 s, or the number in a "# timeout: N" line of the script). Exit status
# 0 means passed, 77 means skipped (the suite prints "skipped: <why>"; a
# suite that ran but left a part out ends "skipped: part ..."), any other
# status means failed. A unit-test program that exits 0 but whose log shows
# a cmocka "[  SKIPPED ]" test counts as skipped, not passed: the line says
# how many of its tests were skipped and the first "skipped: why". A unit
# test whose source exists (lib/, servicio/, admin_logs/ tests/*_test.c) but
# whose program was not built counts as skipped (servicio_bpfsrc_test
# without this kernel's BTF) or failed (anything else): it never vanishes
# from the count.
#
# Every suite runs in a clean environment: nothing from the caller's
# environment but PATH, HOME, LANG, TERM, USER, BUILD, KDIR, CI and
# GESTOR_DISRUPTIVE (which let suites that stop the shared dockerd run)
# and the names in $TEST_PASS_ENV; no other GESTOR_* from outside, GESTOR_CONFIG naming
# an empty file (servicio would read the host's /etc/gestor/servicio.ini
# otherwise) and GESTOR_METRICS_LISTEN=127.0.0.1:0 (a servicio that is not
# told where to serve /metrics takes a port of its own, not 9102).
#
# Leaks: before and after every suite the runner takes stock of what a
# suite can leave behind (containers, Docker networks, crontab lines,
# network namespaces, mounts, BPF pins, loaded modules, listening TCP/UDP
# ports, files under /var/lib/gestor); a suite after which anything new is
# still there 10 s after it ended fails, with the leftovers listed. (The
# stock is of the whole machine: on a machine where other people work at
# the same time their things can be blamed; TEST_LEAKS=warn reports
# without failing, TEST_LEAKS=off skips the stock-taking.)
#
# Order: by area (foundation, kernel, unit, the rest, e2e last), or
# shuffled with TEST_SHUFFLE=SEED (the same seed gives the same order; the
# seed is printed). No suite may depend on another having run.
#
# Written: $BUILD/test-results.tsv (name, PASS|SKIP|FAIL, seconds, why) and
# $BUILD/test-times.tsv (seconds, name; slowest first), printed at the end.
# The last line counts the suites:
#   N passed, N failed, N skipped
# and the runner exits non-zero when any failed.
#
# Usage: tests/run.sh [PATTERN]   (only suites whose name contains PATTERN)
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
pattern=${1:-}
logs=$BUILD/test-logs
mkdir -p "$logs" "$BUILD/test-env"
results=$BUILD/test-results.tsv
times=$BUILD/test-times.tsv
: >"$results"
leaks_mode=${TEST_LEAKS:-fail}

if [ -t 1 ]; then G=$'\e[32m' R=$'\e[1;31m' Y=$'\e[33m' N=$'\e[0m'; else G= R= Y= N=; fi

# the environment every suite starts from
empty_ini=$BUILD/test-env/empty.ini
: >"$empty_ini"
suite_env=(
	"PATH=$PATH" "HOME=${HOME:-/root}" "LANG=${LANG:-C.UTF-8}" "TERM=${TERM:-dumb}"
	"USER=${USER:-$(id -un)}" "LOGNAME=${LOGNAME:-$(id -un)}" "SHELL=/bin/bash"
	"BUILD=$BUILD" "GESTOR_TOP=$TOP" "GESTOR_BUILD=$BUILD" "GESTOR_BIN=$BUILD/bin"
	"GESTOR_CONFIG=$empty_ini" "GESTOR_METRICS_LISTEN=127.0.0.1:0"
	"ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
	"UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
)
for v in KDIR CI GESTOR_DISRUPTIVE ${TEST_PASS_ENV:-}; do
	[ -n "${!v+x}" ] && suite_env+=("$v=${!v}")
done

# Areas run in a fixed order unless shuffled: foundation first (it checks
# the machine the rest runs on), the end-to-end run last.
area_rank() {
	case "$1" in
	*/tests/foundation/*) echo 0 ;;
	*/tests/kernel/*) echo 1 ;;
	"$BUILD"/test/*) echo 2 ;;
	*/tests/e2e/*) echo 9 ;;
	*) echo 5 ;;
	esac
}
# the unit-test programs there should be, from their sources
expected_units() {
	local d f
	for d in lib servicio admin_logs; do
		for f in "$TOP/$d"/tests/*_test.c; do
			[ -f "$f" ] || continue
			f=$(basename "$f" .c)
			echo "$BUILD/test/${d}_$f"
		done
	done
}
listing() {
	{
		for f in "$BUILD"/test/*; do [ -f "$f" ] && [ -x "$f" ] && echo "$f"; done
		expected_units
		find "$TOP/tests" -mindepth 2 -maxdepth 2 -name '*.sh' -perm -u+x
	} | sort -u
}
suites=()
if [ -n "${TEST_SHUFFLE:-}" ]; then
	echo "suite order: shuffled with seed $TEST_SHUFFLE (TEST_SHUFFLE=$TEST_SHUFFLE repeats it)"
	while IFS= read -r f; do suites+=("$f"); done < <(
		listing | awk -v seed="$TEST_SHUFFLE" 'BEGIN { srand(seed) } { printf "%.12f %s\n", rand(), $0 }' |
			sort -n | cut -d" " -f2-
	)
else
	while IFS= read -r f; do suites+=("${f#* }"); done < <(
		listing | while IFS= read -r f; do echo "$(area_rank "$f")$f $f"; done | sort | cut -d" " -f2-
	)
fi

# cmocka ends a run with skipped tests with "[  SKIPPED ] N test(s), listed
# below:": N, or 0.
cmocka_skipped() {
	sed -n 's/^\[  SKIPPED \] \([0-9]\+\) test(s), listed below:.*/\1/p' "$1" |
		awk '{ n += $1 } END { print n + 0 }'
}

# stock: one line per thing a suite could leave behind, "kind: what"
stock() {
	# (bounded: a daemon that hangs must not hang the runner; `docker info`
	# was seen to hang for minutes on a busy daemon while the API answered)
	if curl -sf --max-time 5 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1; then
		timeout 20 docker ps -a --no-trunc --format 'container: {{.Names}} ({{.Image}})' 2>/dev/null
		timeout 20 docker network ls --format 'network: {{.Name}}' 2>/dev/null
	fi
	local f
	for f in /var/spool/cron/crontabs/*; do
		[ -f "$f" ] && grep -v '^#' "$f" 2>/dev/null | sed "s|^|crontab $(basename "$f"): |"
	done
	ip netns list 2>/dev/null | awk '{ print "netns: " $1 }'
	# Docker's own mounts come and go with its containers (counted above)
	awk '$2 !~ "^/(var/lib/docker|run/docker|run/netns)/" { print "mount: " $2 " (" $3 ")" }' /proc/self/mounts
	[ -d /sys/fs/bpf ] && find /sys/fs/bpf -mindepth 1 2>/dev/null | sed 's/^/bpf pin: /'
	[ -r /proc/modules ] && awk '{ print "module: " $1 }' /proc/modules
	ss -Hltun 2>/dev/null | awk '{ print "listening: " $1 " " $5 }'
	[ -d /var/lib/gestor ] && find /var/lib/gestor -mindepth 1 2>/dev/null | sed 's/^/file: /'
	true
}
# new_since BEFORE-FILE: what is there now that was not before
new_since() { comm -13 "$1" <(stock | sort -u); }

# bpffs on /sys/fs/bpf is part of the machine the suites expect (systemd
# mounts it at boot; servicio pins there): mounted once here, before the
# stock is taken, so that the first suite to need it is not blamed for it
if [ "$(id -u)" = 0 ] && [ -d /sys/fs/bpf ] && ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf && echo "run.sh: mounted bpffs on /sys/fs/bpf (as systemd does at boot)"
fi

pass=0 fail=0 skip=0 failed=()
before=$BUILD/test-env/stock.before
[ "$leaks_mode" != off ] && stock | sort -u >"$before"
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
	if [ -x "$s" ]; then
		# -k: a suite told to stop has 60 s for its cleanups
		(cd "$TOP" && exec env -i "${suite_env[@]}" timeout -k 60 "$limit" "$s") >"$log" 2>&1 </dev/null
		rc=$?
	elif [[ "$name" == unit/servicio_bpfsrc_test ]] && [ ! -r /sys/kernel/btf/vmlinux ]; then
		echo "skipped: not built: this kernel publishes no BTF (/sys/kernel/btf/vmlinux)" >"$log"
		rc=77
	else
		echo "FAIL: $s was not built (make test-bins) although its source exists" >"$log"
		rc=1
	fi
	nskip=0
	if [ "$rc" = 0 ] && [[ "$s" == "$BUILD"/test/* ]]; then
		nskip=$(cmocka_skipped "$log")
		[ "$nskip" -gt 0 ] && rc=77
	fi
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
	leaked=
	if [ "$leaks_mode" != off ]; then
		after=$BUILD/test-env/stock.after
		# a server told to stop may take a moment to let go of its port
		for _ in $(seq 1 20); do
			leaked=$(new_since "$before")
			[ -z "$leaked" ] && break
			sleep 0.5
		done
		stock | sort -u >"$after"
		if [ -n "$leaked" ]; then
			{
				echo "# the runner: this suite left behind ($(wc -l <<<"$leaked") things):"
				head -n 30 <<<"$leaked" | sed 's/^/#   /'
				[ "$(wc -l <<<"$leaked")" -le 30 ] || echo "#   ..."
			} >>"$log"
		fi
		# what this suite leaked is blamed once, not on every later suite
		mv "$after" "$before"
	fi
	why=
	if [ -n "$leaked" ] && [ "$leaks_mode" = fail ]; then
		[ "$rc" = 0 ] || [ "$rc" = 77 ] && rc=leak
	fi
	if [ "$rc" = 0 ]; then
		pass=$((pass + 1))
		printf '%sPASS%s  %-40s %6ss\n' "$G" "$N" "$name" "$secs"
		status=PASS
	elif [ "$rc" = 77 ]; then
		skip=$((skip + 1))
		# the last "skipped:" line is the suite's own verdict (its
		# programs may print others before it)
		if [[ "$s" == "$BUILD"/test/* ]]; then
			why=$(grep -m1 -o 'skipped: .*' "$log" || echo "skipped: (no reason given)")
		else
			why=$(grep -o '^skipped: .*' "$log" | tail -n1)
			[ -n "$why" ] || why="skipped: (no reason given)"
		fi
		[ "$nskip" -gt 0 ] && why="$nskip test(s) $why"
		printf '%sSKIP%s  %-40s %6ss  %s\n' "$Y" "$N" "$name" "$secs" "$why"
		status=SKIP
	else
		fail=$((fail + 1))
		failed+=("$name")
		case "$rc" in
		124) note="timed out after ${limit}s" ;;
		leak) note="left things behind" ;;
		*) note="exit $rc" ;;
		esac
		why=$note
		printf '%sFAIL%s  %-40s %6ss  (%s; log: %s)\n' "$R" "$N" "$name" "$secs" "$note" "$log"
		# the failed checks with the lines that explain them (a failure
		# early in a long log would not show in its tail), then the tail
		if grep -q '^not ok' "$log"; then
			grep -B 8 '^not ok' "$log" | grep -v '^ok ' | head -n 60 | sed 's/^/      ! /'
		fi
		tail -n 25 "$log" | sed 's/^/      | /'
		status=FAIL
	fi
	if [ -n "$leaked" ]; then
		# the first few under the result line (all of them are in the log)
		head -n 10 <<<"$leaked" | sed 's/^/      leftover: /'
		[ "$(wc -l <<<"$leaked")" -le 10 ] || echo "      leftover: ... ($(wc -l <<<"$leaked") in all; $log)"
	fi
	printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$secs" "${why//$'\t'/ }" >>"$results"
done

sort -t$'\t' -k3,3 -rn "$results" | awk -F'\t' '{ print $3 "\t" $1 }' >"$times"
if [ -s "$times" ]; then
	echo "per-suite times (slowest first; $times):"
	head -n 15 "$times" | awk -F'\t' '{ printf "  %7.1fs  %s\n", $1, $2 }'
	awk -F'\t' '{ t += $1 } END { printf "  total %.0f s in %d suites\n", t, NR }' "$times"
fi
[ "${#failed[@]}" -gt 0 ] && printf 'failed suites: %s\n' "${failed[*]}"
printf '%d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skip"
[ "$fail" = 0 ] && [ $((pass + fail)) -gt 0 ]
