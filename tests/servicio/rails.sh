#!/usr/bin/env bash
# rails.sh — servicio's safety rails (servicio/rails.h, state.h) against the
# real Docker engine and a real admin_logs, each rail set by its key and
# checked where it shows (what runs, the decision records, the table):
#   protect       a container labelled gestor.protect=true survives a cycle
#                 that removes its twin, logged kept "protected";
#   max-removals  2 of 4 surplus containers removed in one cycle, the other
#                 2 kept with "removal cap";
#   grace         a container a few seconds old is kept ("grace") under
#                 --grace 300, and removed by --grace 1;
#   stop-timeout  the removal is docker stop -t: a container that exits on
#                 SIGTERM dies with status 0 (not 137), one whose stop
#                 signal is ignored is killed only after the timeout;
#   state-dir     the kept set survives a restart: two containers kept by a
#                 first run stay kept by a second one after two lighter
#                 (within the margin) ones started, and a hostile kept file
#                 is rejected without stopping servicio.
# Without a rail, its check fails (the surplus containers are removed,
# SIGKILL gives 137, the restart keeps the lighter newcomers).
# parallel: yes docker
# timeout: 300
source "$(dirname "$0")/common.sh"
svt_need
admin_start

# once LOG ARGS...: one cycle (--once), its pid in SVT_PID
once() {
	local log=$1
	shift
	# shellcheck disable=SC2046
	"$SVT_BIN" $(svt_args) --metrics-listen none --keep-high 0 --once "$@" >"$log" 2>&1 &
	SVT_PID=$!
	wait "$SVT_PID"
}
# decisions PID: that run's decision records, "name action reason" lines
decisions() {
	admin_get "type=decision&limit=10000" |
		jq -r --arg p ".$1-" '.records[] | select(.batch_id | contains($p)) |
			"\(.container.name) \(.action) \(.reason)"' | sed "s/^$SVT_TAG-//" | sort
}
gone() { ! exists "$1"; }

# --- protect ---
mk low prot --label gestor.protect=true
mk low twin
once "$SVT_TMP/protect.log" --keep-low 0
check "protect: servicio exits 0" [ $? = 0 ]
cat "$SVT_TMP/protect.log"
check "protect: the gestor.protect=true container still runs" running prot
check "protect: its unprotected twin was removed" gone twin
decisions "$SVT_PID" >"$SVT_TMP/protect.dec"
cat "$SVT_TMP/protect.dec"
check "protect: admin_logs has it kept, protected" \
	grep -q "^prot kept .*protected (label gestor.protect=true): not removed" "$SVT_TMP/protect.dec"
check "protect: the table shows it kept (protected)" \
	grep -q "^$SVT_TAG-prot .* kept (protected)" "$SVT_TMP/protect.log"
docker rm -f "$SVT_TAG-prot" >/dev/null

# --- max-removals ---
for i in 1 2 3 4; do mk low "cap$i"; done
once "$SVT_TMP/cap.log" --keep-low 0 --max-removals 2
cat "$SVT_TMP/cap.log"
left=0
for i in 1 2 3 4; do running "cap$i" && left=$((left + 1)); done
check "max-removals 2: 2 of 4 removed in one cycle ($left left)" [ "$left" = 2 ]
decisions "$SVT_PID" >"$SVT_TMP/cap.dec"
check "max-removals: admin_logs has 2 removed" [ "$(grep -c '^cap[0-9] removed ' "$SVT_TMP/cap.dec")" = 2 ]
check "max-removals: and 2 kept by the cap" \
	[ "$(grep -c '^cap[0-9] kept .*cap of 2 removals per cycle reached' "$SVT_TMP/cap.dec")" = 2 ]
once "$SVT_TMP/cap2.log" --keep-low 0 --max-removals 2
left=0
for i in 1 2 3 4; do running "cap$i" && left=$((left + 1)); done
check "max-removals: the next cycle removes the other 2" [ "$left" = 0 ]

# --- grace ---
mk low young
once "$SVT_TMP/grace.log" --keep-low 0 --grace 300
cat "$SVT_TMP/grace.log"
check "grace 300: the new container still runs" running young
decisions "$SVT_PID" >"$SVT_TMP/grace.dec"
check "grace: admin_logs has it kept, with its grace" grep -q "^young kept .*; grace: .* removable at 300 s" "$SVT_TMP/grace.dec"
check "grace: the table shows it kept (grace age)" grep -q "^$SVT_TAG-young .* kept (grace age)" "$SVT_TMP/grace.log"
once "$SVT_TMP/grace2.log" --keep-low 0 --grace 1
check "grace 1: once older, it is removed" gone young

# --- stop-timeout (graceful) ---
since=$(date +%s.%N)
mk low term # exits on SIGTERM
mk low deaf --stop-signal SIGUSR2 # PID 1 without a handler: the signal is ignored
once "$SVT_TMP/stop.log" --keep-low 0 --stop-timeout 3
cat "$SVT_TMP/stop.log"
check "stop-timeout: both removed" eval 'gone term && gone deaf'
docker events --since "$since" --until "$(date +%s.%N)" --filter "label=gestor.test=$SVT_TAG" \
	--format '{{.Actor.Attributes.name}}|{{.Action}}|{{.Actor.Attributes.signal}}|{{.Actor.Attributes.exitCode}}|{{.TimeNano}}' \
	>"$SVT_TMP/stop.events"
cat "$SVT_TMP/stop.events"
# ev NAME ACTION FIELD: the first such event's field (3 signal, 4 exit status, 5 time)
ev() { awk -F'|' -v n="$SVT_TAG-$1" -v a="$2" -v f="$3" '$1 == n && $2 == a { print $f; exit }' "$SVT_TMP/stop.events"; }
check "stop-timeout: the SIGTERM one exited by itself (status 0, not SIGKILL's 137)" \
	[ "$(ev term die 4)" = 0 ]
term_only() { [ "$(ev term kill 3)" = 15 ] && ! grep -q "^$SVT_TAG-term|kill|9|" "$SVT_TMP/stop.events"; }
check "stop-timeout: it was sent SIGTERM (15), and no SIGKILL" term_only
first=$(ev deaf kill 5)
died=$(ev deaf die 5)
waited_3s() { [ -n "$first" ] && [ -n "$died" ] && [ $((died - first)) -ge 2900000000 ]; }
deaf_killed() { [ "$(ev deaf kill 3)" = 12 ] && [ "$(ev deaf die 4)" = 137 ]; }
check "stop-timeout: the deaf one got its stop signal, then SIGKILL (137)" deaf_killed
check "stop-timeout: ... only after the 3 s timeout ($(((${died:-0} - ${first:-0}) / 1000000)) ms)" \
	waited_3s

# --- state-dir: the kept set survives a restart ---
# a and b hold 8 MiB more than c and d will: c and d are lighter, but within
# the 64 MiB margin, so the incumbents a and b keep their places
mk high-ram a -e MEM_MB=8 --memory 100m
mk high-ram b -e MEM_MB=8 --memory 100m
holding() { docker logs "$SVT_TAG-$1" 2>&1 | grep -q "holding $2 MiB"; }
wait_for 60 holding a 8 || fail "a never said it holds its memory"
wait_for 60 holding b 8 || fail "b never said it holds its memory"
RUN=(--keep-low 2 --high-mem 1000)
once "$SVT_TMP/state1.log" "${RUN[@]}"
cat "$SVT_TMP/state1.log"
check "state: the first run kept a and b" eval 'running a && running b'
check "state: the kept file holds them" [ "$(grep -c ' low$' "$SVT_TMP/state/kept")" = 2 ]
mk low c
mk low d
once "$SVT_TMP/state2.log" "${RUN[@]}"
cat "$SVT_TMP/state2.log"
check "state: the restart read the kept set" grep -q "2 kept containers of the last run read" "$SVT_TMP/state2.log"
check "state: after the restart a and b are still kept" eval 'running a && running b'
check "state: the lighter newcomers c and d were removed" eval 'gone c && gone d'
# hostile content: rejected whole, servicio goes on without incumbents
printf 'gestor-kept 1\n../../../etc/shadow high\n' >"$SVT_TMP/state/kept"
once "$SVT_TMP/state3.log" "${RUN[@]}"
check "state: a hostile kept file: servicio still exits 0" [ $? = 0 ]
check "state: ... and says it rejected it" grep -q "kept rejected (line 2" "$SVT_TMP/state3.log"
check "state: ... and writes a good one again" grep -q "^[0-9a-f]\{64\} low$" "$SVT_TMP/state/kept"
ln -sf /etc/passwd "$SVT_TMP/state/kept"
once "$SVT_TMP/state4.log" "${RUN[@]}" --dry-run
check "state: a symbolic link is not followed" grep -q "kept rejected (.*symbolic links" "$SVT_TMP/state4.log"
finish
