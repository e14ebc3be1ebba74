# node-image.sh — the Docker-in-Docker node image of the swarm suites
# shellcheck shell=bash
# (tests/swarm/node/: Debian's docker.io on gestor/bookworm-base). Source it
# after tests/lib.sh.
#
# swarm_node_image ERRFILE sets NODE_IMAGE to
# gestor-test/swarm-node:<key>, where the key is a hash of the build context
# (Dockerfile, node-start.sh) and of the base image's id, and builds it when
# it is missing. The image is kept between runs, as the bare image of
# tests/foundation/bare.sh is: it holds nothing of the project (the suites
# load the images they test into each node they start), so a kept one is
# the same as a new one; a change to the context or the base makes a new
# key. (Built anew and removed by every run, it cost each run the apt-get
# of docker.io, and a removal under a concurrent build broke that build.)
# Two suites that start at once build it once: a lock. Images of other
# keys (an older context) are removed when no container uses them.
swarm_node_image() {
	local err=$1 ctx=$GESTOR_TOP/tests/swarm/node base key old rc=0
	base=$(docker image inspect -f '{{.Id}}' gestor/bookworm-base:latest 2>/dev/null) || {
		echo "no image gestor/bookworm-base:latest (make images)" >"$err"
		return 1
	}
	key=$({ cat "$ctx/Dockerfile" "$ctx/node-start.sh"; echo "$base"; } | sha256sum | cut -c1-16)
	NODE_IMAGE=gestor-test/swarm-node:$key
	mkdir -p /var/cache/gestor
	exec 8>/var/cache/gestor/swarm-node.lock
	flock 8
	if ! docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then
		docker build -q --force-rm -t "$NODE_IMAGE" "$ctx" >/dev/null 2>"$err" || rc=1
	fi
	for old in $(docker images --format '{{.Repository}}:{{.Tag}}' gestor-test/swarm-node); do
		[ "$old" = "$NODE_IMAGE" ] || docker image rm "$old" >/dev/null 2>&1
	done
	exec 8>&-
	return "$rc"
}
