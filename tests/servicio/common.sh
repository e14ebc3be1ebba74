# common.sh — shared by the servicio suites (sourced, not a suite itself).
#
# Every container a suite makes is named gsvt-<suite pid>-... and carries
# the label gestor.test=gsvt-<pid>; servicio runs with --scope on that label,
# so it never decides about other people's containers on the shared Docker.
# admin_logs runs as a plain process on a free loopback port with a
# temporary database, unless a suite runs the container itself.
# shellcheck shell=bash
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"
export GESTOR_TABLE=true # servicio prints its per-cycle table off a terminal too: read below

SVT_TAG=gsvt-$$
# the load images' repository prefix (as contenedores.sh's GESTOR_IMAGE_PREFIX)
SVT_IMG=${GESTOR_IMAGE_PREFIX:-gestor/}
SVT_TMP=$(mktemp -d /tmp/gsvt.XXXXXX)
SVT_BIN=${SVT_BIN:-$GESTOR_BUILD/asan/bin/servicio}
[ -x "$SVT_BIN" ] || SVT_BIN=$GESTOR_BIN/servicio
ADMIN_BIN=$GESTOR_BIN/admin_logs
ADMIN_PID=
ADMIN_PORT=
on_exit "rm -rf '$SVT_TMP'"
on_exit "svt_cleanup_containers"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

svt_need() {
	need_docker
	need_cmd jq curl
	[ -x "$SVT_BIN" ] || skip "servicio is not built"
	local i
	for i in "${SVT_IMG}high-cpu" "${SVT_IMG}high-ram" "${SVT_IMG}low"; do
		docker image inspect "$i:latest" >/dev/null 2>&1 || skip "image $i:latest is missing (make images)"
	done
}

svt_cleanup_containers() { docker_rm_label "gestor.test=$SVT_TAG"; }


# admin_start [PORT]: admin_logs as a process with its database in $SVT_TMP/admin
admin_start() {
	[ -x "$ADMIN_BIN" ] || skip "admin_logs is not built"
	mkdir -p "$SVT_TMP/admin"
	rm -f "$SVT_TMP/admin/port"
	"$ADMIN_BIN" --port "${1:-0}" --port-file "$SVT_TMP/admin/port" \
		--db "$SVT_TMP/admin/gestor.db" --quiet >>"$SVT_TMP/admin/log" 2>&1 &
	ADMIN_PID=$!
	on_exit "stop_pid $ADMIN_PID"
	wait_for 20 test -s "$SVT_TMP/admin/port" || fail "admin_logs did not start: $(tail -n3 "$SVT_TMP/admin/log")"
	ADMIN_PORT=$(cat "$SVT_TMP/admin/port")
	wait_for 20 curl -sf "http://127.0.0.1:$ADMIN_PORT/health" -o /dev/null || fail "admin_logs /health"
}
admin_stop() {
	[ -n "$ADMIN_PID" ] || return 0
	kill "$ADMIN_PID" 2>/dev/null
	wait "$ADMIN_PID" 2>/dev/null
	ADMIN_PID=
}
# admin_get QUERY: GET /logs?QUERY (JSON on stdout)
admin_get() { curl -sf --max-time 30 "http://127.0.0.1:$ADMIN_PORT/logs?$1"; }

# mk CLASS NAME [docker run args...]: a managed container of the test
mk() {
	local class=$1 name=$2
	shift 2
	docker run -d --name "$SVT_TAG-$name" --network none --label gestor.managed=true \
		--label "gestor.class=$class" --label "gestor.test=$SVT_TAG" "$@" \
		"$SVT_IMG$class:latest" >/dev/null || fail "docker run $name"
}
# mk_unlabelled NAME: a container servicio must never touch (the images carry
# gestor.managed=true themselves: this one opts out)
mk_unlabelled() {
	docker run -d --name "$SVT_TAG-$1" --network none --label "gestor.test=$SVT_TAG" \
		--label gestor.managed=false "${SVT_IMG}low:latest" >/dev/null || fail "docker run $1"
}
# running NAME: the container exists and runs
running() { [ "$(docker inspect -f '{{.State.Running}}' "$SVT_TAG-$1" 2>/dev/null)" = true ]; }
exists() { docker inspect "$SVT_TAG-$1" >/dev/null 2>&1; }
# count_class CLASS...: running managed test containers with one of these
# gestor.class labels (not the admin_logs-labelled one: the images give every
# container of theirs a class)
count_class() {
	local n=0 c
	for c in "$@"; do
		n=$((n + $(docker ps --filter "label=gestor.test=$SVT_TAG" --filter "label=gestor.class=$c" \
			--filter label=gestor.managed=true --format '{{.Label "gestor.role"}}' | grep -c '^$')))
	done
	echo "$n"
}

# svt ARGS...: servicio against the test admin_logs, scoped to this suite's containers
svt_args() {
	echo --log-url "http://127.0.0.1:$ADMIN_PORT" --no-cron --high-cpu 10 --scope "gestor.test=$SVT_TAG" \
		--spool "$SVT_TMP/spool/spool" --host "$SVT_TAG" --state-dir "$SVT_TMP/state"
}
