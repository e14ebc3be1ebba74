#!/usr/bin/env bash
# dockerd.sh — dockerd restarted during a run: servicio reports it, goes on
# deciding when the daemon is back, and does not crash.
#
# It restarts the machine's shared Docker daemon (every container on it
# stops), so it runs only where that is allowed: CI=true or
# GESTOR_DISRUPTIVE=1; otherwise it is skipped.
# timeout: 400
# alone: yes
source "$(dirname "$0")/common.sh"
[ "${CI:-}" = true ] || [ "${GESTOR_DISRUPTIVE:-}" = 1 ] ||
	skip "restarts the shared dockerd: runs only with CI=true or GESTOR_DISRUPTIVE=1"
need_root
svt_need
admin_start # a process: it lives through the daemon restart
for i in 1 2 3 4; do mk low "a$i"; done
LOG=$SVT_TMP/dockerd.log
# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --interval 1 >"$LOG" 2>&1 &
PID=$!
on_exit "kill -9 $PID"
ncycles() { grep -c '^cycle [0-9]' "$LOG"; }
wait_for 60 bash -c "[ \$(grep -c '^cycle [0-9]' '$LOG') -ge 3 ]" || fail "no cycles: $(tail -n 5 "$LOG")"
check "before the restart: 3 low remain" [ "$(count_class low)" = 3 ]

restart_dockerd() {
	if command -v systemctl >/dev/null && systemctl is-active --quiet docker 2>/dev/null; then
		systemctl restart docker
		return
	fi
	local dpid
	dpid=$(pgrep -xo dockerd) || fail "no dockerd process"
	kill -TERM "$dpid"
	wait_for 60 bash -c "! kill -0 $dpid 2>/dev/null" || fail "dockerd did not stop"
	sleep 3 # servicio runs cycles without a daemon
	"$GESTOR_TOP/scripts/setup.sh" --quiet --no-cron || fail "dockerd did not start again"
}
restart_dockerd
wait_for 60 docker_up || fail "dockerd is not back"
wait_for 60 grep -q 'Docker daemon answers again' "$LOG"
grep -E 'Docker|ERROR|WARN' "$LOG" | tail -n 20
check "servicio reported the daemon down" grep -q 'Docker daemon unreachable' "$LOG"
check "servicio reported it back" grep -q 'Docker daemon answers again' "$LOG"
check "servicio is still running" kill -0 "$PID"
# the old containers stopped with the daemon; new ones are decided again
for i in 1 2 3 4 5; do mk low "b$i"; done
wait_for 60 bash -c "[ \$(docker ps -q --filter label=gestor.test=$SVT_TAG --filter label=gestor.class=low | wc -l) = 3 ]"
check "after the restart: servicio removes again (3 low remain)" [ "$(count_class low)" = 3 ]
kill -INT "$PID"
wait "$PID"
check "SIGINT: exit 0 (no crash)" [ $? = 0 ]
finish
