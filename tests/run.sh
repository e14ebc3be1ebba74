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
# Lanes (docs/TESTING.md): a script with a line "# parallel: yes [WORDS]"
# runs in the parallel lane, TEST_JOBS (default 2) at a time beside the
# serial lane, each in namespaces of its own (tests/sandbox.sh: its own
# network with loopback, /tmp, /run/netns and PID namespace; no Docker
# socket, read-only crontabs, /var/lib and /sys/fs/bpf; no module or BPF
# capability; no CAP_SYS_ADMIN unless WORDS has "mounts"; "docker-ro"
# gives it a Docker socket that passes only GET and HEAD, "hostnet" the
# machine's network; "docker" a Docker socket that labels everything the
# suite creates gestor.test.lane=<its name>, the machine's /tmp and PID
# namespace, its processes told apart by a cgroup). So it cannot change
# what the machine-wide stock looks at (which leaves out what carries
# gestor.test.lane), and instead of the stock it is checked for what it
# left: processes, listening sockets, files in its /tmp, and for "docker"
# the containers and networks with its label. Every
# other suite (unit programs, untagged scripts) runs in the serial lane,
# one at a time, with the machine-wide stock before and after. Each lane
# keeps the listing's order (shuffled or not); a result line is printed
# as each suite ends, "[parallel]" after the time for that lane. When the
# serial lane is done, the runner itself takes parallel suites not started
# yet, as one more worker. A script with a line "# alone: yes" (one that
# stops or restarts the machine's dockerd) runs after both lanes are done,
# with nothing beside it, in the serial lane's way.
# TEST_JOBS=0 runs every suite in the serial lane.
#
# Written: $BUILD/test-results.tsv (name, PASS|SKIP|FAIL, seconds, why) and
# $BUILD/test-times.tsv (seconds, name; slowest first), printed at the end
# with the sum of the suites' times and the wall time of the run.
# The last line counts the suites:
#   N passed, N failed, N skipped
# and the runner exits non-zero when any failed.
#
# Usage: tests/run.sh [PATTERN]   (only suites whose name contains PATTERN)
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
. "$TOP/scripts/docker-up.sh"
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
	if docker_up 5; then
		# (not what a "docker" suite of the parallel lane made: its proxy
		# labels it gestor.test.lane, and its sandbox checks it; nor the
		# containers the daemon makes for the steps of a `docker build`,
		# from an image known only by its sha256 id, unlabelled whoever
		# builds: `docker build` removes them itself, --force-rm even when a
		# step fails)
		timeout 20 docker ps -a --no-trunc --format '{{.Label "gestor.test.lane"}}|container: {{.Names}} ({{.Image}})' 2>/dev/null |
			sed -n 's/^|//p' | grep -v ' (sha256:[0-9a-f]*)$'
		timeout 20 docker network ls --format '{{.Label "gestor.test.lane"}}|network: {{.Name}}' 2>/dev/null |
			sed -n 's/^|//p'
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

# What a "docker" suite of an earlier run made and left, that run having
# been stopped before its sandbox could list it (labelled
# gestor.test.lane=<suite>@<sandbox PID>, that PID gone): removed and
# said here, before any stock is taken, and never blamed on this run's
# suite of the same name.
lane_stale() { # KIND (container or network): "ID LABEL" of each stale one
	local id v
	timeout 20 docker "$1" ls $([ "$1" = container ] && echo -a) --no-trunc \
		--format '{{.ID}} {{.Label "gestor.test.lane"}}' 2>/dev/null |
		while read -r id v; do
			[ -n "$v" ] || continue
			# (a label without "@PID" is from before the PID was in it)
			[[ "$v" == *@[0-9]* ]] && kill -0 "${v##*@}" 2>/dev/null && continue
			echo "$id $v"
		done
}
if docker_up 5; then
	for k in container network; do
		stale=$(lane_stale $k)
		[ -n "$stale" ] || continue
		echo "run.sh: removing $(wc -l <<<"$stale") ${k}(s) that an earlier, interrupted run left: $(cut -d' ' -f2 <<<"$stale" | sort -u | tr '\n' ' ')"
		rmf=(rm -f)
		[ $k = network ] && rmf=(rm)
		# shellcheck disable=SC2046
		docker "$k" "${rmf[@]}" $(cut -d' ' -f1 <<<"$stale") >/dev/null 2>&1 || true
	done
fi

# lane SUITE: "serial", or "parallel WORDS" for a script with a
# "# parallel: yes [WORDS]" line (see the header); unit programs and
# untagged scripts are serial
lane() {
	local t
	if [[ "$1" == *.sh ]] && t=$(sed -n 's/^# parallel: *yes\b *//p' "$1" | head -n1) &&
		grep -q '^# parallel: *yes\b' "$1"; then
		echo "parallel $t"
	else
		echo serial
	fi
}

# the lines a suite prints and its results line are written under this
# lock, so that the two lanes' lines never mix
outlock=$BUILD/test-env/output.lock
: >"$outlock"

# run_suite SUITE LANE: runs it, takes stock (serial lane) or checks its
# sandbox (parallel lane), prints its result line and appends to $results
run_suite() {
	local s=$1 ln=$2 name limit l log start rc nskip secs leaked why status note words priv lo
	case "$s" in
	"$BUILD"/test/*) name=unit/$(basename "$s") ;;
	*) name=${s#"$TOP"/tests/}; name=${name%.sh} ;;
	esac
	limit=900
	if [[ "$s" == *.sh ]]; then
		l=$(sed -n 's/^# timeout: *\([0-9]\+\).*/\1/p' "$s" | head -n1)
		[ -n "$l" ] && limit=$l
	fi
	log=$logs/${name//\//_}.log
	start=$(date +%s.%N)
	leaked=
	if [ "$ln" != serial ] && [ -x "$s" ]; then
		# the parallel lane: namespaces of its own (tests/sandbox.sh), what it
		# left there listed by the sandbox, files left in its /tmp here
		words=" ${ln#parallel} "
		priv=$BUILD/test-env/tmp/${name//\//_}
		lo=$BUILD/test-env/left.${name//\//_}
		rm -rf --one-file-system "$priv" && mkdir -p "$priv" && : >"$lo"
		local mode ns=(--net) pidns=(--pid --mount-proc)
		mode=$(echo $words | tr ' ' ,)
		[ -n "$mode" ] || mode=plain
		[[ "$words" == *" hostnet "* ]] && ns=()
		# ("docker": the machine's PID namespace, see tests/sandbox.sh)
		[[ "$words" == *" docker "* ]] && pidns=()
		# (--kill-child: when unshare is stopped, so is the sandbox's PID 1,
		# and with it everything in the namespace)
		(cd "$TOP" && exec timeout -k 10 $((limit + 90)) unshare "${ns[@]}" --mount "${pidns[@]}" --fork --kill-child \
			--propagation private "$TOP/tests/sandbox.sh" "$mode" "$priv" "$lo" "$limit" \
			"$dproxy" "$BUILD:$TOP" -- "${suite_env[@]}" -- "$s") >"$log" 2>&1 </dev/null &
		cur=$!
		wait "$cur"
		rc=$?
		cur=
		# what is left in its /tmp but the paths to the build directory and
		# the checkout
		local keep=() d p
		for p in "$BUILD" "$TOP"; do
			[[ "$p" == /tmp/?* ]] || continue
			d=${p#/tmp/}
			while [ -n "$d" ] && [ "$d" != . ]; do keep+=("$priv/$d") && d=$(dirname "$d"); done
		done
		find "$priv" -mindepth 1 2>/dev/null | sort | while IFS= read -r f; do
			printf '%s\n' "${keep[@]}" | grep -qxF "$f" || echo "file: /tmp${f#"$priv"}"
		done >>"$lo"
		leaked=$(grep -v '^$' "$lo" | head -n 200)
		rm -rf --one-file-system "$priv" "$lo"
		if [ -n "$leaked" ] && [ "$leaks_mode" = off ]; then leaked=; fi
	elif [ -x "$s" ]; then
		# -k: a suite told to stop has 60 s for its cleanups. servicio's
		# state directory (kept set, status.json) is the suite's own, not
		# the host's /var/lib/gestor/servicio (a flag in the suite beats it)
		local sdir=$BUILD/test-env/state/${name//\//_}
		rm -rf --one-file-system "$sdir" && mkdir -p "$sdir"
		(cd "$TOP" && exec env -i "${suite_env[@]}" "GESTOR_STATE_DIR=$sdir" timeout -k 60 "$limit" "$s") >"$log" 2>&1 </dev/null
		rc=$?
		rm -rf --one-file-system "$sdir"
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
	if [ "$ln" = serial ] && [ "$leaks_mode" != off ]; then
		after=$BUILD/test-env/stock.after
		# a server told to stop may take a moment to let go of its port
		for _ in $(seq 1 20); do
			leaked=$(new_since "$before")
			[ -z "$leaked" ] && break
			sleep 0.5
		done
		stock | sort -u >"$after"
		# what this suite leaked is blamed once, not on every later suite
		mv "$after" "$before"
	fi
	if [ -n "$leaked" ]; then
		{
			echo "# the runner: this suite left behind ($(wc -l <<<"$leaked") things):"
			head -n 30 <<<"$leaked" | sed 's/^/#   /'
			[ "$(wc -l <<<"$leaked")" -le 30 ] || echo "#   ..."
		} >>"$log"
	fi
	why=
	if [ -n "$leaked" ] && [ "$leaks_mode" = fail ]; then
		[ "$rc" = 0 ] || [ "$rc" = 77 ] && rc=leak
	fi
	local tag=
	[ "$ln" != serial ] && tag=" [parallel]"
	{
		flock 9
		if [ "$rc" = 0 ]; then
			printf '%sPASS%s  %-40s %6ss%s\n' "$G" "$N" "$name" "$secs" "$tag"
			status=PASS
		elif [ "$rc" = 77 ]; then
			# the last "skipped:" line is the suite's own verdict (its
			# programs may print others before it)
			if [[ "$s" == "$BUILD"/test/* ]]; then
				why=$(grep -m1 -o 'skipped: .*' "$log" || echo "skipped: (no reason given)")
			else
				why=$(grep -o '^skipped: .*' "$log" | tail -n1)
				[ -n "$why" ] || why="skipped: (no reason given)"
			fi
			[ "$nskip" -gt 0 ] && why="$nskip test(s) $why"
			printf '%sSKIP%s  %-40s %6ss%s  %s\n' "$Y" "$N" "$name" "$secs" "$tag" "$why"
			status=SKIP
		else
			case "$rc" in
			124) note="timed out after ${limit}s" ;;
			leak) note="left things behind" ;;
			*) note="exit $rc" ;;
			esac
			why=$note
			printf '%sFAIL%s  %-40s %6ss%s  (%s; log: %s)\n' "$R" "$N" "$name" "$secs" "$tag" "$note" "$log"
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
	} 9>>"$outlock"
}

# the two lanes, in the (possibly shuffled) order of the listing
serial=() parallel=() alone=()
for s in "${suites[@]}"; do
	case "$s" in
	"$BUILD"/test/*) name=unit/$(basename "$s") ;;
	*) name=${s#"$TOP"/tests/}; name=${name%.sh} ;;
	esac
	[ -n "$pattern" ] && [[ "$name" != *"$pattern"* ]] && continue
	ln=$(lane "$s")
	# the sandbox needs root (namespaces) and unshare; without them, or with
	# TEST_JOBS=0, every suite runs in the serial lane
	if [[ "$s" == *.sh ]] && grep -q '^# alone: *yes' "$s"; then
		alone+=("$s")
	elif [ "$ln" != serial ] && [ "${TEST_JOBS:-2}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
		parallel+=("$s|$ln")
	else
		serial+=("$s")
	fi
done

wall0=$(date +%s)
before=$BUILD/test-env/stock.before
[ "$leaks_mode" != off ] && stock | sort -u >"$before"

# The parallel lane starts with its slowest suites, by the last run's times
# ($BUILD/test-times.tsv, else the committed tests/times.tsv, suite by
# suite; a suite timed in neither counts as 60 s), so that a long one does not start last and
# hold the run's end. The sort is stable: shuffled, the suites of equal
# weight keep the shuffled order, and the serial lane is shuffled whole
# (the parallel suites run in namespaces of their own: their start order
# changes only which of them run side by side).
if [ "${#parallel[@]}" -gt 1 ]; then
	mapfile -t parallel < <(
		for j in "${parallel[@]}"; do
			s=${j%%|*}
			name=${s#"$TOP"/tests/}
			name=${name%.sh}
			t=$(cat "$times" "$TOP/tests/times.tsv" 2>/dev/null | awk -F'\t' -v n="$name" '$2 == n { print int($1); exit }')
			printf '%s\t%s\n' "${t:-60}" "$j"
		done | sort -t$'\t' -k1,1 -rn -s | cut -f2-
	)
fi

# the parallel lane: TEST_JOBS workers (default 2) take its suites in order;
# a "light" suite (one that mostly waits: on a daemon's cycles at 1 s, on
# connections held open) goes to a queue of its own, which one more worker
# takes (TEST_LIGHT_JOBS, default 1), and the others when theirs is empty
dproxy=$BUILD/test-env/docker-ro.sock
workers=() proxy_pid=
if [ "${#parallel[@]}" -gt 0 ]; then
	jobs_=${TEST_JOBS:-2}
	ljobs=${TEST_LIGHT_JOBS:-1}
	queue=$BUILD/test-env/queue
	printf '%s\n' "${parallel[@]}" | grep -v ' light\b' >"$queue"
	printf '%s\n' "${parallel[@]}" | grep ' light\b' >"$queue.light"
	[ "$ljobs" -gt 0 ] && [ -s "$queue.light" ] || ljobs=0
	echo "lanes: ${#serial[@]} suites one at a time, ${#parallel[@]} in the parallel lane ($jobs_ at a time, and $(wc -l <"$queue.light") light ones in $ljobs worker(s) more, in namespaces of their own; TEST_JOBS=0 runs them one at a time)"
	if printf '%s\n' "${parallel[@]}" | grep -q ' docker-ro'; then
		/usr/bin/python3 "$TOP/tests/docker_ro.py" "$dproxy" >"$logs/docker-ro.log" 2>&1 &
		proxy_pid=$!
		for _ in $(seq 1 50); do [ -S "$dproxy" ] && break; sleep 0.1; done
	fi
	echo 0 >"$queue.next"
	echo 0 >"$queue.light.next"
	next_job() { # Q...: the next line of the first queue Q not yet taken whole, or nothing
		local i q j
		for q in "$@"; do
			{
				flock 8
				i=$(($(cat "$q.next") + 1))
				echo "$i" >"$q.next"
			} 8>>"$queue.lock"
			j=$(sed -n "${i}p" "$q")
			[ -n "$j" ] && echo "$j" && return 0
		done
	}
	work() { # Q...: runs suites from the queues until they are all taken
		cur=
		# a runner told to stop stops the suite it runs
		trap '[ -n "$cur" ] && kill "$cur" 2>/dev/null; exit 143' TERM INT
		while j=$(next_job "$@") && [ -n "$j" ]; do run_suite "${j%%|*}" "${j#*|}"; done
	}
	for _ in $(seq 1 "$jobs_"); do
		work "$queue" "$queue.light" &
		workers+=($!)
	done
	for _ in $(seq 1 "$ljobs"); do
		work "$queue.light" &
		workers+=($!)
	done
fi
trap '[ ${#workers[@]} -gt 0 ] && kill "${workers[@]}" 2>/dev/null; [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null' EXIT

for s in "${serial[@]}"; do run_suite "$s" serial; done
# the serial lane done, this process takes the parallel lane's suites not
# started yet, as one more worker (never more than TEST_JOBS + 1 heavy
# suites at once): the lanes end together instead of the workers' queue after it
[ "${#workers[@]}" -gt 0 ] && work "$queue" "$queue.light"
for w in "${workers[@]}"; do wait "$w"; done
workers=()
[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
proxy_pid=
rm -f "$dproxy"
# last, with nothing beside them: the suites that stop or restart the
# machine's dockerd ("# alone: yes"), which every container of a suite
# running at the same time would go down with
for s in "${alone[@]}"; do run_suite "$s" serial; done

pass=$(awk -F'\t' '$2 == "PASS"' "$results" | wc -l)
skip=$(awk -F'\t' '$2 == "SKIP"' "$results" | wc -l)
fail=$(awk -F'\t' '$2 == "FAIL"' "$results" | wc -l)
mapfile -t failed < <(awk -F'\t' '$2 == "FAIL" { print $1 }' "$results")

sort -t$'\t' -k3,3 -rn "$results" | awk -F'\t' '{ print $3 "\t" $1 }' >"$times"
if [ -s "$times" ]; then
	echo "per-suite times (slowest first; $times):"
	head -n 15 "$times" | awk -F'\t' '{ printf "  %7.1fs  %s\n", $1, $2 }'
	awk -F'\t' -v w=$(($(date +%s) - wall0)) '{ t += $1 } END { printf "  total %.0f s in %d suites, %d s of wall time\n", t, NR, w }' "$times"
fi
[ "${#failed[@]}" -gt 0 ] && printf 'failed suites: %s\n' "${failed[*]}"
printf '%d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skip"
[ "$fail" = 0 ] && [ $((pass + fail)) -gt 0 ]
