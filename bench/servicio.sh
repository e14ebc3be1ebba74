#!/usr/bin/env bash
# bench/servicio.sh — servicio's own cost and speed, against the real Docker
# engine, with N (default 50) managed containers of gestor/low:
#   1. servicio's CPU % (of one core) and RSS over 60 s at a 1 s interval
#      (release build, nothing removed: --keep-low N); then the same at BIG
#      (default 500) managed containers with EXTRA (default 10,000) more
#      idle processes on the machine, outside containers: how the cost
#      grows with the number of containers (BIG=0 skips it); where servicio
#      reads the BPF cgroup walk, the BIG part again with the task iterator
#      (GESTOR_BPF_NO_CGWALK=1) for the walk's effect;
#   2. the measuring part of a cycle (snapshot + per-container CPU % and
#      memory; from servicio's debug timing line) beside
#      `docker stats --no-stream` for the same containers;
#   3. the time from a container crossing the quota (its start, with keep_low
#      already reached) to its removal: Docker's own event times for start,
#      kill and destroy. A separate scope of 3 low containers and keep_low 3,
#      --ranking oldest, so the newcomer is the one removed;
#   4. one --once cycle that removes N-3 of the N containers at once (4
#      workers, each kill + delete): the removal part's time.
#   5. decisions, before and after (issue 18), the same load for both: OLD
#      (default: a build of commit b833406, before hysteresis and events)
#      and this build. (a) contenedores.sh -n STREAM_K (5) every 30 s, as
#      cron runs it, for STREAM_S (300) s, servicio at its defaults (10 s
#      interval, keep 2 high / 3 low): the removals of containers that an
#      earlier cycle had kept (churn: each one a removal that gains
#      nothing); (b) at the default 10 s interval, TRIALS low containers
#      each started beyond keep_low 3: start -> destroyed (Docker's event
#      times), median and max.
# Prints Markdown tables. Needs root, Docker, the images, build/bin/servicio
# and build/bin/admin_logs.
# Usage: bench/servicio.sh [N [BIG]] (env SECONDS_RUN=60 TRIALS=8 EXTRA=10000 SETTLE=20)
#        bench/servicio.sh decisions   (phase 5 only; env OLD=path/to/old/servicio,
#                                      STREAM_S=300 STREAM_K=5 TRIALS=10)
#        bench/servicio.sh sources [N] (phase 1 at N containers once per
#                                      metrics source this machine has:
#                                      module, bpf, procfs; --source forced)
#        bench/servicio.sh compare [N [BIG]] (phase 1 only, several builds
#            on the same containers, alternated ROUNDS (1) times: at N (0:
#            skipped), then at BIG with EXTRA idle processes, there also with the task
#            iterator where the cgroup walk is read; env
#            BINS="before=/path/servicio after=/path/servicio" (LABEL=PATH
#            each), ARGS (more servicio options for every build), /metrics
#            on a free loopback port scraped every SCRAPE (15) s, 0: never;
#            before each round at BIG, the task iterator's read alone,
#            FLOOR_BIN (build/tools/bpf_ctr_bench host 10 1000), for the
#            host's phase, beside a no-op program's read of the same tasks:
#            the floor of that path; with ROUNDS > 1, each build's median
#            and range over the rounds at the end)
set -uo pipefail
export GESTOR_TABLE=true # servicio prints its per-cycle table off a terminal too: read below
cd "$(dirname "$0")/.."
MODE=all
if [ "${1:-}" = decisions ] || [ "${1:-}" = sources ] || [ "${1:-}" = compare ]; then
	MODE=$1
	shift
fi
N=${1:-50}
BIG=${2:-500}
EXTRA=${EXTRA:-10000}
RUN=${SECONDS_RUN:-60}
TRIALS=${TRIALS:-8}
TAG=gsvb-$$
TMP=$(mktemp -d /tmp/gsvb.XXXXXX)
SVT=${SVT:-build/bin/servicio} # another build: SVT=/tmp/build-x/bin/servicio
FLOOR_BIN=${FLOOR_BIN:-build/tools/bpf_ctr_bench} # compare: the iterator's read alone (make -C servicio tools)
ADM=${ADM:-build/bin/admin_logs}
SPID= APID= XPID= CPID=
die() {
	echo "bench/servicio: $*" >&2
	exit 1
}
cleanup() {
	[ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
	[ -n "$XPID" ] && kill -9 "$XPID" 2>/dev/null
	[ -n "$CPID" ] && kill "$CPID" 2>/dev/null
	[ -n "$APID" ] && kill "$APID" 2>/dev/null
	ids=$(for t in "$TAG" "$TAG-rm" "$TAG-a-old" "$TAG-a-new" "$TAG-b-old" "$TAG-b-new"; do
		docker ps -aq --filter "label=gestor.test=$t"
	done)
	[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
[ -x "$SVT" ] && [ -x "$ADM" ] || die "build first (make)"
docker image inspect gestor/low:latest >/dev/null 2>&1 || die "gestor/low:latest is missing (make images)"
HZ=$(getconf CLK_TCK)

# mk NAME [SCOPE]: a managed low container of this run
mk() { docker run -d --name "$TAG-$1" --network none --label gestor.managed=true \
	--label gestor.class=low --label "gestor.test=${2:-$TAG}" gestor/low:latest >/dev/null; }
export -f mk
export TAG

# events SINCE SCOPE FILE: Docker's container events of a scope since then,
# "<ns> <action> <name>" per line; event_ns FILE NAME ACTION_RE: the first
# time of that action for that container
events() {
	docker events --since "$1" --until "$(date +%s)" --filter "label=gestor.test=$2" \
		--filter type=container --format '{{.TimeNano}} {{.Action}} {{.Actor.Attributes.name}}' >"$3"
}
event_ns() { awk -v n="$2" -v a="$3" '$2 ~ a && $3 == n {print $1; exit}' "$1"; }

mib() { echo "$(($1 / 1024)).$(($1 % 1024 * 10 / 1024))"; }
# med [FORMAT]: the median of the numbers on stdin, printf'd (%.2f)
med() { sort -n | awk -v f="${1:-%.2f}" '{a[NR] = $1} END {if (NR) printf f, (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
p95() { sort -n | awk '{a[NR] = $1} END {if (NR) {i = int(NR * 0.95); if (i < 1) i = 1; printf "%.2f", a[i]}}'; }

# ---------- 5: decisions before and after (issue 18) ----------
OLD=${OLD:-}
STREAM_S=${STREAM_S:-300}
STREAM_K=${STREAM_K:-5}
old_build() {
	[ -n "$OLD" ] && return 0
	local wt=/tmp/gsvb-old-b833406
	if [ ! -x "$wt/build/bin/servicio" ]; then
		echo "building commit b833406 (before issue 18) in $wt..." >&2
		[ -d "$wt" ] || git worktree add "$wt" b833406 >/dev/null 2>&1 || die "git worktree add $wt failed"
		nice -n 10 make -s -C "$wt" -j2 user >"$TMP/old-build.log" 2>&1 || die "the old build failed: $(tail -n 3 "$TMP/old-build.log")"
	fi
	OLD=$wt/build/bin/servicio
}
# churn LOG: "<cycles> <removals> <removals of containers kept before> <of
# those, swaps within the margin>" from servicio's tables: a swap is within
# the margin when a container newly kept in the same class that cycle does
# not beat the removed one by more than 10 CPU points (or, CPU within that,
# 64 MiB): noise deciding who is removed
churn() {
	awk -v M=10 -v MM=64 '
	function mib(s,  v, u) { v = s + 0; u = substr(s, length(s)); return u == "G" ? v * 1024 : u == "K" ? v / 1024 : u == "M" ? v : v / 1048576 }
	function flush(   i, j, w) {
		for (i = 1; i <= nr; i++) {
			if (act[i] != "removed" || !(nm[i] in kept)) continue
			k++
			w = 0
			for (j = 1; j <= nr; j++)
				if (act[j] == "kept" && !(nm[j] in kept) && cl[j] == cl[i]) {
					d = cl[i] == "high" ? cpu[j] - cpu[i] : cpu[i] - cpu[j]
					dm = cl[i] == "high" ? mem[j] - mem[i] : mem[i] - mem[j]
					if (d <= M && (d < -M || dm <= MM)) w = 1
				}
			noise += w
		}
		for (i = 1; i <= nr; i++) if (act[i] == "kept") kept[nm[i]] = 1
		nr = 0
	}
	/^cycle [0-9]+ / { flush(); c++ }
	/^gestor-(high-cpu|high-ram|low)-[0-9a-f]+ / {
		nr++; nm[nr] = $1; cl[nr] = $3; cpu[nr] = $4 + 0; mem[nr] = mib($5); act[nr] = $NF
		if ($NF == "removed") r++
	}
	END { flush(); printf "%d %d %d %d\n", c, r, k, noise }' "$1"
}
# stream WHICH BIN: (a) for one build; prints "<cycles> <removals> <churn> <margin decisions>"
stream() {
	local scope=$TAG-a-$1 end
	"$2" --log-url "http://127.0.0.1:$PORT" --no-cron --spool "$TMP/spool-a-$1" --color never \
		--scope "gestor.test=$scope" >"$TMP/stream-$1.log" 2>&1 &
	SPID=$!
	sleep 3
	end=$(($(date +%s) + STREAM_S))
	while [ "$(date +%s)" -lt "$end" ]; do
		GESTOR_TEST_LABEL=$scope ./contenedores.sh -n "$STREAM_K" >>"$TMP/contenedores-$1.log" 2>&1
		sleep 30
	done
	kill -INT "$SPID"
	wait "$SPID"
	SPID=
	docker ps -aq --filter "label=gestor.test=$scope" | xargs -r docker rm -f >/dev/null 2>&1
	echo "$(churn "$TMP/stream-$1.log") $(grep -c 'the margin decided' "$TMP/stream-$1.log")"
	cp "$TMP/stream-$1.log" "${KEEP_LOGS:-$TMP}/" 2>/dev/null
}
# reaction WHICH BIN: (b) for one build; prints "<trials> <median ms> <max ms>"
reaction() {
	local scope=$TAG-b-$1 since i n st de
	for i in 1 2 3; do mk "b$1-base$i" "$scope"; done
	sleep 1
	since=$(date +%s)
	"$2" --log-url "http://127.0.0.1:$PORT" --no-cron --spool "$TMP/spool-b-$1" --color never \
		--scope "gestor.test=$scope" --keep-low 3 --ranking oldest >"$TMP/react-$1.log" 2>&1 &
	SPID=$!
	sleep 12 # past the first cycle: the three are kept
	for i in $(seq 1 "$TRIALS"); do
		mk "b$1-n$i" "$scope"
		for _ in $(seq 300); do docker inspect "$TAG-b$1-n$i" >/dev/null 2>&1 || break; sleep 0.05; done
		sleep "$((RANDOM % 3)).$((RANDOM % 10))" # a different phase of the cycle each time
	done
	kill -INT "$SPID"
	wait "$SPID"
	SPID=
	events "$since" "$scope" "$TMP/events-b-$1"
	for i in $(seq 1 "$TRIALS"); do
		n=$TAG-b$1-n$i
		st=$(event_ns "$TMP/events-b-$1" "$n" '^start$')
		de=$(event_ns "$TMP/events-b-$1" "$n" '^destroy$')
		[ -n "$st" ] && [ -n "$de" ] && echo $(((de - st) / 1000000))
	done >"$TMP/react-b-$1"
	docker ps -aq --filter "label=gestor.test=$scope" | xargs -r docker rm -f >/dev/null 2>&1
	echo "$(wc -l <"$TMP/react-b-$1") $(med <"$TMP/react-b-$1") $(sort -n "$TMP/react-b-$1" | tail -n1)"
}
decisions() {
	local a_old a_new b_old b_new
	old_build
	[ -x "$OLD" ] || die "no old servicio at $OLD"
	for i in high-cpu high-ram low; do
		docker image inspect "gestor/$i:latest" >/dev/null 2>&1 || die "gestor/$i:latest is missing (make images)"
	done
	"$ADM" --port 0 --port-file "$TMP/port" --db "$TMP/gestor.db" --quiet >"$TMP/admin.log" 2>&1 &
	APID=$!
	for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
	PORT=$(cat "$TMP/port")
	echo "5a: contenedores.sh -n $STREAM_K every 30 s for $STREAM_S s, old build then this one..." >&2
	a_old=$(stream old "$OLD")
	a_new=$(stream new "$SVT")
	echo "5b: $TRIALS containers beyond the quota at the 10 s interval, old build then this one..." >&2
	b_old=$(reaction old "$OLD")
	b_new=$(reaction new "$SVT")
	set -- $a_old $a_new
	cat <<EOT
### servicio decisions before (b833406) and after (issue 18) — same load, one run ($(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))

| what | before (b833406) | after | target |
| --- | --- | --- | --- |
| (a) contenedores.sh -n $STREAM_K every 30 s for $STREAM_S s, defaults: cycles | $1 | $6 | |
| (a) containers removed | $2 | $7 | |
| (a) removals of containers an earlier cycle had kept | $3 | $8 | |
| (a) **... of which a newcomer within the margin (10 points / 64 MiB) took the place** (noise) | **$4** | **$9** | 0 |
| (a) decisions where the margin decided | $5 | ${10} | |
EOT
	set -- $b_old $b_new
	cat <<EOT
| (b) container start -> destroyed at the 10 s interval, median / max of $1 / $4 trials | $2 ms / $3 ms | **$5 ms / $6 ms** | <= 1,500 / 2,500 ms |
EOT
}
if [ "$MODE" = decisions ]; then
	decisions
	exit 0
fi
echo "creating $N containers..." >&2
seq 1 "$N" | xargs -P 4 -I{} bash -c 'mk c{}' || die "docker run failed"

"$ADM" --port 0 --port-file "$TMP/port" --db "$TMP/gestor.db" --quiet >"$TMP/admin.log" 2>&1 &
APID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
PORT=$(cat "$TMP/port")
# /metrics on (its default) but on a free loopback port, not 9102; the kept
# set and status file in this run's directory, not /var/lib/gestor
MPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
COMMON=(--log-url "http://127.0.0.1:$PORT" --no-cron --spool "$TMP/spool" --interval 1
	--log-level debug --color never --metrics-listen "127.0.0.1:$MPORT" --state-dir "$TMP/state")

# steady K: servicio with K managed containers for RUN s; sets cpu, rss,
# rss_max, hwm, priv, libs, load, cycles, meas_med, meas_p95, list_med,
# cyc_med, nprocs
steady() {
	"$SVT" "${COMMON[@]}" ${SRC:+--source "$SRC"} ${ARGS:-} --scope "gestor.test=$TAG" --keep-low "$1" \
		>"$TMP/run$1.log" 2>&1 &
	SPID=$!
	sleep 5
	if [ "${SCRAPE:-0}" -gt 0 ]; then # as Prometheus would, during the run
		: >"$TMP/scrapes"
		(while sleep "$SCRAPE"; do
			curl -sf -o /dev/null "http://127.0.0.1:$MPORT/metrics" && echo ok >>"$TMP/scrapes" ||
				echo failed >>"$TMP/scrapes"
		done) &
		CPID=$!
	fi
	ticks() { awk '{print $14 + $15}' "/proc/$SPID/stat"; }
	t0=$(ticks)
	s0=$(date +%s%N)
	# RSS sampled every second of the run: its largest value is the run's peak
	# (VmHWM also counts start-up, before servicio trims its start-up pages)
	rss_max=0
	for _ in $(seq "$RUN"); do
		sleep 1
		r=$(awk '/^VmRSS/ {print $2}' "/proc/$SPID/status")
		[ "${r:-0}" -gt "$rss_max" ] && rss_max=$r
	done
	t1=$(ticks)
	s1=$(date +%s%N)
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SPID/status")
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$SPID/status")
	priv=$(awk '/^Private_Dirty/ {print $2}' "/proc/$SPID/smaps_rollup")
	libs=$(awk '/^[0-9a-f]/ {name = $6} /^Rss/ && name ~ /\.so/ {s += $2} END {print s}' "/proc/$SPID/smaps")
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	nprocs=$(ls /proc | grep -c '^[0-9]')
	# servicio's start-up line: the source and, for bpf, how it reads
	srcline=$(grep -m1 -o 'metrics source: .*' "$TMP/run$1.log" | tr '|' '/')
	if [ -n "$CPID" ]; then
		kill "$CPID"
		wait "$CPID" 2>/dev/null
		CPID=
	fi
	# a scrape that failed measured no /metrics rendering: said with the row
	scrape_failed=$(grep -c failed "$TMP/scrapes" 2>/dev/null)
	kill -INT "$SPID"
	wait "$SPID"
	SPID=
	cpu=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v ns=$((s1 - s0)) 'BEGIN {printf "%.3f", t / hz / (ns / 1e9) * 100}')
	# timing lines: "timing: measure X ms (K containers; ...), docker list Y ms, ..."
	sed -n 's/.*timing: measure \([0-9.]*\) ms.*docker list \([0-9.]*\) ms.*whole cycle \([0-9.]*\) ms.*/\1 \2 \3/p' \
		"$TMP/run$1.log" | tail -n +2 >"$TMP/timing"
	cycles=$(wc -l <"$TMP/timing")
	meas_med=$(cut -d' ' -f1 "$TMP/timing" | med)
	meas_p95=$(cut -d' ' -f1 "$TMP/timing" | p95)
	list_med=$(cut -d' ' -f2 "$TMP/timing" | med)
	cyc_med=$(cut -d' ' -f3 "$TMP/timing" | med)
}

# phase 1 once per metrics source (the same containers, one after another)
if [ "$MODE" = sources ]; then
	echo "### servicio per metrics source, $N managed containers, ${RUN} s each at a 1 s interval ($(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, kernel $(uname -r))"
	echo
	echo "| source | CPU % of a core | RSS (peak) | measuring part, median / p95 | cycles | load average |"
	echo "| --- | --- | --- | --- | --- | --- |"
	for SRC in module bpf procfs; do
		if ! "$SVT" stats --source "$SRC" --json --interval 0.2 --no-docker >/dev/null 2>"$TMP/probe.err"; then
			echo "| $SRC | not available here: $(tail -n1 "$TMP/probe.err" | tr '|' '/') | | | | |"
			continue
		fi
		steady "$N"
		grep -q "metrics source: $SRC" "$TMP/run$N.log" || die "the $SRC run did not use $SRC"
		echo "| $SRC | $cpu | $(mib "$rss_max") MiB | $meas_med / $meas_p95 ms | $cycles | $load |"
	done
	exit 0
fi

# grow_big: BIG - N more containers and EXTRA idle processes outside
# containers (a static forker: each child pause()s, dies with it), then
# SETTLE s for the machine to calm down after the creation; XPID the forker
grow_big() {
	cat >"$TMP/idle.c" <<'CEOF'
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	pid_t me = getpid();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != me)
				_exit(0);
			for (;;)
				pause();
		}
		if (p < 0)
			return 1;
	}
	for (;;)
		pause();
}
CEOF
	cc -O2 -o "$TMP/idle" "$TMP/idle.c" || die "cannot build the idle-process helper"
	echo "creating $((BIG - N)) more containers and $EXTRA idle processes..." >&2
	seq 1 $((BIG - N)) | xargs -P 4 -I{} bash -c 'mk big{}' || die "docker run failed"
	"$TMP/idle" "$EXTRA" &
	XPID=$!
	# the steady part starts once every idle process exists (forking 10,000
	# takes about a minute here; before, the 500 part measured during the
	# fork) and the machine has had SETTLE s to calm down after the creation
	for _ in $(seq 600); do
		[ "$(pgrep -c -P "$XPID")" -ge "$EXTRA" ] && break
		sleep 1
	done
	[ "$(pgrep -c -P "$XPID")" -ge "$EXTRA" ] || die "the $EXTRA idle processes did not all start"
	sleep "${SETTLE:-20}"
}

# compare: phase 1 for several builds on the same containers
if [ "$MODE" = compare ]; then
	read -ra BL <<<"${BINS:?BINS=\"LABEL=path LABEL=path\"}"
	for b in "${BL[@]}"; do [ -x "${b#*=}" ] || die "${b#*=} is not built"; done
	SCRAPE=${SCRAPE:-15}
	row() { # K LABEL PATH-NAME
		echo "| $1 | $2 | $3 | $cpu | $(mib "$rss_max") MiB | $meas_med / $meas_p95 ms | $cyc_med ms | $cycles | $load |"
		[ "${scrape_failed:-0}" = 0 ] || echo "bench/servicio: $2 at $1 ($3): $scrape_failed /metrics scrapes failed" >&2
		# for the summary over rounds: "K|LABEL|PATH-NAME|cpu|meas_med"
		echo "$1|$2|$3|$cpu|$meas_med" >>"$TMP/rows"
	}
	# summary: per containers, build and path, the median and range over the rounds
	summary() {
		[ "${ROUNDS:-1}" -gt 1 ] || return 0
		echo
		echo "Over the ${ROUNDS} rounds (the host's pace moves between rounds: docs/BENCHMARKS.md):"
		echo
		echo "| containers | build | BPF read | CPU % of a core, median (range) | measuring part median, median (range) |"
		echo "| --- | --- | --- | --- | --- |"
		# sel KEY FIELD: that field of KEY's rows, sorted
		sel() { awk -F'|' -v k="$1" -v f="$2" '$1 "|" $2 "|" $3 == k {print $f}' "$TMP/rows" | sort -n; }
		cut -d'|' -f1-3 "$TMP/rows" | awk '!seen[$0]++' | while IFS='|' read -r kn kb kp; do
			c=$(sel "$kn|$kb|$kp" 4)
			m=$(sel "$kn|$kb|$kp" 5)
			echo "| $kn | $kb | $kp | $(med %.3f <<<"$c") ($(head -n1 <<<"$c")-$(tail -n1 <<<"$c")) | $(med <<<"$m") ms ($(head -n1 <<<"$m")-$(tail -n1 <<<"$m")) |"
		done
	}
	echo "### servicio, builds compared on the same containers: $N then $BIG managed gestor/low, ${RUN} s per run at a 1 s interval, /metrics scraped every ${SCRAPE} s ($(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, kernel $(uname -r)${ARGS:+, options $ARGS})"
	echo
	echo "| containers | build | BPF read | CPU % of a core | RSS peak | measuring part, median / p95 | whole cycle, median | cycles | load average |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	walk=
	for r in $(seq "${ROUNDS:-1}"); do
		for b in "${BL[@]}"; do
			[ "$N" -gt 0 ] || break 2 # compare 0 BIG: the BIG part alone
			SVT=${b#*=} steady "$N"
			[[ "$srcline" == *"cgroup walk)"* ]] && walk=1
			row "$N" "${b%%=*}" "${walk:+cgroup walk}"
		done
	done
	if [ "$BIG" -gt "$N" ]; then
		grow_big
		floors=
		for r in $(seq "${ROUNDS:-1}"); do
			# the host's phase: the task iterator's read alone, as servicio reads
			# it (parsed), over the same tasks, 10 reads 1 s apart, taking turns
			# with the no-op iterator's (the kernel's visit: the path's floor)
			if [ -x "$FLOOR_BIN" ]; then
				f=$("$FLOOR_BIN" host 10 1000 2>&1 | awk -F'|' '
					function m(what) { return sprintf("%s wall median %.2f ms, best %.2f ms, CPU %.2f ms per read", what, $6, $7, $8) }
					$2 ~ /task iterator/ { r = m("servicio'"'"'s read") }
					$2 ~ /no-op iterator/ { n = m("; the no-op iterator") }
					END { print r n }')
				floors+="- round $r ($(date -u +%H:%M) UTC), before its runs: $f"$'\n'
			fi
			for b in "${BL[@]}"; do
				SVT=${b#*=} steady "$BIG"
				[[ "$srcline" == *"cgroup walk)"* ]] && walk=1
				row "$BIG" "${b%%=*}" "${walk:+cgroup walk}"
			done
			[ -n "$walk" ] || continue
			for b in "${BL[@]}"; do
				GESTOR_BPF_NO_CGWALK=1 SVT=${b#*=} steady "$BIG"
				row "$BIG" "${b%%=*}" "task iterator"
			done
		done
	fi
	summary
	echo
	echo "(BIG: + $EXTRA idle processes outside containers; ${BINS})"
	if [ -n "${floors:-}" ]; then
		echo
		echo "The task iterator's read alone at BIG (\`bpf_ctr_bench host 10 1000\`, this tree's programs), and a"
		echo "program that does nothing over the same tasks (the kernel's own visit: the path's floor):"
		echo
		printf '%s' "$floors"
	fi
	exit 0
fi

# 1 + 2: steady state
steady "$N"

# docker stats --no-stream for the same containers
ids=$(docker ps -q --filter "label=gestor.test=$TAG")
for i in 1 2 3 4 5; do
	a=$(date +%s%N)
	docker stats --no-stream $ids >/dev/null
	b=$(date +%s%N)
	echo $(((b - a) / 1000)) | awk '{printf "%.1f\n", $1 / 1000}'
done >"$TMP/dstats"
ds_med=$(med <"$TMP/dstats")
ratio=$(awk -v a="$ds_med" -v b="$meas_med" 'BEGIN {printf "%.0f", a / b}')

# 1 again at BIG containers, with EXTRA idle processes outside containers
# (a forked helper; its children die with it)
if [ "$BIG" -gt "$N" ]; then
	n_cpu=$cpu n_rss=$rss n_rss_max=$rss_max n_meas_med=$meas_med n_meas_p95=$meas_p95
	n_cyc_med=$cyc_med n_load=$load n_nprocs=$nprocs n_list_med=$list_med
	n_hwm=$hwm n_priv=$priv n_libs=$libs n_cycles=$cycles n_src=$srcline
	grow_big
	steady "$BIG"
	b_cpu=$cpu b_rss=$rss b_rss_max=$rss_max b_meas_med=$meas_med b_meas_p95=$meas_p95
	b_cyc_med=$cyc_med b_load=$load b_nprocs=$nprocs b_list_med=$list_med b_src=$srcline
	# the same BIG with the BPF task iterator instead of the cgroup walk
	# (what servicio does on kernels before 6.7): the walk's effect, one run
	if [[ "$srcline" == *"cgroup walk)"* ]]; then
		echo "the same $BIG with the task iterator (GESTOR_BPF_NO_CGWALK=1)..." >&2
		export GESTOR_BPF_NO_CGWALK=1
		steady "$BIG"
		unset GESTOR_BPF_NO_CGWALK
		i_cpu=$cpu i_rss_max=$rss_max i_meas_med=$meas_med i_meas_p95=$meas_p95
		i_cyc_med=$cyc_med i_load=$load
	fi
	kill -9 "$XPID"
	wait "$XPID" 2>/dev/null
	XPID=
	echo "removing the $((BIG - N)) extra containers..." >&2
	docker ps -aq --filter "label=gestor.test=$TAG" --filter "name=$TAG-big" | xargs -r docker rm -f >/dev/null
	cpu=$n_cpu rss=$n_rss rss_max=$n_rss_max meas_med=$n_meas_med meas_p95=$n_meas_p95
	cyc_med=$n_cyc_med load=$n_load list_med=$n_list_med
	hwm=$n_hwm priv=$n_priv libs=$n_libs cycles=$n_cycles srcline=$n_src
fi

# 3: crossing the quota -> removal
for i in 1 2 3; do mk "base$i" "$TAG-rm"; done
sleep 1
since=$(date +%s)
"$SVT" "${COMMON[@]}" --scope "gestor.test=$TAG-rm" --keep-low 3 --ranking oldest >"$TMP/rm.log" 2>&1 &
SPID=$!
sleep 3
for i in $(seq 1 "$TRIALS"); do
	mk "n$i" "$TAG-rm"
	for _ in $(seq 200); do docker inspect "$TAG-n$i" >/dev/null 2>&1 || break; sleep 0.05; done
	sleep "0.$((RANDOM % 10))" # a different phase of the cycle each time
done
kill -INT "$SPID"
wait "$SPID"
SPID=
events "$since" "$TAG-rm" "$TMP/events"
for i in $(seq 1 "$TRIALS"); do
	n=$TAG-n$i
	st=$(event_ns "$TMP/events" "$n" '^start$')
	kl=$(event_ns "$TMP/events" "$n" '^kill')
	de=$(event_ns "$TMP/events" "$n" '^destroy$')
	[ -n "$st" ] && [ -n "$kl" ] && [ -n "$de" ] || continue
	echo "$(((kl - st) / 1000000)) $(((de - st) / 1000000)) $(((de - kl) / 1000000))"
done >"$TMP/removal"
others=$(awk '$2 == "destroy" && $3 !~ /-n[0-9]+$/' "$TMP/events" | wc -l)
rk_med=$(cut -d' ' -f1 "$TMP/removal" | med)
rk_max=$(cut -d' ' -f1 "$TMP/removal" | sort -n | tail -n1)
rd_med=$(cut -d' ' -f2 "$TMP/removal" | med)
rd_max=$(cut -d' ' -f2 "$TMP/removal" | sort -n | tail -n1)
kd_med=$(cut -d' ' -f3 "$TMP/removal" | med)

# 4: mass removal, N-3 containers in one cycle
"$SVT" "${COMMON[@]}" --scope "gestor.test=$TAG" --keep-low 3 --once >"$TMP/mass.log" 2>&1
mass_ms=$(sed -n 's/.*removals \([0-9.]*\) ms.*/\1/p' "$TMP/mass.log" | tail -n1)
mass_n=$(grep -c 'INFO  removed ' "$TMP/mass.log")
left=$(docker ps -q --filter "label=gestor.test=$TAG" | wc -l)

cat <<EOT
### servicio — $N managed containers, 1 s interval ($(date -u +%Y-%m-%d), $(nproc) cores, load average $load)

| what | measured | target |
| --- | --- | --- |
| servicio CPU over ${RUN} s (release build) | ${cpu} % of one core | < 0.5 % |
| servicio RSS at the end / largest of $RUN samples (1 per s) | $((rss / 1024)).$((rss % 1024 * 10 / 1024)) MiB / $((rss_max / 1024)).$((rss_max % 1024 * 10 / 1024)) MiB | < 5 MiB |
| servicio peak RSS since its start (VmHWM: start-up, before it trims its start-up pages) | $((hwm / 1024)).$((hwm % 1024 * 10 / 1024)) MiB | |
| of which shared-library pages / servicio's own (private dirty) memory | $((libs / 1024)).$((libs % 1024 * 10 / 1024)) MiB / $((priv / 1024)).$((priv % 1024 * 10 / 1024)) MiB | |
| measuring part of a cycle (snapshot + per-container CPU % and memory), median / p95 of $cycles cycles | ${meas_med} ms / ${meas_p95} ms | |
| docker list (names, labels) per cycle, median | ${list_med} ms | |
| whole cycle (measure, list, decide, table, log POST), median | ${cyc_med} ms | |
| \`docker stats --no-stream\` for the same $N containers, median of 5 | ${ds_med} ms | |
| measuring part vs docker stats | ${ratio}x faster | >= 500x |
| container start -> servicio's kill, median / max of $(wc -l <"$TMP/removal") | ${rk_med} ms / ${rk_max} ms | |
| container start -> container destroyed, median / max | ${rd_med} ms / ${rd_max} ms | <= 1200 ms (interval + 200 ms) |
| kill -> destroyed (Docker's own teardown), median | ${kd_med} ms | |
| other containers removed during the removal trials | ${others} | 0 |
| one cycle removing $mass_n of $N containers (4 workers, kill + delete each): removal part | ${mass_ms} ms ($left left) | |
EOT
if [ "$BIG" -gt "$N" ]; then
	grow() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1fx", b / a}'; }
	cat <<EOT

### servicio — $N and $BIG managed containers in one run, 1 s interval, dry of removals (--keep-low = all)

| what | $N containers | $BIG containers (+ $EXTRA idle processes) | growth ($(awk -v a="$N" -v b="$BIG" 'BEGIN {printf "%.0fx", b / a}') containers) | target at $BIG |
| --- | --- | --- | --- | --- |
| processes on the machine | $n_nprocs | $b_nprocs | | |
| measuring part of a cycle, median / p95 | ${n_meas_med} / ${n_meas_p95} ms | ${b_meas_med} / ${b_meas_p95} ms | $(grow "$n_meas_med" "$b_meas_med") | <= 25 ms, no faster than linear |
| docker list or ping per cycle, median | ${n_list_med} ms | ${b_list_med} ms | | |
| whole cycle (measure, list, decide, table, log POST), median | ${n_cyc_med} ms | ${b_cyc_med} ms | $(grow "$n_cyc_med" "$b_cyc_med") | |
| servicio CPU over ${RUN} s (release build) | ${n_cpu} % | ${b_cpu} % | $(grow "$n_cpu" "$b_cpu") | <= 2 % of one core |
| servicio RSS at the end / largest of $RUN samples | $(mib "$n_rss") / $(mib "$n_rss_max") MiB | $(mib "$b_rss") / $(mib "$b_rss_max") MiB | | <= 8 MiB |
| load average during the run (1, 5, 15 min; $(nproc) cores, shared) | $n_load | $b_load | | |
| servicio's start-up line | $n_src | $b_src | | |
EOT
	if [ -n "${i_cpu:-}" ]; then
		cat <<EOT

The same $BIG containers and $EXTRA processes, servicio reading the BPF task iterator instead of
the cgroup walk (\`GESTOR_BPF_NO_CGWALK=1\`: what it does on kernels before 6.7), just after:

| what | cgroup walk | task iterator | task iterator ÷ walk |
| --- | --- | --- | --- |
| servicio CPU over ${RUN} s | ${b_cpu} % | ${i_cpu} % | $(grow "$b_cpu" "$i_cpu") |
| measuring part, median / p95 | ${b_meas_med} / ${b_meas_p95} ms | ${i_meas_med} / ${i_meas_p95} ms | $(grow "$b_meas_med" "$i_meas_med") |
| whole cycle, median | ${b_cyc_med} ms | ${i_cyc_med} ms | $(grow "$b_cyc_med" "$i_cyc_med") |
| RSS, largest of $RUN samples | $(mib "$b_rss_max") MiB | $(mib "$i_rss_max") MiB | |
| load average (1, 5, 15 min) | $b_load | $i_load | |
EOT
	fi
fi
