# tests/lib.sh — helpers for the shell integration suites (source it).
#
# A suite exits 0 when it passed, 77 when it cannot run here (after printing
# "skipped: <why>"), anything else when it failed. Helpers here: skip, fail,
# check (one named assertion, counted), partial (a part of the suite that
# cannot run here), need_root, need_docker, and on_exit (cleanup actions
# that run also when the suite fails).
#
# A failed check is a failure whatever follows: skip after a failed check
# exits 1, not 77. A suite that leaves a part out calls partial "part: why";
# finish then ends it as skipped (77, "skipped: part ...") when every check
# passed, so a suite that did not run all of itself never counts as passed.

set -uo pipefail
GESTOR_TOP=${GESTOR_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
GESTOR_BUILD=${GESTOR_BUILD:-$GESTOR_TOP/build}
GESTOR_BIN=${GESTOR_BIN:-$GESTOR_BUILD/bin}
T_CHECKS=0
T_FAILS=0
T_CLEANUP=()
T_PARTS=()
# the suite's stderr, kept for what a cleanup action must still say (the
# actions' own output is dropped: see t_run_cleanup)
exec {T_ERR}>&2

skip() {
	if [ "$T_FAILS" -gt 0 ]; then
		echo "FAIL: $T_FAILS check(s) failed before the suite gave up (would-be skip: $*)"
		exit 1
	fi
	echo "skipped: $*"
	exit 77
}
# partial "part: why": this part of the suite is left out here; the suite
# goes on, and finish reports it as skipped (or failed, if a check failed)
partial() {
	echo "# part left out: $*"
	T_PARTS+=("$*")
}
fail() {
	echo "FAIL: $*"
	exit 1
}
# check "what" command...: runs the command, records and prints the result
check() {
	local what=$1
	shift
	T_CHECKS=$((T_CHECKS + 1))
	if "$@"; then
		echo "ok $T_CHECKS - $what"
	else
		T_FAILS=$((T_FAILS + 1))
		echo "not ok $T_CHECKS - $what"
	fi
}
# finish: the suite's verdict from its checks
finish() {
	echo "# $T_CHECKS checks, $T_FAILS failed"
	[ "$T_CHECKS" -gt 0 ] || fail "no checks ran"
	[ "$T_FAILS" = 0 ] || exit 1
	if [ "${#T_PARTS[@]}" -gt 0 ]; then
		local t_why t_p
		t_why=
		for t_p in "${T_PARTS[@]}"; do t_why+="${t_why:+; }part $t_p"; done
		echo "skipped: $t_why"
		exit 77
	fi
	exit 0
}
# Each action runs in a subshell: an action's own variables (a "for i" loop)
# cannot change which actions run after it.
t_run_cleanup() {
	local t_k
	for ((t_k = ${#T_CLEANUP[@]} - 1; t_k >= 0; t_k--)); do
		(eval "${T_CLEANUP[t_k]}") >/dev/null 2>&1 || true
	done
}
on_exit() { T_CLEANUP+=("$*"); }
trap t_run_cleanup EXIT

need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
need_cmd() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "'$c' is not installed"; done
}
# free_port: a TCP port on 127.0.0.1 that nobody listens on now
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
. "$GESTOR_TOP/scripts/docker-up.sh"
need_docker() { docker_up || skip "no Docker daemon answers on /var/run/docker.sock"; }
# stop_pid PID [SECONDS]: SIGTERM, then wait until it is gone (a zombie
# counts as gone), SIGKILL after SECONDS (30). For a cleanup action: a
# daemon that stops gracefully (servicio flushes its logs, ASan and gcov
# write at exit) may need seconds on a loaded machine, and one still
# running after the suite is a leftover.
stop_pid() {
	local p=$1 n=$((${2:-30} * 10)) st
	kill "$p" 2>/dev/null || return 0
	while [ "$n" -gt 0 ]; do
		read -r st <"/proc/$p/stat" 2>/dev/null || return 0
		st=${st##*) }
		[ "${st%% *}" = Z ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	kill -9 "$p" 2>/dev/null
	return 0
}
# docker_rm_label KEY=VALUE: removes every container with that label, and
# tries again while any is left: under load dockerd can refuse or lose a
# removal ("removal already in progress", a kill that times out), and a
# single `docker rm -f` then leaves the suite's containers behind. What is
# still there after 5 tries is said on the suite's stderr, with Docker's
# last error.
docker_rm_label() {
	local ids err='' i
	for i in 1 2 3 4 5; do
		if ids=$(docker ps -aq --filter "label=$1" 2>&1); then
			[ -z "$ids" ] && return 0
			# shellcheck disable=SC2086
			err=$(docker rm -f $ids 2>&1 >/dev/null) && continue
		else
			err=$ids
		fi
		sleep "$i"
	done
	ids=$(docker ps -aq --filter "label=$1" 2>/dev/null)
	[ -z "$ids" ] && return 0
	echo "# cleanup: containers labelled $1 still there after 5 tries: $(echo $ids); Docker said: $err" >&"$T_ERR"
	return 1
}
# wait_for SECONDS command...: poll every 0.2 s until the command succeeds
wait_for() {
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
