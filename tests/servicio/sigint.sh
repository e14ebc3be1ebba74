#!/usr/bin/env bash
# sigint.sh — the clean stop, with the real scripts/cron.sh on root's real
# crontab (a pair of its own, marked
# GESTOR_CRON_ID, whose job points at images that do not exist so cron
# never creates containers; the suite removes only its own lines at the
# end). servicio installs its cron lines at start; on
# SIGINT it exits 0, the graphs exist, its cron lines are gone and the
# user's other cron line is still there. A second SIGINT exits at once.
# timeout: 240
source "$(dirname "$0")/common.sh"
need_root
need_cmd crontab
svt_need
admin_start

# Root's crontab is shared: edit it under cron.sh's lock, and at the end take
# out only this suite's lines (a whole-file restore could undo someone else's).
saved=$SVT_TMP/crontab.saved
LOCK=/run/lock/gestor-cron.lock
crontab -u root -l >"$saved" 2>/dev/null || : >"$saved"
strip_ours() {
	(
		flock -w 60 9 || exit 1
		cur=$(crontab -u root -l 2>/dev/null | grep -v -- "$SVT_TAG")
		if [ -n "$cur" ]; then
			printf '%s\n' "$cur" | crontab -u root -
		else
			crontab -u root -r 2>/dev/null
		fi
	) 9>>"$LOCK"
	return 0
}
on_exit strip_ours
export GESTOR_CRON_ID=$SVT_TAG GESTOR_IMAGE_PREFIX=gsvt-none/ GESTOR_CRON_LOG=$SVT_TMP/cron.log
userline="17 3 * * * /bin/true # a user line $SVT_TAG"
(
	flock -w 60 9 || exit 1
	{
		crontab -u root -l 2>/dev/null
		echo "$userline"
	} | crontab -u root -
) 9>>"$LOCK" || fail "cannot edit root's crontab"
ours() { crontab -u root -l 2>/dev/null | grep -c "# gestor-cron:$SVT_TAG\$"; }
mk low l1
ARGS=(--log-url "http://127.0.0.1:$ADMIN_PORT" --scope "gestor.test=$SVT_TAG" --spool "$SVT_TMP/spool/spool" --interval 1 --dry-run --demo)

LOG=$SVT_TMP/sigint.log
"$SVT_BIN" "${ARGS[@]}" >"$LOG" 2>&1 &
PID=$!
on_exit "kill -9 $PID"
wait_for 60 grep -q '^cycle 2 ' "$LOG" || fail "no cycles: $(tail -n 5 "$LOG")"
check "cron lines installed at start (2)" [ "$(ours)" = 2 ]
kill -INT "$PID"
wait "$PID"
rc=$?
cat "$LOG" | grep -v '^gsvt\|^CONTAINER\|^cycle'
check "SIGINT: exit 0" [ "$rc" = 0 ]
report=$(sed -n 's/^report: \(.*\) (\([0-9]*\) graphs)$/\1/p' "$LOG")
ngraphs=$(sed -n 's/^report: \(.*\) (\([0-9]*\) graphs)$/\2/p' "$LOG")
check "the report's path is printed" [ -n "$report" ]
check "the report directory holds the graphs ($ngraphs)" bash -c "[ -n '$ngraphs' ] && [ '$ngraphs' -gt 0 ] && [ \$(ls '$report' | wc -l) -ge '$ngraphs' ]"
check "the cron lines are gone" [ "$(ours)" = 0 ]
check "the user's cron line remains" bash -c "crontab -u root -l | grep -qF '$userline'"
check "the other lines are as they were" bash -c "diff <(crontab -u root -l | grep -vF '$userline' | grep -v '# gestor-cron') <(grep -v '# gestor-cron' '$saved')"

# a second Ctrl+C exits at once: while the first one's stop waits (up to
# 15 s) for the stopped admin_logs to take the spool, the second ends it
# with 130 before the stop sequence is done. Shown by events (the first
# signal's "stopping" note, the missing "done:" line), not by a time: how
# fast the exit is is a figure of bench/timings.sh.
LOG2=$SVT_TMP/sigint2.log
"$SVT_BIN" "${ARGS[@]}" --no-cron >"$LOG2" 2>&1 &
PID=$!
wait_for 60 grep -q '^cycle 1 ' "$LOG2"
admin_stop # the flush would now wait for admin_logs
# two more cycles: their batches wait in the spool for the stop's flush
n=$(grep -c '^cycle [0-9]* ' "$LOG2")
wait_for 60 bash -c '[ "$(grep -c "^cycle [0-9]* " "$1")" -ge "$2" ]' _ "$LOG2" $((n + 2)) ||
	fail "no cycles after admin_logs stopped: $(tail -n 5 "$LOG2")"
kill -INT "$PID"
check "first SIGINT: servicio says it is stopping" wait_for 60 grep -q 'press Ctrl+C again to quit at once' "$LOG2"
t0=$(date +%s%N)
kill -INT "$PID"
# (a hang is caught by the suite's time limit; the 15 s flush would end
# with "done:" and 0)
wait "$PID"
rc=$?
t1=$(date +%s%N)
echo "# second SIGINT -> exit: $(((t1 - t0) / 1000000)) ms (a figure; bench/timings.sh measures it)"
check "second SIGINT: exit 130 (the handler's immediate exit)" [ "$rc" = 130 ]
check "... before the stop sequence ended (no \"done:\" line)" bash -c "! grep -q 'done: [0-9]* cycles' '$LOG2'"
finish
