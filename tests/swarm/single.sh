#!/usr/bin/env bash
# single.sh — "Done when" of the swarm stack: on a fresh single-node swarm,
# `docker stack deploy -c deploy/stack.yml gestor` brings the whole system up
# with nothing but what `make images` made: the images and deploy/secrets/.
# The node is a Docker-in-Docker container (tests/swarm/node/: Debian's
# docker.io) so that this machine's own dockerd never enters swarm mode;
# the images are loaded into it (docker save | docker load), deploy/ is
# copied in as `make images` left it, and the stack is deployed with no
# variable set, on a network of its own. Then: postgres, servicio and
# admin_logs converge, every service at its full count (nothing pending),
# this node's samples reach PostgreSQL, and its servicio manages a
# container. Everything it makes is named gss<pid>-*.
# parallel: yes docker
# timeout: 600
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/node-image.sh"
need_root
need_docker
need_cmd openssl

P=gss$$
NODE=$P-n1
IMAGES=(gestor/servicio:latest gestor/admin_logs:latest gestor/postgres:latest gestor/low:latest)
T0=$(date +%s)
say() { echo "# [$(($(date +%s) - T0))s] $*"; }

# what `make images` makes: the images, and the secrets when missing
for i in "${IMAGES[@]}"; do
	docker image inspect "$i" >/dev/null 2>&1 || skip "no image $i (make images)"
done
WORK=$(mktemp -d /tmp/$P.XXXXXX)
on_exit "rm -rf '$WORK'"
on_exit "docker network rm '$P-net' >/dev/null 2>&1"
on_exit "docker rm -f -v '$NODE' >/dev/null 2>&1"
cp -r "$GESTOR_TOP/deploy" "$WORK/deploy"
rm -rf "$WORK/deploy/secrets" # made here as `make images` makes them
out=$(cd "$WORK/deploy" && BUILD=$GESTOR_BUILD ./build-images.sh --secrets-only 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "build-images.sh makes the stack's secrets" test "$rc" = 0

# the node image: kept between runs, built when its context changed
# (tests/swarm/node-image.sh; --force-rm leaves no build container behind)
swarm_node_image "$WORK/build.err" || { cat "$WORK/build.err"; fail "the node image does not build"; }
OPTS=(--cap-add ALL --security-opt seccomp=unconfined --security-opt apparmor=unconfined
	--security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm' --cgroupns private
	-l "gestor.test=$P" --network "$P-net")
[ $((0x$(awk '/^CapBnd/ {print $2}' /proc/self/status) >> 24 & 1)) = 0 ] && OPTS+=(--cap-drop SYS_RESOURCE)
docker network create "$P-net" >/dev/null || fail "cannot create the network $P-net"
docker run -d --name "$NODE" --hostname "$NODE" "${OPTS[@]}" "$NODE_IMAGE" >/dev/null ||
	skip "cannot start a Docker-in-Docker node here"
nd() { docker exec -i "$NODE" docker "$@"; }
up() { nd info >/dev/null 2>&1; }
if ! wait_for 90 up; then
	docker exec "$NODE" tail -n 20 /var/log/dockerd.log 2>&1 | sed 's/^/# /'
	skip "no Docker-in-Docker here: the node's dockerd does not answer"
fi
docker save "${IMAGES[@]}" | nd load -q >/dev/null
check "the images load into the node" test "${PIPESTATUS[0]}${PIPESTATUS[1]}" = 00
docker cp "$WORK/deploy" "$NODE:/deploy" || fail "cannot copy deploy/ into the node"

nd swarm init >/dev/null || fail "docker swarm init failed in the node"
say "docker stack deploy -c deploy/stack.yml gestor (fresh single-node swarm)"
docker exec -w /deploy "$NODE" docker stack deploy -c stack.yml gestor >"$WORK/deploy.out" 2>&1
rc=$?
sed 's/^/# /' "$WORK/deploy.out"
check "docker stack deploy succeeds" test "$rc" = 0
T1=$(date +%s)
replicas() { nd service ls --format '{{.Name}} {{.Replicas}}' | awk -v s="gestor_$1" '$1 == s {print $2}'; }
up_all() {
	[ "$(replicas postgres)" = 1/1 ] && [ "$(replicas servicio)" = 1/1 ] &&
		[ "$(replicas admin_logs)" = 1/1 ]
}
check "postgres 1/1, servicio 1/1 (global), admin_logs 1/1: nothing pending" wait_for 240 up_all
nd service ls --format '# {{.Name}} {{.Mode}} {{.Replicas}}'
say "up in $(($(date +%s) - T1)) s"
TOKEN=$(cat "$WORK/deploy/secrets/gestor_token")
docker cp "$WORK/deploy/secrets/gestor_tls_cert" "$NODE:/logs-ca.crt"
api() {
	docker exec "$NODE" curl -sf --max-time 5 --cacert /logs-ca.crt \
		-H "Authorization: Bearer $TOKEN" "https://localhost:8000$1"
}
has_runs() { api "/runs" | grep -q "\"host\": *\"$NODE\""; }
check "admin_logs answers over HTTPS on the node's port 8000 and lists this node's run" \
	wait_for 120 has_runs
nd run -d --name "$P-low1" -l gestor.managed=true gestor/low:latest >/dev/null
decided() { api "/logs?type=decision&container=$P-low1&limit=1" | grep -q '"action": *"kept"'; }
check "its servicio decides on a managed container (kept, logged in PostgreSQL)" wait_for 90 decided
say "done"
finish
