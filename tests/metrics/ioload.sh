# ioload.sh — the containers of known work that metrics/io and
# servicio/io_records compare with Docker's own figures (sourced after
# tests/servicio/common.sh; $T is the suite's directory).
#
# ioload_start PREFIX: builds tests/metrics/ioload.c (static) into the
# FROM-scratch image PREFIX-load:$$, makes the bridge network PREFIX-$$, and
# runs six managed containers named $SVT_TAG-NAME that do their work once
# and then stay still (so every counter is frozen when it is read):
#   disk  32 MiB written with O_DIRECT + fsync and read back, under a
#         generous write throttle rule (--device-write-bps 10gb on the disk
#         under Docker's root: kernels from 6.9 on count cgroup v1 block I/O
#         only on a device with a throttle rule)
#   rx/tx 24 MiB sent over the bridge network from tx to rx
#   cpu   4 s of one core under --cpus 0.05
#   thr   7 extra threads and one child
#   oom   a child touching 64 MiB under --memory 32m (OOM-killed)
# and waits until each has said it is done. Sets img, net, disk and T0 (the
# epoch second before the OOM container started: for `docker events`).
# ioload_stats: Docker's stats API (one-shot) for each into $T/NAME.json and
# ID[NAME]. near WHAT A B: a check that A and B are within 5 % of the larger
# ("none", "null" or empty: missing, fails). dj NAME JQ: a field of
# $T/NAME.json. ioload_oom_kills: the oom container's cgroup oom_kill count
# (v1 memory.oom_control, else v2 memory.events).
# shellcheck shell=bash
MIB=1048576
declare -A ID

ioload_run() { # NAME [docker args] -- ioload args
	local n=$1 a=()
	shift
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	docker run -d --name "$SVT_TAG-$n" --label gestor.managed=true --label gestor.class=low \
		--label "gestor.test=$SVT_TAG" "${a[@]}" "$img" "$@" >/dev/null || fail "docker run $n"
}
ioload_said() { docker logs "$SVT_TAG-$1" 2>&1 | grep -q "$2"; }

ioload_start() {
	img=$1-load:$$
	net=$1-$$
	on_exit "docker rmi -f '$img' >/dev/null"
	# the containers first: a network with containers attached stays
	on_exit "svt_cleanup_containers; docker network rm '$net' >/dev/null"
	cc -static -O2 -pthread -o "$T/ioload" "$GESTOR_TOP/tests/metrics/ioload.c" ||
		fail "cannot build the static load program"
	printf 'FROM scratch\nCOPY ioload /ioload\nENTRYPOINT ["/ioload"]\n' >"$T/Dockerfile"
	docker build -q -t "$img" "$T" >"$T/build.log" 2>&1 || { cat "$T/build.log"; fail "docker build of $img"; }
	docker network create --driver bridge "$net" >/dev/null || fail "docker network create $net"
	# the whole disk under Docker's root (the throttle rule wants a disk, not a partition)
	local src rx_ip
	src=$(df --output=source /var/lib/docker | tail -n 1)
	disk=/dev/$(lsblk -no pkname "$src" 2>/dev/null | head -n 1)
	[ "$disk" != /dev/ ] || disk=$src
	[ -b "$disk" ] || skip "no block device under /var/lib/docker ($src)"

	ioload_run disk --network none --device-write-bps "$disk:10gb" -- disk /f 32
	ioload_run rx --network "$net" -- serve 5000
	wait_for 30 ioload_said rx listening || fail "the receiver does not listen"
	rx_ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$SVT_TAG-rx")
	ioload_run tx --network "$net" -- send "$rx_ip" 5000 24
	ioload_run cpu --network none --cpus 0.05 -- burn 4
	ioload_run thr --network none -- threads 7
	T0=$(date +%s)
	ioload_run oom --network none --memory 32m --memory-swap 32m -- oom 64
	wait_for 60 ioload_said disk "disk wrote" || fail "disk: $(docker logs "$SVT_TAG-disk" 2>&1)"
	wait_for 60 ioload_said rx received || fail "rx: $(docker logs "$SVT_TAG-rx" 2>&1)"
	wait_for 60 ioload_said tx sent || fail "tx: $(docker logs "$SVT_TAG-tx" 2>&1)"
	wait_for 60 ioload_said cpu burnt || fail "cpu: $(docker logs "$SVT_TAG-cpu" 2>&1)"
	wait_for 30 ioload_said thr threads || fail "thr: $(docker logs "$SVT_TAG-thr" 2>&1)"
	wait_for 60 ioload_said oom child || fail "oom: $(docker logs "$SVT_TAG-oom" 2>&1)"
}

ioload_stats() {
	local n
	for n in disk rx tx cpu thr oom; do
		ID[$n]=$(docker inspect -f '{{.Id}}' "$SVT_TAG-$n")
		curl -sf --max-time 20 --unix-socket /var/run/docker.sock \
			"http://d/v1.41/containers/${ID[$n]}/stats?stream=false&one-shot=true" >"$T/$n.json" ||
			fail "docker stats API for $n"
	done
}

near() {
	check "$1: ours $2, reference $3, within 5 %" awk -v a="$2" -v b="$3" 'BEGIN {
		if (a == "none" || a == "null" || a == "" || b == "" || b == "null") exit 1
		d = a - b; if (d < 0) d = -d; m = a > b ? a : b; exit !(d <= 0.05 * m) }'
}
dj() { jq -r "$2" "$T/$1.json"; }

ioload_oom_kills() {
	local oc
	oc=$(awk '$1 == "oom_kill" { print $2 }' "/sys/fs/cgroup/memory/docker/${ID[oom]}/memory.oom_control" 2>/dev/null ||
		true)
	[ -n "$oc" ] || oc=$(awk '$1 == "oom_kill" { print $2 }' \
		"/sys/fs/cgroup/system.slice/docker-${ID[oom]}.scope/memory.events" 2>/dev/null)
	echo "$oc"
}
