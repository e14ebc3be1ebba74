#!/usr/bin/env bash
# top.sh — `servicio top` driven under tmux (send-keys, capture-pane) while
# a real servicio manages four containers of this suite (two holding 40 and
# 20 MiB, two idle; a dry run with a grace age, so that nothing goes and
# the view shows kept, grace and its countdown). Checks: every container
# shown with class, CPU, memory, decision and time to removal; the view
# follows servicio's cycles (the cycle number grows); m, n, t sort by
# memory, name, time to removal; / filters (and the count says so); q
# quits with status 0; and no flicker: after the first screen, top never
# sends the terminal's clear-screen sequence (only the changed cells).
# parallel: yes docker
# timeout: 180
source "$(dirname "$0")/common.sh"
svt_need
need_cmd tmux python3
admin_start

mk high-ram ram40 -e MEM_MB=40 --memory 200m
mk high-ram ram20 -e MEM_MB=20 --memory 200m
mk low lowa
mk low lowb
holding() { docker logs "$SVT_TAG-$1" 2>&1 | grep -q "holding $2 MiB"; }
wait_for 60 holding ram40 40 || fail "ram40 never said it holds its memory"
wait_for 60 holding ram20 20 || fail "ram20 never said it holds its memory"

# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --metrics-listen none --interval 1 --dry-run --grace 600 \
	--keep-high 1 --keep-low 1 --high-mem 30 >"$SVT_TMP/svt.log" 2>&1 &
SVT_PID=$!
on_exit "stop_pid $SVT_PID"
rows4() { [ "$(jq '.containers | length' "$SVT_TMP/state/status.json" 2>/dev/null)" = 4 ]; }
wait_for 60 rows4 || fail "servicio wrote no status with 4 containers: $(tail -n5 "$SVT_TMP/svt.log")"

TM=(tmux -L "$SVT_TAG") # a tmux server of this suite's own
on_exit "${TM[*]} kill-server"
"${TM[@]}" -f /dev/null new-session -d -x 200 -y 30 -e TERM=screen \
	"'$SVT_BIN' top --state-dir '$SVT_TMP/state' 2>'$SVT_TMP/top.err'; echo top-exit=\$?; sleep 60"
"${TM[@]}" pipe-pane -o "cat >>'$SVT_TMP/raw'"
screen() { "${TM[@]}" capture-pane -p >"$SVT_TMP/screen"; }
# rows: the names of the data rows in screen order, without the suite's prefix
rows() { screen; sed -n '5,$p' "$SVT_TMP/screen" | awk -v p="$SVT_TAG-" 'index($1, p) == 1 { print substr($1, length(p) + 1) }' | paste -sd' '; }
shows() { screen; grep -q "$1" "$SVT_TMP/screen"; }
cycle() { screen; sed -n 's/^servicio top  cycle \([0-9]*\) .*/\1/p' "$SVT_TMP/screen"; }

wait_for 20 shows "4 of 4 shown" || fail "top shows no rows: $(cat "$SVT_TMP/screen" "$SVT_TMP/top.err")"
cat "$SVT_TMP/screen"
check "the header names the columns" shows "CONTAINER .* CLASS .* CPU % .* MEMORY .* DECISION .* REMOVAL"
check "ram40: high, kept" shows "$SVT_TAG-ram40 .* high .* kept "
check "the idle ones and ram20: low" [ "$(grep -c " low .*\(kept\|grace\)" "$SVT_TMP/screen")" = 3 ]
check "the held ones count down to their removal (grace, 5xx s)" grep -q " grace  *5[0-9][0-9]s" "$SVT_TMP/screen"
c1=$(cycle)
more() { [ "$(cycle)" -gt "$((c1 + 1))" ]; }
check "the view follows servicio's cycles (cycle $c1, then more)" wait_for 20 more

"${TM[@]}" send-keys m
sorted_mem() { rows | grep -q '^ram40 ram20 '; }
check "m: sorted by memory, heaviest first" wait_for 10 sorted_mem
check "m: the title says so" shows "sort: memory"
"${TM[@]}" send-keys n
sorted_name() { [ "$(rows)" = "lowa lowb ram20 ram40" ]; }
check "n: sorted by name" wait_for 10 sorted_name
"${TM[@]}" send-keys t
grace_first() { screen; sed -n '5p' "$SVT_TMP/screen" | grep -q ' grace '; }
check "t: sorted by time to removal, the held ones first" wait_for 10 grace_first
"${TM[@]}" send-keys / r a m Enter
filtered() { [ "$(rows | tr ' ' '\n' | sort | paste -sd' ')" = "ram20 ram40" ] && shows "2 of 4 shown"; }
check "/ram: only the ram containers, 2 of 4 shown" wait_for 10 filtered
cat "$SVT_TMP/screen"
"${TM[@]}" send-keys q
quit() { shows "top-exit=0"; }
check "q: top quits with status 0" wait_for 10 quit
check "top wrote nothing on stderr" [ ! -s "$SVT_TMP/top.err" ]
# screen's clear-screen is ESC [H ESC [J (tput -T screen clear)
clears=$(python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); print(d.count(b"\x1b[H\x1b[J") + d.count(b"\x1b[2J"))' "$SVT_TMP/raw")
check "no flicker: the screen was cleared at most once ($clears), over $(wc -c <"$SVT_TMP/raw") bytes" [ "$clears" -le 1 ]
finish
