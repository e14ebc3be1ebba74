#!/usr/bin/env bash
# leak.sh — no leak over 100 cycles: the ASan+LeakSanitizer build of
# servicio runs 100 cycles at a 1 s interval (--dry-run, 5 managed
# containers, a real admin_logs, and admin_logs away for a stretch so the
# spool path runs too), then stops on SIGINT; LeakSanitizer reports any leak
# at exit (non-zero status). (RSS under ASan grows with its quarantine of
# freed memory, so the RSS over time is measured on the release build by
# bench/servicio.sh instead.)
# parallel: yes docker light
# timeout: 300
source "$(dirname "$0")/common.sh"
svt_need
[[ "$SVT_BIN" == */asan/* ]] || skip "needs the ASan build (make test-bins)"
admin_start
PORT=$ADMIN_PORT
for i in 1 2 3 4; do mk low "l$i"; done
mk high-ram r1 -e MEM_MB=70 --memory 150m
LOG=$SVT_TMP/leak.log
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=66
# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --interval 1 --dry-run --keep-low 2 >"$LOG" 2>&1 &
PID=$!
on_exit "kill -9 $PID"
cycles() { grep -c '^cycle [0-9]' "$LOG"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$PID/status"; }
wait_for 60 bash -c "[ \$(grep -c '^cycle [0-9]' '$LOG') -ge 20 ]" || fail "no cycles: $(tail -n 5 "$LOG")"
rss20=$(rss)
admin_stop # cycles 20..~30 go through the spool
wait_for 30 bash -c "[ \$(grep -c '^cycle [0-9]' '$LOG') -ge 30 ]"
admin_start "$PORT"
wait_for 200 bash -c "[ \$(grep -c '^cycle [0-9]' '$LOG') -ge 100 ]" || fail "only $(cycles) cycles"
rss100=$(rss)
kill -INT "$PID"
wait "$PID"
rc=$?
echo "RSS after 20 cycles: ${rss20} kB, after 100: ${rss100} kB (ASan build)"
grep -E 'LeakSanitizer|ERROR: AddressSanitizer|runtime error' -A 20 "$LOG" | head -60
check "exit 0 after $(cycles) cycles (LeakSanitizer found no leak)" [ "$rc" = 0 ]
check "no sanitizer report" bash -c "! grep -qE 'LeakSanitizer|AddressSanitizer|runtime error' '$LOG'"
check "the spool was used and emptied" grep -q '(0 left)' "$LOG"
finish
