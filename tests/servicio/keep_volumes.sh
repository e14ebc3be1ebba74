#!/usr/bin/env bash
# keep_volumes.sh — servicio's removal keeps what `docker rm` keeps: a
# removed managed container's anonymous volume (a VOLUME or `-v /path`
# without a name) stays, with the data written in it; only with
# --remove-volumes does it go, as with `docker rm -v`. Two low containers
# with --keep-low 0 are removed by one --once cycle each.
# parallel: yes docker
# timeout: 240
source "$(dirname "$0")/common.sh"
svt_need
admin_start

# vol NAME: the anonymous volume mounted at /keep in the test container NAME
vol() { docker inspect -f '{{range .Mounts}}{{if eq .Destination "/keep"}}{{.Name}}{{end}}{{end}}' "$SVT_TAG-$1"; }
mk low kept -v /keep
mk low gone -v /keep
v1=$(vol kept) v2=$(vol gone)
[ -n "$v1" ] && [ -n "$v2" ] || fail "the containers have no anonymous volume at /keep"
on_exit "docker volume rm -f $v1 $v2"
echo "user data $$" >"$SVT_TMP/file"
docker cp "$SVT_TMP/file" "$SVT_TAG-kept:/keep/file" >/dev/null || fail "docker cp into the volume"

# once ARGS...: one cycle that removes every running low container of this suite
once_log=
# shellcheck disable=SC2317
once() {
	# shellcheck disable=SC2046
	"$SVT_BIN" $(svt_args) --once --keep-low 0 --keep-high 0 "$@" >"$SVT_TMP/once.log" 2>&1
}
docker stop -t 0 "$SVT_TAG-gone" >/dev/null # only "kept" is running for the first cycle
once
check "the cycle exits 0" [ $? = 0 ] || tail -n 20 "$SVT_TMP/once.log"
check "the container is removed" bash -c "! docker inspect '$SVT_TAG-kept' >/dev/null 2>&1"
check "its anonymous volume is kept (as docker rm keeps it)" docker volume inspect "$v1"
check "... with the data written in it" [ "$(cat "$(docker volume inspect -f '{{.Mountpoint}}' "$v1")/file" 2>/dev/null)" = "user data $$" ]
docker start "$SVT_TAG-gone" >/dev/null
once --remove-volumes
check "with --remove-volumes the cycle exits 0" [ $? = 0 ]
check "the container is removed" bash -c "! docker inspect '$SVT_TAG-gone' >/dev/null 2>&1"
check "with --remove-volumes its anonymous volume goes too (docker rm -v)" \
	bash -c "! docker volume inspect '$v2' >/dev/null 2>&1"
finish
