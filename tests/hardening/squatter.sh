#!/usr/bin/env bash
# squatter.sh — a port squatter on admin_logs' TCP port gets no token and
# does not stop servicio's logs.
#
# The attacker is a local process of another user (nobody) that holds
# 127.0.0.1:<the port servicio's admin_logs uses> and answers every request
# 200 {"status":"ok"}, recording all it receives (squatter.py). servicio runs
# its admin_logs container (a name, port and data directory of this suite's)
# with one managed container, a cycle a second:
#   1. the squatter holds the port before servicio starts: servicio starts
#      anyway (its health wait goes over the unix socket), admin_logs says
#      the port is taken and serves the socket only, and the batches are
#      stored;
#   2. with admin_logs on its port, the container is killed and the squatter
#      takes the port at once (the attack the issue describes): servicio
#      starts the container again and its batches keep being stored.
# Throughout, the squatter receives no token (no "Authorization"), nothing
# at all in fact, and no batch is refused.
# On the old design (token on every request to http://127.0.0.1:port,
# published through docker-proxy) step 1 ends servicio (the port cannot be
# published) and in step 2 every retried POST /logs hands the squatter the
# token.
# timeout: 300
source "$(dirname "$0")/../servicio/common.sh"
svt_need
need_cmd /usr/bin/python3 setpriv ss
ADMIN_IMAGE=${ADMIN_IMAGE:-gestor/admin_logs:latest}
docker image inspect "$ADMIN_IMAGE" >/dev/null 2>&1 || skip "image $ADMIN_IMAGE is missing (make images)"
NAME=$SVT_TAG-admin_logs
PORT=$(free_port)
DATA=$SVT_TMP/data
SOCK=/run/gestor/$NAME/admin_logs.sock
SQ=$SVT_TMP/squatter.bytes
on_exit "docker rm -f $NAME"
on_exit "rm -rf /run/gestor/$NAME"
mk low l1
ARGS=(--admin-name "$NAME" --admin-image "$ADMIN_IMAGE" --admin-port "$PORT" --admin-data "$DATA" --no-cron
	--scope "gestor.test=$SVT_TAG" --spool "$SVT_TMP/spool/spool" --interval 1 --metrics-listen none)
LOG=$SVT_TMP/run.log
# the attacker runs as nobody, who may not read the checkout (a clone made
# with mktemp -d is 0700): its script is copied where nobody can read it
ATT=$(mktemp -d /tmp/gestor-attacker.XXXXXX)
on_exit "rm -rf '$ATT'"
chmod 755 "$ATT"
install -m 644 "$GESTOR_TOP/tests/hardening/squatter.py" "$ATT/"

# squat: the squatter, as nobody, on 127.0.0.1:$PORT (appends what it gets to $SQ)
squat() {
	: >"$SVT_TMP/squatter.err"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		/usr/bin/python3 "$ATT/squatter.py" "$PORT" >>"$SQ" 2>"$SVT_TMP/squatter.err" &
	SQPID=$!
	on_exit "stop_pid $SQPID"
	wait_for 10 grep -q listening "$SVT_TMP/squatter.err" ||
		fail "the squatter could not take 127.0.0.1:$PORT: $(cat "$SVT_TMP/squatter.err")"
}
# stored: how many samples admin_logs has (asked over its socket)
stored() {
	local n
	n=$(curl -sf --max-time 5 --unix-socket "$SOCK" "http://localhost/logs?type=sample&limit=10000" |
		jq '.records | length' 2>/dev/null)
	echo "${n:-0}"
}
export SOCK
export -f stored

# 1. the port is taken before servicio starts
: >"$SQ"
squat
run() {
	"$SVT_BIN" "${ARGS[@]}" >>"$LOG" 2>&1 &
	PID=$!
	on_exit "kill -9 $PID"
}
run
wait_for 90 grep -q '^cycle 3 ' "$LOG"
check "servicio runs with the squatter on 127.0.0.1:$PORT (health over its socket)" grep -q "admin_logs answers at unix:$SOCK" "$LOG"
check "admin_logs serves its socket only (the port is taken)" bash -c "docker logs '$NAME' 2>&1 | grep -q 'serving the unix socket .* only'"
check "the batches are stored" wait_for 60 bash -c '[ "$(stored)" -ge 3 ]'
check "step 1: the squatter got no token" bash -c "! grep -qai authorization '$SQ'"
kill "$SQPID"
wait "$SQPID" 2>/dev/null
if ! kill -0 "$PID" 2>/dev/null; then # it could not start: step 2 with a fresh one
	echo "# servicio ended in step 1: $(grep -v '^ *gsvt\|^CONTAINER' "$LOG" | tail -n 1)"
	docker rm -f "$NAME" >/dev/null 2>&1
	run
	wait_for 90 grep -q '^cycle 3 ' "$LOG" || fail "servicio does not run: $(tail -n 3 "$LOG")"
fi

# 2. admin_logs on its port; the container is killed and the port taken at once
curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/health" || docker restart -t 1 "$NAME" >/dev/null
check "admin_logs listens on 127.0.0.1:$PORT again" wait_for 60 curl -sf -o /dev/null "http://127.0.0.1:$PORT/health"
n0=$(stored)
: >"$SQ"
docker kill "$NAME" >/dev/null
squat
wait_for 60 grep -q 'was not running: started it' "$LOG"
check "servicio started its admin_logs again" grep -q 'was not running: started it' "$LOG"
check "and the batches are stored again (more than $n0)" wait_for 60 bash -c "[ \"\$(stored)\" -gt $n0 ]"
sleep 3 # a few more cycles with the squatter in place
kill -INT "$PID"
wait "$PID"
check "SIGINT: exit 0" [ $? = 0 ]
grep -v '^ *gsvt\|^CONTAINER\|^cycle\|^(+' "$LOG" | tail -n 12
check "step 2: the squatter got no token ($(grep -caiF authorization "$SQ") Authorization lines)" bash -c "! grep -qai authorization '$SQ'"
check "step 2: the squatter got nothing at all ($(wc -c <"$SQ") bytes)" [ ! -s "$SQ" ]
check "no batch was refused" bash -c "! grep -q 'rejected a batch' '$LOG'"
check "every batch was delivered (none stays in the spool)" bash -c "grep -q 'batches delivered' '$LOG' && ! grep -q 'stay in the spool' '$LOG'"
finish
