#!/usr/bin/env bash
# admin_container.sh — servicio runs admin_logs in its own container (from
# $ADMIN_IMAGE, default gestor/admin_logs:latest; a test name, port and data
# directory so the real one is never touched): created with label
# gestor.role=admin_logs, on the host's network listening on 127.0.0.1 only
# (no container on the default bridge reaches it), as the host's system
# user gestor-logs, the data directory mounted at /data and the socket
# directory /run/gestor/<name> (root:gestor-logs 0770) at /run/admin_logs,
# where servicio reaches it over HTTP on a unix socket; hardened (no capabilities, no new privileges,
# read-only root with a tmpfs /tmp, memory and pids limits: checked in the
# running container's HostConfig, and the graphs still draw); a token made
# in the data directory for the server's user (mode 600) that writes need;
# never decided about; started again when it stops during the run; on
# SIGINT the graphs land in <data>/report on the host, the path printed is
# that host path, and the container servicio created is removed. A running
# one is reused (and then left running) only when it is what servicio would
# create: one with other settings is replaced with a line saying why, one
# without servicio's label is left alone and refused.
# timeout: 300
source "$(dirname "$0")/common.sh"
svt_need
ADMIN_IMAGE=${ADMIN_IMAGE:-gestor/admin_logs:latest}
docker image inspect "$ADMIN_IMAGE" >/dev/null 2>&1 || skip "image $ADMIN_IMAGE is missing (make images)"
NAME=$SVT_TAG-admin_logs
PORT=$(free_port)
DATA=$SVT_TMP/data
on_exit "docker rm -f $NAME"
on_exit "rm -rf /run/gestor/$NAME"
for i in 1 2 3 4; do mk low "l$i"; done
ARGS=(--admin-name "$NAME" --admin-image "$ADMIN_IMAGE" --admin-port "$PORT" --admin-data "$DATA" --no-cron
	--scope "gestor.test=$SVT_TAG" --spool "$SVT_TMP/spool/spool" --interval 1 --metrics-listen none)
LOG=$SVT_TMP/run.log
"$SVT_BIN" "${ARGS[@]}" >"$LOG" 2>&1 &
PID=$!
on_exit "kill -9 $PID"
wait_for 90 grep -q '^cycle 2 ' "$LOG" || fail "no cycles: $(tail -n 5 "$LOG")"
check "servicio created the container" grep -q "admin_logs container $NAME .*created and started" "$LOG"
check "label gestor.role=admin_logs" [ "$(docker inspect -f '{{index .Config.Labels "gestor.role"}}' "$NAME")" = admin_logs ]
check "no gestor.managed label" [ -z "$(docker inspect -f '{{index .Config.Labels "gestor.managed"}}' "$NAME")" ]
SOCKDIR=/run/gestor/$NAME
LUID=$(id -u gestor-logs) LGID=$(id -g gestor-logs)
check "the system user gestor-logs exists (uid $LUID, a system uid)" eval '[ "$LUID" -gt 0 ] && [ "$LUID" -lt "$(awk "/^UID_MIN/ {print \$2}" /etc/login.defs)" ]'
check "it runs as gestor-logs ($LUID:$LGID)" [ "$(docker inspect -f '{{.Config.User}}' "$NAME")" = "$LUID:$LGID" ]
check "on the host's network" [ "$(docker inspect -f '{{.HostConfig.NetworkMode}}' "$NAME")" = host ]
check "listening on 127.0.0.1:$PORT only" eval '[ "$(ss -Htln "( sport = :$PORT )" | awk "{print \$4}")" = "127.0.0.1:$PORT" ]'
mounts=$(docker inspect -f '{{range .Mounts}}{{.Source}}:{{.Destination}} {{end}}' "$NAME" | tr ' ' '\n' | sort | xargs)
check "data and socket directories mounted ($mounts)" [ "$mounts" = "$(printf '%s\n' "$DATA:/data" "$SOCKDIR:/run/admin_logs" | sort | xargs)" ]
check "the socket directory is root:gestor-logs 0770" [ "$(stat -c '%a %U %G' "$SOCKDIR")" = "770 root gestor-logs" ]
check "the server's socket is there, made by gestor-logs" [ "$(stat -c '%F %U' "$SOCKDIR/admin_logs.sock")" = "socket gestor-logs" ]
check "servicio talks to it over the socket" grep -q "admin_logs answers at unix:$SOCKDIR/admin_logs.sock" "$LOG"
check "it answers /health on 127.0.0.1:$PORT" curl -sf "http://127.0.0.1:$PORT/health" -o /dev/null
gw=$(docker network inspect bridge -f '{{(index .IPAM.Config 0).Gateway}}')
# a dockerd that found docker0 already up may list no gateway: the bridge's own address is it
[ -n "$gw" ] || gw=$(ip -4 -o addr show dev "$(docker network inspect bridge -f '{{index .Options "com.docker.network.bridge.name"}}')" |
	awk '{sub("/.*", "", $4); print $4; exit}')
check "the default bridge's gateway is known ($gw)" [ -n "$gw" ]
out=$(docker run --rm --network bridge --entrypoint /bin/bash "$ADMIN_IMAGE" -c "timeout 5 bash -c 'exec 3<>/dev/tcp/$gw/$PORT' 2>&1; echo rc=\$?" 2>&1)
check "a container on the default bridge cannot reach it at $gw:$PORT ($(tail -n 1 <<<"$out"))" eval 'grep -q "Connection refused" <<<"$out" && ! grep -q "rc=0" <<<"$out"'
hc() { docker inspect -f "{{json .HostConfig.$1}}" "$NAME"; }
check "hardened: CapDrop [ALL]" [ "$(hc CapDrop)" = '["ALL"]' ]
check "hardened: no-new-privileges" [ "$(hc SecurityOpt)" = '["no-new-privileges"]' ]
check "hardened: read-only root filesystem" [ "$(hc ReadonlyRootfs)" = true ]
check "hardened: a tmpfs on /tmp" bash -c "docker inspect -f '{{json .HostConfig.Tmpfs}}' '$NAME' | jq -e 'has(\"/tmp\")' >/dev/null"
check "hardened: memory limit $(hc Memory) bytes, no swap beyond it" eval '[ "$(hc Memory)" -gt 0 ] && [ "$(hc MemorySwap)" = "$(hc Memory)" ]'
check "hardened: pids limit $(hc PidsLimit)" [ "$(hc PidsLimit)" -gt 0 ]
check "the root filesystem refuses writes" bash -c "! docker exec '$NAME' touch /usr/local/bin/x 2>/dev/null"
check "the process has no capabilities" [ "$(docker exec "$NAME" sh -c 'grep ^CapEff /proc/1/status' | awk '{print $2}')" = 0000000000000000 ]
check "the token is in the data directory, for the server's user only" [ "$(stat -c '%a %u' "$DATA/token")" = "600 $LUID" ]
B='{"batch_id":"ac-1","host":"t","records":[{"type":"decision","ts_ns":1764338400000000000,"cycle":1,"container":{"id":"a1","name":"gestor-low-a1"},"class":"low","action":"kept","reason":"test","rank":1,"metrics":{"cpu_pct":0.5,"rss_kb":10,"mem_kb":12,"mem_pct":0.1}}]}'
check "a write without the token is refused (401)" [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data "$B" "http://127.0.0.1:$PORT/logs")" = 401 ]
g=$(curl -s --max-time 120 -X POST -H "Authorization: Bearer $(cat "$DATA/token")" "http://127.0.0.1:$PORT/graficar")
check "POST /graficar (with the token) draws in the hardened container ($(jq -r '.files | length' <<<"$g") files)" eval '[ "$(jq -r .dir <<<"$g")" = /data/report ] && [ "$(jq -r ".files | length" <<<"$g")" -gt 0 ]'
check "the PNG and SVG files are on the host" bash -c "ls '$DATA/report' | grep -q '\.png$' && ls '$DATA/report' | grep -q '\.svg$'"
check "the excess low container was removed (3 remain)" wait_for 30 bash -c "[ \$(docker ps -q --filter label=gestor.test=$SVT_TAG --filter label=gestor.class=low | wc -l) = 3 ]"

# stopped behind servicio's back: started again, nothing lost
docker stop -t 1 "$NAME" >/dev/null
wait_for 40 grep -q 'was not running: started it' "$LOG"
check "servicio started the stopped admin_logs again" grep -q 'was not running: started it' "$LOG"
wait_for 60 grep -q '(0 left)' "$LOG"
check "the spooled batches were delivered" grep -q '(0 left)' "$LOG"
c=$(grep -c '^cycle [0-9]' "$LOG")
wait_for 30 bash -c "[ \$(grep -c '^cycle [0-9]' '$LOG') -ge $((c + 2)) ]"
kill -INT "$PID"
wait "$PID"
check "SIGINT: exit 0" [ $? = 0 ]
grep -v '^gsvt\|^CONTAINER\|^cycle' "$LOG" | tail -n 12
report=$(sed -n 's/^report: \(.*\) ([0-9]* graphs)$/\1/p' "$LOG")
check "the printed report path is the host path $DATA/report" [ "$report" = "$DATA/report" ]
check "the graphs are on the host" bash -c "ls '$DATA/report' | grep -q ."
check "the database is on the host" test -s "$DATA/gestor.db"
check "the container servicio created is removed at exit" bash -c "! docker inspect '$NAME' >/dev/null 2>&1"
n=$(sed -n 's/.*done: \([0-9]*\) cycles.*/\1/p' "$LOG")

# reuse: one that runs already is used and left running
"$SVT_BIN" "${ARGS[@]}" --once --keep-admin-logs >"$SVT_TMP/r1.log" 2>&1
check "--keep-admin-logs leaves it running" [ "$(docker inspect -f '{{.State.Running}}' "$NAME" 2>/dev/null)" = true ]
"$SVT_BIN" "${ARGS[@]}" --once >"$SVT_TMP/r2.log" 2>&1
check "a running admin_logs is reused" grep -q 'already running, reused' "$SVT_TMP/r2.log"
check "and left running at exit" [ "$(docker inspect -f '{{.State.Running}}' "$NAME" 2>/dev/null)" = true ]
# every cycle of the first run is in the database (kept across the restart of the container)
got=$(curl -sf "http://127.0.0.1:$PORT/logs?type=sample&limit=10000" | jq '[.records[].cycle] | length')
check "all $n samples of the first run plus 2 are stored ($got)" [ "$got" = $((n + 2)) ]

# one with other settings (here: on the default bridge, another command) is replaced, saying why
docker rm -f "$NAME" >/dev/null
docker run -d --name "$NAME" --label gestor.role=admin_logs --user "$LUID:$LGID" \
	-v "$DATA:/data" "$ADMIN_IMAGE" --port 0 --db /tmp/x.db >/dev/null
"$SVT_BIN" "${ARGS[@]}" --once --keep-admin-logs >"$SVT_TMP/r3.log" 2>&1
check "servicio replaced a container made otherwise, saying why" grep -q "was not the one servicio makes (.*): replaced it" "$SVT_TMP/r3.log"
grep "replaced it" "$SVT_TMP/r3.log"
check "the new one is servicio's (host network)" [ "$(docker inspect -f '{{.HostConfig.NetworkMode}}' "$NAME")" = host ]
check "and the run delivered" grep -q "done: 1 cycles" "$SVT_TMP/r3.log"
# one without servicio's label is not servicio's: left alone
docker rm -f "$NAME" >/dev/null
docker run -d --name "$NAME" --network none --entrypoint /bin/sleep "$ADMIN_IMAGE" 300 >/dev/null
"$SVT_BIN" "${ARGS[@]}" --once >"$SVT_TMP/r4.log" 2>&1
check "a foreign container of that name is refused, not removed" eval 'grep -q "servicio did not make" "$SVT_TMP/r4.log" && [ "$(docker inspect -f "{{.State.Running}}" "$NAME")" = true ]'
finish
