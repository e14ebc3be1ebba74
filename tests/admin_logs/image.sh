#!/usr/bin/env bash
# image.sh — gestor/admin_logs:latest builds here without any registry
# (local debootstrap base), runs as a non-root user, answers on its
# published port (127.0.0.1 only), draws graphs inside (gnuplot and fonts
# are in the image), and keeps its data on the host volume across a
# container removal. Everything this suite creates is named al6test-*.
# Writes and reads carry the token the server made in its volume
# (/data/token). IMAGE (default gestor/admin_logs:latest) is the tag built.
# timeout: 600
. "$(dirname "$0")/../lib.sh"
need_root
need_docker
need_cmd curl jq

IMAGE=${IMAGE:-gestor/admin_logs:latest}
NAME=al6test-admin_logs-$$
PORT=${AL_TEST_PORT:-18642}
VOL=$(mktemp -d /tmp/al6test-vol.XXXXXX)
on_exit "rm -rf '$VOL'"
on_exit "docker rm -f '$NAME' >/dev/null 2>&1"

out=$(TAG=$IMAGE "$GESTOR_TOP/admin_logs/build-image.sh" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "the image builds without a registry" test "$rc" = 0
check "$IMAGE exists" bash -c "docker image inspect $IMAGE >/dev/null"
check "it runs as a fixed non-root user" test "$(docker image inspect -f '{{.Config.User}}' "$IMAGE")" = 10001:10001
chown 10001:10001 "$VOL"

run() {
	docker run -d --name "$NAME" --label gestor.test=al6 -p "127.0.0.1:$PORT:8000" \
		-v "$VOL:/data" "$IMAGE" >/dev/null
}
up() { curl -sf --max-time 2 "http://127.0.0.1:$PORT/health" >/dev/null; }

check "container starts" run
check "answers /health on 127.0.0.1:$PORT" wait_for 30 up
check "the server process is not root" test "$(docker exec "$NAME" id -u)" = 10001
check "it made its token, readable by its user only" test "$(stat -c '%a %u' "$VOL/token")" = "600 10001"
AUTH="Authorization: Bearer $(cat "$VOL/token")"
B='{"batch_id":"img-1","host":"t","records":[{"type":"decision","ts_ns":1764338400000000000,"cycle":1,"container":{"id":"a1","name":"gestor-low-a1"},"class":"low","action":"removed","reason":"test","rank":1,"metrics":{"cpu_pct":0.5,"rss_kb":10,"mem_kb":12,"mem_pct":0.1}}]}'
check "POST /logs without the token -> 401" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data "$B" "http://127.0.0.1:$PORT/logs")" = 401
check "POST /logs -> 201" test "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" -X POST --data "$B" "http://127.0.0.1:$PORT/logs")" = 201
g=$(curl -s --max-time 60 -X POST -H "$AUTH" "http://127.0.0.1:$PORT/graficar")
check "graphs are drawn inside the container" test "$(jq -r .dir <<<"$g")" = /data/report
check "the report lands on the host volume" test -s "$VOL/report/removed_by_class.png"
check "the database is on the host volume" test -s "$VOL/gestor.db"
check "access lines on the container's stdout" wait_for 30 bash -c 'docker logs "$1" 2>/dev/null | grep -q "POST /logs 201"' _ "$NAME"

docker rm -f "$NAME" >/dev/null
check "container removed" bash -c '! docker inspect "$1" >/dev/null 2>&1' _ "$NAME"
check "a new container on the same volume starts" run
check "and answers" wait_for 30 up
check "the batch stored before is still there" test "$(curl -s -H "$AUTH" "http://127.0.0.1:$PORT/logs?batch=img-1" | jq .count)" = 1
check "a retry of it is a duplicate (200)" test "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" -X POST --data "$B" "http://127.0.0.1:$PORT/logs")" = 200
check "port published on loopback only" bash -c 'docker port "$1" 8000 | grep -qx "127.0.0.1:$2"' _ "$NAME" "$PORT"
docker stop -t 10 "$NAME" >/dev/null
check "stops cleanly on SIGTERM (exit 0)" test "$(docker inspect -f '{{.State.ExitCode}}' "$NAME")" = 0
finish
