#!/usr/bin/env bash
# sandbox.sh — how tests/run.sh runs a suite of the parallel lane: in
# namespaces of its own, where it cannot change what the serial lane's
# machine-wide leak check looks at, and checked for what it left in them.
#
# Started by the runner as PID 1 of new network, mount and PID namespaces
# (unshare --net --mount --pid --fork --mount-proc --propagation private),
# with all the runner's capabilities, it:
#   - brings up loopback: the suite's servers listen on 127.0.0.1 of its own
#     network namespace (no port of the machine's can be taken or left;
#     "hostnet" suites, which need the network, share the machine's and
#     must not listen);
#   - gives it a /tmp of its own (PRIVTMP, the runner's directory for it;
#     $BUILD stays where it is when it lives under /tmp), an empty
#     /dev/shm and an empty /run/netns (a namespace it makes with `ip netns
#     add` is its own);
#   - makes the Docker socket a dead end (/dev/null; with docker-ro: a
#     proxy that passes only GET and HEAD, so images can be read and saved
#     but nothing created), and /var/spool/cron, /var/lib (so
#     /var/lib/gestor, there or not) and /sys/fs/bpf read-only;
#   - runs the suite without CAP_SYS_MODULE (no module), without CAP_BPF
#     and CAP_PERFMON unless given "bpf" (a BPF program it loads goes with
#     its file descriptors: /sys/fs/bpf is read-only, so nothing is
#     pinned), and without CAP_SYS_ADMIN (no mount, no netns) unless given
#     "mounts" (its mounts and network namespaces are its own anyway);
#   - after the suite ended, waits up to 10 s for its processes to go, then
#     writes to LEFTOVERS what is still there: processes and listening
#     sockets of its processes. (Files left in PRIVTMP are the runner's to
#     list.) When this
#     exits, the kernel kills whatever still runs in the PID namespace.
#
# "docker" (a suite that makes Docker containers, networks or volumes:
# the servicio suites, the fresh machine) changes three things, because
# Docker resolves a bind mount's path and shows a container's processes in
# the machine's namespaces, not in the suite's:
#   - the Docker socket is a labelling proxy of its own (tests/
#     docker_label.py): everything the suite creates through it carries
#     gestor.test.lane=<area/name>@<sandbox PID>. The serial lane's stock leaves such
#     things out, and here the containers and networks with its label still
#     there 10 s after the suite ended are its leftovers;
#   - /tmp is the machine's (a path given to `docker run -v` must be one
#     Docker sees) and there is no PID namespace (the runner leaves out
#     --pid: servicio reads its containers' processes in /proc): the suite's
#     processes are told apart by a cgroup of their own (pids, or cgroup
#     v2), and those still there are leftovers, then killed;
#   - GESTOR_STATE_DIR is given as in the serial lane (/var/lib is read-only).
# A "docker" suite must not publish container ports or change anything the
# stock looks at other than through that socket.
#
# MODE: the words of the suite's "# parallel: yes WORDS" line joined with
# commas ("mounts", "bpf", "docker-ro", "docker", "hostnet"), or "plain".
# Usage (the runner's): sandbox.sh MODE PRIVTMP LEFTOVERS LIMIT DOCKER-PROXY-SOCKET KEEP -- ENV... -- SUITE
# Exit status: the suite's (124 when `timeout` stopped it).
set -uo pipefail
mode=$1 priv=$2 leftovers=$3 limit=$4 dproxy=$5 keep=$6
shift 6
[ "$1" = -- ] && shift
env_=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do env_+=("$1") && shift; done
shift
suite=$1

die() {
	echo "sandbox: $*" >&2
	echo "sandbox: $*" >>"$leftovers"
	exit 125
}
ro_bind() { # make PATH read-only here (when it exists)
	[ -e "$1" ] || return 0
	mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || die "cannot make $1 read-only"
}

ip link set lo up || die "no loopback in the suite's network namespace"
docker=
[[ ",$mode," == *,docker,* ]] && docker=1
# the suite's name, as the runner prints it (area/name)
lane_name=$(basename "$(dirname "$suite")")/$(basename "$suite" .sh)
# the label's value: the name and this sandbox's PID, so that what an
# earlier, interrupted run of the same suite left is not this run's (the
# runner removes such things when their sandbox is gone)
lane_label=$lane_name@$$

if [ -z "$docker" ]; then
# /tmp: the private directory, with the build directory and the checkout
# (KEEP, colon-separated) mounted back at their paths when under /tmp
kept=()
for k in $(tr : '\n' <<<"$keep" | sort -u); do
	[[ "$k" == /tmp/?* ]] || continue
	under=
	for o in "${kept[@]}"; do [[ "$k" == "$o"/* ]] && under=1; done
	[ -n "$under" ] && continue
	mkdir -p "$priv/${k#/tmp/}" && mount --bind "$k" "$priv/${k#/tmp/}" ||
		die "cannot keep $k in the private /tmp"
	kept+=("$k")
done
chmod 1777 "$priv"
mount --rbind "$priv" /tmp || die "cannot mount the private /tmp"
fi
# (and /dev/shm, which is the machine's otherwise)
[ -d /dev/shm ] && { mount -t tmpfs -o mode=1777 gestor-sandbox-shm /dev/shm || die "cannot make /dev/shm private"; }
mkdir -p /run/netns && mount -t tmpfs -o mode=755 gestor-sandbox-netns /run/netns ||
	die "cannot make /run/netns private"

lproxy="" lsock=""
if [ -n "$docker" ]; then
	# (the socket lives beside LEFTOVERS, under the build directory)
	# (and reaches the engine by a path of its own: /run/docker.sock is
	# about to be the proxy itself)
	lsock=$leftovers.docker.sock
	real=$leftovers.engine.sock
	: >"$real" && mount --bind /run/docker.sock "$real" || die "cannot reach the Docker engine's socket"
	/usr/bin/python3 "$(dirname "$0")/docker_label.py" "$lsock" "gestor.test.lane=$lane_label" "$real" \
		>"$leftovers.proxy.log" 2>&1 &
	lproxy=$!
	# (no PID namespace ends it with this shell: a "die" below must too)
	trap '[ -n "$lproxy" ] && kill "$lproxy" 2>/dev/null' EXIT
	for _ in $(seq 1 300); do [ -S "$lsock" ] && break; sleep 0.1; done
	[ -S "$lsock" ] || die "the labelling Docker proxy did not start: $(tail -n 3 "$leftovers.proxy.log")"
fi
for sock in /run/docker.sock /var/run/docker.sock; do
	[ -S "$sock" ] || continue
	if [ -n "$docker" ]; then
		mount --bind "$lsock" "$sock" || die "cannot put the labelling Docker proxy on $sock"
	elif [[ ",$mode," == *,docker-ro,* ]] && [ -S "$dproxy" ]; then
		mount --bind "$dproxy" "$sock" || die "cannot put the read-only Docker proxy on $sock"
	else
		mount --bind /dev/null "$sock" || die "cannot hide $sock"
	fi
	break
done
ro_bind /var/spool/cron
ro_bind /var/lib # (with /var/lib/gestor, present or not)
ro_bind /sys/fs/bpf

drop=-sys_module
[[ ",$mode," == *,bpf,* ]] || drop+=,-bpf,-perfmon
[[ ",$mode," == *,mounts,* ]] || drop+=,-sys_admin

# a "docker" suite's processes: a cgroup of their own (this shell joins it
# before starting the suite, the proxy above stays out)
cg=
if [ -n "$docker" ]; then
	cgname=gestor-lane-$$-${lane_name//\//_}
	for d in /sys/fs/cgroup /sys/fs/cgroup/pids; do
		[ -w "$d/cgroup.procs" ] || continue
		[ "$d" = /sys/fs/cgroup ] && [ ! -e "$d/cgroup.controllers" ] && continue # (v1: no processes at its root)
		mkdir "$d/$cgname" 2>/dev/null && echo $$ >"$d/$cgname/cgroup.procs" && cg=$d/$cgname && break
		rmdir "$d/$cgname" 2>/dev/null
	done
	[ -n "$cg" ] || die "no cgroup to tell the suite's processes apart (cgroup v2 or v1 pids)"
	env_+=("GESTOR_STATE_DIR=$leftovers.state")
	mkdir -p "$leftovers.state"
fi

setpriv --bounding-set "$drop" -- env -i "${env_[@]}" timeout -k 60 "$limit" "$suite" </dev/null &
child=$!
wait "$child"
rc=$?

# what is still running here: every process but this one (zombies are gone
# already as far as the suite is concerned). Bash builtins only, so that
# the check does not see itself.
still() {
	local p st comm
	: >"$leftovers.procs"
	local procs=(/proc/[0-9]*)
	if [ -n "$cg" ]; then
		procs=()
		while read -r p; do procs+=("/proc/$p"); done <"$cg/cgroup.procs"
	fi
	for p in "${procs[@]}"; do
		p=${p#/proc/}
		[ "$p" = 1 ] || [ "$p" = $$ ] && continue
		read -r st <"/proc/$p/stat" 2>/dev/null || continue
		st=${st##*) }
		[ "${st%% *}" = Z ] && continue
		read -r comm <"/proc/$p/comm" 2>/dev/null || comm=?
		echo "process: $comm" >>"$leftovers.procs"
	done
	[ -s "$leftovers.procs" ]
}
# docker: the containers and networks with the suite's label
dstock() {
	[ -n "$docker" ] || return 0
	timeout 20 docker ps -a --filter "label=gestor.test.lane=$lane_label" --format 'container: {{.Names}} ({{.Image}})' 2>/dev/null
	timeout 20 docker network ls --filter "label=gestor.test.lane=$lane_label" --format 'network: {{.Name}}' 2>/dev/null
}
for _ in $(seq 1 20); do
	still || [ -n "$(dstock)" ] || break
	sleep 0.5
done
{
	[ -s "$leftovers.procs" ] && sort "$leftovers.procs" | uniq -c | awk '{ c = $1; $1 = ""; print substr($0, 2) (c > 1 ? " (" c ")" : "") }'
	# (-p: only the processes of this PID namespace are seen, so with
	# "hostnet" the machine's other listeners are not counted; a "docker"
	# suite shares the machine's PID namespace: with "hostnet" its listeners
	# are its processes, counted above, in a network of its own they are
	# the namespace's)
	if [ -z "$docker" ] || [[ ",$mode," != *,hostnet,* ]]; then
		ss -Hltunp 2>/dev/null | grep 'users:' | awk '{ print "listening: " $1 " " $5 }'
	fi
	dstock
} >>"$leftovers"
rm -f "$leftovers.procs"
if [ -n "$cg" ]; then
	# what is left of the suite goes now (there is no PID namespace to end
	# with this shell), then the cgroup
	echo $$ >"$(dirname "$cg")/cgroup.procs"
	while read -r p; do kill -9 "$p" 2>/dev/null; done <"$cg/cgroup.procs"
	for _ in $(seq 1 20); do rmdir "$cg" 2>/dev/null && break; sleep 0.2; done
fi
if [ -n "$lproxy" ]; then kill "$lproxy" 2>/dev/null; wait "$lproxy" 2>/dev/null; lproxy=""; fi
rm -f "$lsock" "$leftovers.proxy.log"
[ -n "$docker" ] && { umount "$real" 2>/dev/null; rm -f "$real"; }
[ -n "$docker" ] && rm -rf --one-file-system "$leftovers.state"
exit "$rc"
