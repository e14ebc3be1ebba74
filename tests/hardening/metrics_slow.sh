#!/usr/bin/env bash
# metrics_slow.sh — servicio's /metrics server against a local user holding
# and trickling connections (servicio/promexp.c; docs/servicio.md, the
# /metrics paragraph: at most 16 connections, 4 from one address, a
# request's headers in within 5 s of the connection's start).
#
# The attacker is a local user (nobody) on local addresses of its own. Phase
# 1: 100 connections from 127.0.0.2, each an unfinished GET /metrics with a
# header line every second (so only the header deadline, not the 10 s idle
# timeout, can cut it), each cut or refused one opened again at once.
# Asserted: a reader from 127.0.0.3 is served /metrics throughout; servicio
# holds at most 4 of the attacker's connections (open in two snapshots 0.2
# s apart, same peer port: libmicrohttpd enforces the cap after accept());
# the trickles are cut at the deadline (alive at least 5 s, at most 5 s + the
# 1 s watcher period + 2 s of slack; never the 10 s idle timeout); servicio
# logs the cuts at its stop. Phase 2: the same from five addresses
# (127.0.0.2, .4 to .7): servicio holds at most 16 in all. The expected
# values are the documented defaults, written here.
# parallel: yes docker light
# timeout: 240
source "$(dirname "$0")/../servicio/common.sh"
svt_need
need_cmd /usr/bin/python3 setpriv ss
PER_IP=4 TOTAL=16 DEADLINE=5 WATCH=1 SLACK=2 IDLE=10
admin_start
mk low l1
MPORT=$(free_port)
LOG=$SVT_TMP/run.log
# the attacker runs as nobody, who may not read the checkout: its script is
# copied to a directory of its own that nobody can read
ATT=$(mktemp -d /tmp/gestor-mattacker.XXXXXX)
on_exit "rm -rf '$ATT'"
chmod 755 "$ATT"
install -m 644 "$GESTOR_TOP/tests/hardening/metrics_slowloris.py" "$ATT/"

# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --interval 1 --duration 60 --dry-run --no-events \
	--metrics-listen "127.0.0.1:$MPORT" >"$LOG" 2>&1 &
PID=$!
on_exit "kill -9 $PID"
wait_for 60 curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$MPORT/metrics" ||
	fail "no /metrics: $(tail -n 5 "$LOG")"

# attack SOURCE...: the attacker as nobody, in the background (APID)
attack() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 \
		"$ATT/metrics_slowloris.py" 127.0.0.1 "$MPORT" 100 1 "$@" \
		>"$SVT_TMP/attack.json" 2>"$SVT_TMP/attack.err" &
	APID=$!
	on_exit "stop_pid $APID"
}
# held_max SECONDS SOURCE_REGEX: the most connections from those sources
# servicio's own pid held at once (open in two snapshots 0.2 s apart)
held_max() {
	local end=$((SECONDS + $1)) max=0 prev='' cur n
	while [ "$SECONDS" -lt "$end" ]; do
		cur=$(ss -Htnp state established "( sport = :$MPORT )" | grep "pid=$PID," |
			awk '{print $4}' | grep -E "^($2):" | sort)
		n=$(comm -12 <(printf '%s\n' "$prev") <(printf '%s\n' "$cur") | grep -c .)
		prev=$cur
		[ "$n" -gt "$max" ] && max=$n
		sleep 0.2
	done
	echo "$max"
}

# phase 1: one attacking address
attack 127.0.0.2
wait_for 20 bash -c "ss -Htn state established '( dport = :$MPORT )' src 127.0.0.2 | grep -q ." ||
	fail "the attacker did not connect: $(cat "$SVT_TMP/attack.err")"
held_max 12 '127\.0\.0\.2' >"$SVT_TMP/held1" &
HPID=$!
served=0
for _ in 1 2 3 4 5 6; do
	curl -sf --max-time 10 --interface 127.0.0.3 "http://127.0.0.1:$MPORT/metrics" |
		grep -q '^gestor_start_time_seconds ' && served=$((served + 1))
	sleep 1.5
done
wait "$HPID"
held=$(cat "$SVT_TMP/held1")
kill "$APID"
wait "$APID" 2>/dev/null
a1=$(cat "$SVT_TMP/attack.json")
echo "# phase 1 attacker: $a1 $(head -c 300 "$SVT_TMP/attack.err")"
check "the attacker was in place ($(jq .opened <<<"$a1") connections opened)" \
	[ "$(jq .opened <<<"$a1")" -gt "$PER_IP" ]
check "a reader from 127.0.0.3 was served /metrics 6 times of 6 during the attack ($served)" [ "$served" = 6 ]
check "servicio held at most $PER_IP of the attacker's connections from 127.0.0.2 ($held)" \
	eval '[ "$held" -gt 0 ] && [ "$held" -le "$PER_IP" ]'
lmin=$(jq .life_min <<<"$a1") lmax=$(jq .life_max <<<"$a1") ln=$(jq .life_n <<<"$a1")
check "trickled connections were cut ($ln of them)" [ "${ln:-0}" -gt 0 ]
check "each at the $DEADLINE s header deadline: alive $lmin..$lmax s, within [$DEADLINE, $((DEADLINE + WATCH + SLACK))] and under the ${IDLE} s idle timeout" \
	python3 -c "import sys; a, b = float('$lmin'), float('$lmax'); sys.exit(not ($DEADLINE - 0.2 <= a and b <= $DEADLINE + $WATCH + $SLACK and b < $IDLE))"

# phase 2: five attacking addresses, 4 each would be 20
attack 127.0.0.2 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7
# any connection from the last address past its handshake, in any state
# (closing ones too): with the caps full,
# servicio closes those at once, so an established one is there only briefly
# (a CI run under load missed it for 20 s)
wait_for 20 bash -c "ss -Htn state connected exclude syn-sent '( dport = :$MPORT )' src 127.0.0.7 | grep -q ." ||
	fail "the attacker did not connect from 127.0.0.7: $(head -c 300 "$SVT_TMP/attack.err")"
total=$(held_max 10 '127\.0\.0\.[24567]')
kill "$APID"
wait "$APID" 2>/dev/null
echo "# phase 2 attacker: $(cat "$SVT_TMP/attack.json")"
check "from five addresses servicio held at most $TOTAL connections in all ($total)" \
	eval '[ "$total" -gt "$PER_IP" ] && [ "$total" -le "$TOTAL" ]'
# after the attack: served again from any address
check "after the attack /metrics answers at once" \
	curl -sf --max-time 10 --interface 127.0.0.2 -o /dev/null "http://127.0.0.1:$MPORT/metrics"
kill -INT "$PID"
wait "$PID"
rc=$?
check "servicio stopped cleanly (exit $rc)" [ "$rc" = 0 ]
check "it logged the cuts at the $DEADLINE s header deadline" grep -q "metrics: [1-9][0-9]* connections cut at the $DEADLINE s header deadline" "$LOG"
finish
