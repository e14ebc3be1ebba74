#!/usr/bin/env bash
# bench/timings.sh — the figures that tests used to assert as "under N s"
# (issue 29 item 4: a test waits on events with deadlines that only catch a
# hang; how fast is measured here, on a machine said to be quiet or not):
#   1. servicio's second SIGINT: from the signal to the exit (130), while
#      the first one's stop waits for a stopped admin_logs to take the spool
#      (tests/servicio/sigint.sh used to want < 1 s). REPS runs, ASan build
#      when built (as the suite runs it), else the release one.
#   2. scripts/cron.sh install and remove, each: the time of one edit
#      under its lock (tests/hardening/trust_lock.sh used to want the
#      install < 30 s with another user holding the old lock). On a
#      crontab file of this benchmark (GESTOR_CRONTAB_FILE) and a run
#      directory of its own: root's crontab is not touched. REPS runs.
#   3. admin_logs's answers to a sender under slow HTTP attacks: the
#      latency of each one-record batch (p50, p99, max) while slowhttptest
#      holds 1,000 connections, per mode (tests/hardening/slow.sh used to
#      want every batch < 2 s): the suite itself is run and its "sender:"
#      lines are the figures. SLOW=0 leaves it out (2 minutes).
#   4. a cached `make -C contenedores images` (nothing changed: Docker's
#      layer cache gives the same image ids; tests/contenedores/images.sh
#      used to want < 20 s). REPS runs.
# The time from a container crossing the quota to its removal by an event's
# cycle (tests/servicio/events.sh) is bench/servicio.sh's part 3.
# Prints Markdown tables. Needs root, Docker and the images (1), `make`
# and `make test-bins` done ($BUILD or build/).
# Usage: bench/timings.sh [REPS]   (default 5)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export GESTOR_TOP=$TOP GESTOR_BUILD=$BUILD GESTOR_BIN=$BUILD/bin
REPS=${1:-5}
die() { echo "bench/timings: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
svt=$BUILD/asan/bin/servicio
[ -x "$svt" ] || svt=$BUILD/bin/servicio
[ -x "$svt" ] && [ -x "$BUILD/bin/admin_logs" ] || die "servicio and admin_logs are not built (make; make test-bins)"
work=$(mktemp -d /tmp/gestor-bench-timings.XXXXXX)
tag=gbt-$$
apid="" spid=""
cleanup() {
	[ -n "$spid" ] && kill -9 "$spid" 2>/dev/null
	[ -n "$apid" ] && kill "$apid" 2>/dev/null
	docker ps -aq --filter "label=gestor.test=$tag" | xargs -r docker rm -f >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
# median and max of the numbers on stdin
stats() { sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%s / %s", v[int((NR + 1) / 2)], v[NR]; else printf "-" }'; }

echo "## 1. servicio: second SIGINT to exit ($(basename "$(dirname "$(dirname "$svt")")")/bin/servicio, $REPS runs)"
docker run -d --name "$tag-l1" --network none --label gestor.managed=true --label gestor.class=low \
	--label "gestor.test=$tag" gestor/low:latest >/dev/null || die "docker run gestor/low:latest (make images)"
: >"$work/sigint.ms"
for i in $(seq 1 "$REPS"); do
	rm -f "$work/port"
	"$BUILD/bin/admin_logs" --port 0 --port-file "$work/port" --db "$work/a$i.db" --quiet >/dev/null 2>&1 &
	apid=$!
	for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
	log=$work/sigint$i.log
	GESTOR_TABLE=true "$svt" --log-url "http://127.0.0.1:$(cat "$work/port")" --scope "gestor.test=$tag" \
		--spool "$work/spool$i/spool" --state-dir "$work/state$i" --host "$tag" --metrics-listen none \
		--interval 1 --dry-run --no-cron >"$log" 2>&1 &
	spid=$!
	for _ in $(seq 1 600); do grep -qs '^cycle 1 ' "$log" && break; sleep 0.1; done
	kill "$apid" && wait "$apid" 2>/dev/null
	apid=
	n=$(grep -c '^cycle [0-9]* ' "$log")
	for _ in $(seq 1 600); do [ "$(grep -c '^cycle [0-9]* ' "$log")" -ge $((n + 2)) ] && break; sleep 0.1; done
	kill -INT "$spid"
	for _ in $(seq 1 600); do grep -q 'press Ctrl+C again' "$log" && break; sleep 0.1; done
	t0=$(date +%s%N)
	kill -INT "$spid"
	wait "$spid"
	rc=$?
	t1=$(date +%s%N)
	spid=
	[ "$rc" = 130 ] || echo "  (run $i: exit $rc, not 130)"
	echo $(((t1 - t0) / 1000000)) >>"$work/sigint.ms"
done
echo
echo "| runs | exit after the second SIGINT, median / max (ms) | each (ms) |"
echo "|---:|---:|---|"
echo "| $REPS | $(stats <"$work/sigint.ms") | $(paste -sd' ' "$work/sigint.ms") |"
echo

echo "## 2. scripts/cron.sh install / remove (a crontab file of its own, $REPS runs)"
: >"$work/install.ms"
: >"$work/remove.ms"
mkdir -m 700 "$work/run"
for i in $(seq 1 "$REPS"); do
	for op in install remove; do
		t0=$(date +%s%N)
		GESTOR_CRONTAB_FILE=$work/crontab GESTOR_RUN_DIR=$work/run GESTOR_CRON_ID=bench-timings-$$ \
			GESTOR_CRON_LOG=$work/cron.log "$TOP/scripts/cron.sh" "$op" >"$work/cron.out" 2>&1 ||
			{ echo "  (run $i: cron.sh $op failed: $(tail -n 1 "$work/cron.out"))"; }
		echo $((($(date +%s%N) - t0) / 1000000)) >>"$work/$op.ms"
	done
done
echo
echo "| edit | median / max (ms) | each (ms) |"
echo "|---|---:|---|"
for op in install remove; do
	echo "| $op | $(stats <"$work/$op.ms") | $(paste -sd' ' "$work/$op.ms") |"
done
echo

echo "## 4. make -C contenedores images, cached ($REPS runs)"
make -s -C "$TOP/contenedores" images >/dev/null 2>&1 || echo "  (the first make images failed)"
: >"$work/images.ms"
for i in $(seq 1 "$REPS"); do
	t0=$(date +%s%N)
	make -s -C "$TOP/contenedores" images >/dev/null 2>&1 || echo "  (run $i: make images failed)"
	echo $((($(date +%s%N) - t0) / 1000000)) >>"$work/images.ms"
done
echo
echo "| runs | median / max (ms) | each (ms) |"
echo "|---:|---:|---|"
echo "| $REPS | $(stats <"$work/images.ms") | $(paste -sd' ' "$work/images.ms") |"
echo

if [ "${SLOW:-1}" != 0 ]; then
	echo "## 3. admin_logs under slow HTTP attacks: a sender's batches (tests/hardening/slow.sh, one run)"
	env -i PATH="$PATH" HOME="${HOME:-/root}" GESTOR_TOP="$TOP" GESTOR_BUILD="$BUILD" GESTOR_BIN="$BUILD/bin" \
		timeout 400 "$TOP/tests/hardening/slow.sh" >"$work/slow.log" 2>&1
	rc=$?
	echo
	echo "| attack | batches sent | acknowledged | latency p50 / p99 / max (s) |"
	echo "|---|---:|---:|---|"
	sed -n 's/^attack \([a-z_]*\): .*sender: \([0-9]*\) batches, \([0-9]*\) acknowledged, .*slowest \([0-9.]*\) s, p50 \([0-9.]*\) s, p99 \([0-9.]*\) s$/| \1 | \2 | \3 | \5 \/ \6 \/ \4 |/p' "$work/slow.log"
	echo
	echo "(the suite's verdict: exit $rc, $(grep -c '^ok ' "$work/slow.log") checks passed, $(grep -c '^not ok ' "$work/slow.log") failed)"
fi
