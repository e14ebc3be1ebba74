#!/usr/bin/env bash
# stop_scope.sh — `make stop` (scripts/stop.sh) removes only what servicio
# with the same settings owns: the managed containers in its --scope, and
# its own admin_logs container (its --admin-name, labelled
# gestor.role=admin_logs). It leaves a managed container of another scope
# value, an unlabelled container, a container that opted out
# (gestor.managed=false), another servicio's admin_logs container, and every
# crontab line but its own marker's.
#
# Isolation on a shared machine: the containers have names and scope values
# of this suite's own (label gestor.stopscope, not gestor.test, which stop.sh
# treats as a suite's); the crontab is a file of the suite's
# (GESTOR_CRONTAB_FILE), the marker its own (GESTOR_CRON_ID); GESTOR_CONFIG
# names no file (the host's servicio.ini is not read); BUILD names a
# directory with no servicio, so the "servicio still running" guard sees
# no other run.
# timeout: 180
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
need_root
need_docker
IMG=gestor/low:latest
BARE=gestor/bookworm-base:latest
for i in "$IMG" "$BARE"; do
	docker image inspect "$i" >/dev/null 2>&1 || skip "image $i is missing (make images)"
done
TAG=gstopscope-$$
dir=$(mktemp -d /tmp/gstopscope.XXXXXX)
on_exit "rm -rf '$dir'"
on_exit "docker_rm_label gestor.stopscope-suite=$TAG"

# run NAME ARGS... : a container of this suite's (its own suite label for the cleanup)
run() {
	local n=$1
	shift
	docker run -d --name "$TAG-$n" --network none --label "gestor.stopscope-suite=$TAG" "$@" >/dev/null ||
		fail "docker run $n"
}
run in --label gestor.managed=true --label "gestor.stopscope=$TAG" "$IMG"
run in2 --label "gestor.stopscope=$TAG" "$IMG" # the image's own gestor.managed=true
run other --label gestor.managed=true --label "gestor.stopscope=$TAG-other" "$IMG"
run noscope "$IMG"
run optout --label gestor.managed=false --label "gestor.stopscope=$TAG" "$IMG"
run bare --label "gestor.stopscope=$TAG" "$BARE" sleep infinity
run al --label gestor.role=admin_logs "$IMG"
run otheral --label gestor.role=admin_logs "$IMG"

printf '%s\n' "* * * * * /bin/true # not gestor's" \
	"*/1 * * * * /bin/true # gestor-cron:$TAG" \
	"* * * * * /bin/false # gestor-cron:$TAG-other" >"$dir/crontab"

out=$(cd "$GESTOR_TOP" && env -u GESTOR_SCOPE -u GESTOR_ADMIN_NAME -u GESTOR_REMOVE_VOLUMES \
	BUILD="$dir/nobuild" GESTOR_CONFIG="$dir/none.ini" GESTOR_CRONTAB_FILE="$dir/crontab" \
	GESTOR_CRON_ID="$TAG" GESTOR_CRON_LOCK="$dir/cron.lock" \
	SERVICIO_ARGS="--scope gestor.stopscope=$TAG --admin-name $TAG-al" scripts/stop.sh 2>&1)
rc=$?
sed 's/^/# /' <<<"$out"
check "make stop succeeds (exit $rc)" [ "$rc" = 0 ]
check "it says which scope it honours" grep -q "scope gestor.stopscope=$TAG" <<<"$out"
gone() { ! docker inspect "$TAG-$1" >/dev/null 2>&1; }
here() { [ "$(docker inspect -f '{{.State.Running}}' "$TAG-$1" 2>/dev/null)" = true ]; }
check "the managed container in the scope is removed" gone in
check "so is the one managed by its image's label" gone in2
check "its own admin_logs container (--admin-name) is removed" gone al
check "a managed container of another scope value survives" here other
check "a managed container without the scope label survives" here noscope
check "a container that opted out (gestor.managed=false) survives" here optout
check "an unlabelled container survives" here bare
check "another servicio's admin_logs container survives" here otheral
check "the crontab keeps the line that is not gestor's" grep -qx "\* \* \* \* \* /bin/true # not gestor's" "$dir/crontab"
check "and another marker's line" grep -q "gestor-cron:$TAG-other\$" "$dir/crontab"
check "its own marker's line is gone" bash -c "! grep -q 'gestor-cron:$TAG\$' '$dir/crontab'"
finish
