#!/usr/bin/env bash
# slowloris_local.sh — a local slowloris on admin_logs' port does not touch
# servicio's logs or its start-up.
#
# The attacker is a local user (nobody) on a local source address of its
# own, 127.0.0.2 (slowloris_local.py): 1,000 connections to the port of the
# suite's admin_logs container, each an unfinished GET /health trickling a
# header line every 5 s, every cut or refused one opened again at once. It
# starts before servicio, so it is in place the moment admin_logs listens.
# Then servicio runs its admin_logs container (name, port and data of this
# suite's) with one managed container, a cycle a second, for 30 cycles.
# Asserted: servicio's start-up health wait succeeds (over its unix socket);
# every batch is delivered straight away (none refused, none through the
# spool); admin_logs holds at most --max-conns-per-ip (64) connections of the
# attacker, whose address it sees (127.0.0.2: it is on the host's network),
# and cuts them at the header deadline; its access log shows another local
# reader's real address (127.0.0.3) and that reader is served meanwhile.
# On the old design (servicio on TCP through docker-proxy) every client came
# from the bridge gateway: the attacker filled the one per-address cap
# servicio shared, so the health wait failed and servicio exited.
# timeout: 400
source "$(dirname "$0")/../servicio/common.sh"
svt_need
need_cmd /usr/bin/python3 setpriv ss
ADMIN_IMAGE=${ADMIN_IMAGE:-gestor/admin_logs:latest}
docker image inspect "$ADMIN_IMAGE" >/dev/null 2>&1 || skip "image $ADMIN_IMAGE is missing (make images)"
ulimit -n 8192
NAME=$SVT_TAG-admin_logs
PORT=$(free_port)
DATA=$SVT_TMP/data
CONNS=1000
on_exit "docker rm -f $NAME"
on_exit "rm -rf /run/gestor/$NAME"
mk low l1
ARGS=(--admin-name "$NAME" --admin-image "$ADMIN_IMAGE" --admin-port "$PORT" --admin-data "$DATA" --no-cron
	--scope "gestor.test=$SVT_TAG" --spool "$SVT_TMP/spool/spool" --interval 1 --duration 30 --keep-admin-logs --metrics-listen none)
LOG=$SVT_TMP/run.log
# the attacker runs as nobody, who may not read the checkout (a clone made
# with mktemp -d is 0700): its script is copied where nobody can read it
ATT=$(mktemp -d /tmp/gestor-attacker.XXXXXX)
on_exit "rm -rf '$ATT'"
chmod 755 "$ATT"
install -m 644 "$GESTOR_TOP/tests/hardening/slowloris_local.py" "$ATT/"

setpriv --reuid=nobody --regid=nogroup --clear-groups bash -c "ulimit -n 4096; exec /usr/bin/python3 \
	'$ATT/slowloris_local.py' 127.0.0.1 $PORT $CONNS 127.0.0.2" \
	>"$SVT_TMP/attack.json" 2>"$SVT_TMP/attack.err" &
APID=$!
on_exit "stop_pid $APID"

# held: the most attacker connections admin_logs had open at once
watch_held() {
	local max=0 n spid= prev= cur=
	while [ ! -e "$SVT_TMP/stop-watch" ]; do
		# the server's own sockets (not the kernel's accept queue): its pid's
		[ -n "$spid" ] || spid=$(docker inspect -f '{{.State.Pid}}' "$NAME" 2>/dev/null | grep -v '^0$')
		# libmicrohttpd enforces the cap after accept(): the 65th socket is
		# the server's for the microseconds before it closes it. Held means
		# open in two snapshots 0.2 s apart (same peer port), not seen once.
		cur=
		[ -n "$spid" ] && cur=$(ss -Htnp state established "( sport = :$PORT )" dst 127.0.0.2 |
			grep "pid=$spid," | awk '{print $4}' | sort)
		n=$(comm -12 <(printf '%s\n' "$prev") <(printf '%s\n' "$cur") | grep -c .)
		prev=$cur
		[ "$n" -gt "$max" ] && max=$n && echo "$max" >"$SVT_TMP/held"
		sleep 0.2
	done
}
echo 0 >"$SVT_TMP/held"
watch_held &
WPID=$!
on_exit "stop_pid $WPID"

"$SVT_BIN" "${ARGS[@]}" >"$LOG" 2>&1 &
PID=$!
on_exit "kill -9 $PID"
# once it answers: a reader from another local address, during the attack
wait_for 90 grep -q '^cycle 2 ' "$LOG"
check "a local reader from 127.0.0.3 is served during the attack" \
	curl -sf --max-time 10 --interface 127.0.0.3 -o /dev/null "http://127.0.0.1:$PORT/health"
wait "$PID"
rc=$?
touch "$SVT_TMP/stop-watch"
wait "$WPID"
sleep 1 # the attacker's last reopenings
h=$(curl -sf --max-time 10 "http://127.0.0.1:$PORT/health" || true)
kill "$APID"
wait "$APID" 2>/dev/null
grep -v '^ *gsvt\|^CONTAINER\|^cycle\|^(+' "$LOG" | tail -n 8
echo "# attacker: $(cat "$SVT_TMP/attack.json") $(head -c 300 "$SVT_TMP/attack.err")"
check "servicio ran its 30 s and exited 0 (exit $rc)" [ "$rc" = 0 ]
check "its start-up health wait succeeded over its socket" grep -q "admin_logs answers at unix:" "$LOG"
check "the attacker was in place (it opened $(jq .opened "$SVT_TMP/attack.json") connections)" \
	[ "$(jq .opened "$SVT_TMP/attack.json")" -gt 64 ]
done_line=$(grep 'done: ' "$LOG")
delivered=$(sed -n 's/.* \([0-9]*\) batches delivered.*/\1/p' <<<"$done_line")
spooled=$(sed -n 's/.* \([0-9]*\) went through the spool.*/\1/p' <<<"$done_line")
cycles=$(sed -n 's/.*done: \([0-9]*\) cycles.*/\1/p' <<<"$done_line")
check "every batch delivered at once: $delivered of $cycles cycles, $spooled through the spool" \
	eval '[ "$cycles" -ge 20 ] && [ "$delivered" -ge "$cycles" ] && [ "$spooled" = 0 ]'
check "no batch was refused or spooled" bash -c "! grep -q 'unreachable\|rejected a batch' '$LOG'"
held=$(cat "$SVT_TMP/held")
check "admin_logs held at most 64 of the attacker's connections from 127.0.0.2 ($held)" \
	eval '[ "$held" -gt 0 ] && [ "$held" -le 64 ]'
docker logs "$NAME" >"$SVT_TMP/admin.log" 2>&1 || true
cuts=$(jq .cut_slow_headers <<<"$h" 2>/dev/null)
check "the attacker's trickles were cut at the header deadline (${cuts:-?})" [ "${cuts:-0}" -gt 0 ]
check "its access log shows the reader's real address 127.0.0.3" grep -q ' 127\.0\.0\.3 GET /health 200' "$SVT_TMP/admin.log"
finish
