#!/usr/bin/env bash
# spool.sh — logs are never lost and never doubled.
# 1. servicio runs at a 1 s interval; admin_logs is stopped for several
#    cycles, then started again on the same port and database: every cycle's
#    sample and every decision arrive exactly once.
# 2. admin_logs down, servicio killed with SIGKILL while its spool holds
#    batches; admin_logs back, servicio started again: the batches the
#    spool held are delivered, each exactly once.
# parallel: yes docker
# timeout: 300
source "$(dirname "$0")/common.sh"
svt_need
admin_start
PORT=$ADMIN_PORT
mk low l1
mk high-ram r1 -e MEM_MB=70 --memory 150m
SPOOL=$SVT_TMP/spool/spool
LOG=$SVT_TMP/run1.log

cycles_seen() { grep -c '^cycle [0-9]' "$1" 2>/dev/null || echo 0; }
# wait_cycles LOG N: until LOG shows N cycles
wait_cycles() { wait_for 60 bash -c "[ \$(grep -c '^cycle [0-9]' '$1') -ge $2 ]"; }
# records PID TYPE: this run's records of a type as "cycle name" lines
records() {
	admin_get "type=$2&limit=10000" | jq -r --arg p ".$1-" \
		'.records[] | select(.batch_id | contains($p)) | "\(.cycle) \(.container.name // "-")"' | sort -n
}

# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --interval 1 --dry-run >"$LOG" 2>&1 &
PID=$!
on_exit "kill -9 $PID"
wait_cycles "$LOG" 2 || fail "servicio did not run 2 cycles: $(tail -n 5 "$LOG")"
admin_stop
c0=$(cycles_seen "$LOG")
wait_cycles "$LOG" $((c0 + 5)) || fail "servicio stopped cycling without admin_logs"
check "servicio says it spools" grep -q 'logs go to the spool' "$LOG"
check "the spool holds batches while admin_logs is down" test -s "$SPOOL"
admin_start "$PORT"
check "admin_logs is back on port $PORT" [ "$ADMIN_PORT" = "$PORT" ]
wait_for 60 grep -q '(0 left)' "$LOG"
check "servicio delivered the spool" grep -q '(0 left)' "$LOG"
c1=$(cycles_seen "$LOG")
wait_cycles "$LOG" $((c1 + 1))
kill -INT "$PID"
wait "$PID"
check "SIGINT: exit 0" [ $? = 0 ]
n=$(sed -n 's/.*done: \([0-9]*\) cycles.*/\1/p' "$LOG")
echo "servicio ran $n cycles"
records "$PID" sample >"$SVT_TMP/s1"
check "one sample per cycle: $n stored" [ "$(wc -l <"$SVT_TMP/s1")" = "$n" ]
check "samples: cycles 1..$n, none twice" [ "$(cut -d' ' -f1 "$SVT_TMP/s1" | tr '\n' ' ')" = "$(seq -s' ' 1 "$n") " ]
records "$PID" decision >"$SVT_TMP/d1"
check "two decisions per cycle: $((2 * n)) stored" [ "$(wc -l <"$SVT_TMP/d1")" = $((2 * n)) ]
check "no decision twice" [ "$(sort -u "$SVT_TMP/d1" | wc -l)" = $((2 * n)) ]
check "the spool is empty at exit" [ ! -s "$SPOOL" ]

# 2: killed with a non-empty spool
admin_stop
LOG2=$SVT_TMP/run2.log
# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --interval 1 --dry-run >"$LOG2" 2>&1 &
PID2=$!
on_exit "kill -9 $PID2"
wait_cycles "$LOG2" 3 || fail "second run: $(tail -n 5 "$LOG2")"
sleep 0.5
kill -9 "$PID2"
wait "$PID2" 2>/dev/null
check "the killed run left batches in the spool" test -s "$SPOOL"
# the head file says where the undelivered part starts
head=$(cat "$SPOOL.head" 2>/dev/null || echo 0)
tail -c +$((head + 1)) "$SPOOL" | jq -r .batch_id >"$SVT_TMP/left"
echo "left in the spool: $(tr '\n' ' ' <"$SVT_TMP/left")"
check "at least 2 batches left" [ "$(wc -l <"$SVT_TMP/left")" -ge 2 ]
admin_start "$PORT"
LOG3=$SVT_TMP/run3.log
# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --once --dry-run >"$LOG3" 2>&1
check "the restarted servicio exits 0" [ $? = 0 ]
check "the restart says it found the batches" grep -q 'left by an earlier run' "$LOG3"
ok=1
while read -r b; do
	# each batch: one sample + 2 decisions, stored once
	got=$(admin_get "batch=$b&limit=100" | jq '.count')
	[ "$got" = 3 ] || { echo "batch $b: $got records"; ok=0; }
done <"$SVT_TMP/left"
check "every spooled batch delivered exactly once" [ "$ok" = 1 ]
check "the spool is empty afterwards" [ ! -s "$SPOOL" ]
finish
