#!/usr/bin/env bash
# sysvm.sh — the whole system in a qemu VM whose kernel can load the module.
#
# Boots Debian's own kernel (/boot/vmlinuz-<ver>-amd64, uncompressed by
# scripts/qemu-kernel.sh) in
# qemu-system-x86_64 with a real Debian 12 root filesystem: debootstrap
# --variant=minbase with docker.io, containerd, runc, cron, the runtime
# libraries servicio needs and the kernel's modules, made once and cached as
# an ext4 image (mkfs.ext4 -d, no loop mount) under $GESTOR_SYSVM_CACHE
# (default /var/cache/gestor/sysvm), rebuilt when its package list, its init
# or the kernel changes. The root disk is attached with snapshot=on, so the
# cached image is never written. The initramfs is a small one of this
# script's (busybox-static and the kernel's modules that reach the root
# disk, cached beside the image), not Debian's: that one is 31 MB of zstd
# that unpacks to 129 MB and runs udev, 12 s of the boot under TCG; Debian's
# is used when busybox-static or a module is missing.
#
# A second virtio disk (the payload, also made with mkfs.ext4 -d) carries in
# this repository (scripts, contenedores.sh, build/bin, kernel/sysinfo.ko built
# against the VM kernel's headers), the project's images (`docker save` on the
# host) and a guest script; the guest writes its results into /sysvm/out on
# the same disk, which is read back with debugfs after power-off.
#
# No systemd: the root image's /sbin/sysvm-init mounts the payload and runs
# its boot.sh, which mounts what Docker needs (cgroup v2), loads the
# netfilter modules, starts containerd, dockerd and cron, loads the images,
# runs the guest script and powers off with sysrq 'o' (minbase has no
# poweroff; an init that exits would panic the kernel).
#
# Usage:
#   scripts/sysvm.sh image                 make (or reuse) the cached root image
#   scripts/sysvm.sh run [options] -- FILE run FILE (bash) in the VM as root,
#                                          in /sysvm/repo, after Docker is up
#     --out DIR       copy the guest's /sysvm/out to DIR afterwards
#     --timeout S     hard limit of the whole VM run (default 900)
#     --mem MB        RAM (default 3072)      --cpus N   vCPUs (default 2)
#     --log FILE      keep the console output there too
#     --fwd H:G       forward the host's 127.0.0.1:H to the guest's 127.0.0.1:G
#                     (user-mode network; the guest relays with socat)
#     --interactive   console on this terminal (Ctrl+C reaches the guest script)
#     --env K=V       environment for the guest script (repeatable)
#   scripts/sysvm.sh interactive           `make run VM=1`: the system as `make
#                                          run` runs it, in the VM, on this
#                                          terminal (Ctrl+C stops servicio);
#                                          admin_logs on the host's
#                                          127.0.0.1:$VM_PORT (8000); the
#                                          report and database copied back to
#                                          $VM_OUT (/var/lib/gestor/vm)
#     passes DURATION, SERVICIO_ARGS, GESTOR_COUNT, GESTOR_MEM_MB,
#     GESTOR_CPU_PCT to the guest; VM_MEM (MiB, default 3072), VM_CPUS (2)
#
# The guest script sees: the repository copy in /sysvm/repo (cwd), results go
# to /sysvm/out, the console is its stdout. Exit status of `run`: the guest
# script's exit status; 125 when the VM gave none (boot failure, panic,
# timeout); 77 when something needed is missing (it says "skipped: why").
# Environment: GESTOR_QEMU_ACCEL (kvm|tcg; default: kvm only when a guest
# boots with it, scripts/qemu-accel.sh), GESTOR_KERNEL_VER (default: the newest installed -amd64
# kernel with headers), GESTOR_SYSVM_CACHE, BUILD.
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD=${BUILD:-$TOP/build}
CACHE=${GESTOR_SYSVM_CACHE:-/var/cache/gestor/sysvm}

say() { echo "sysvm: $*" >&2; }
die() {
	echo "sysvm: error: $*" >&2
	exit "${2:-1}"
}
skip() {
	echo "skipped: $*"
	exit 77
}

# What the VM's root filesystem holds beyond minbase. servicio's runtime
# libraries (ldd build/bin/servicio: libcurl4, libjansson4, libinih1; the
# rest come with them), what Docker needs (iptables with the nf_tables
# backend, kmod for modprobe, iproute2), cron for the job, socat to relay a
# forwarded port to the guest's loopback (make run VM=1).
SYSVM_PKGS=docker.io,containerd,runc,tini,iptables,kmod,procps,iproute2,ca-certificates,cron,libcurl4,libjansson4,libmicrohttpd12,libsqlite3-0,libinih1,socat,psmisc
# netfilter and friends that dockerd needs before it can set up its bridge
SYSVM_MODULES="overlay bridge br_netfilter veth nf_tables nft_compat nft_chain_nat nf_nat nf_conntrack xt_conntrack xt_MASQUERADE xt_addrtype xt_nat ipt_REJECT"

# The image preloaded into the root filesystem's Docker (once, when the root
# image is made): the admin_logs base, 177 MiB, which docker load would
# otherwise unpack and checksum at every boot (minutes under TCG).
SYSVM_BASE=${GESTOR_SYSVM_BASE:-gestor/bookworm-base:latest}

kver=${GESTOR_KERNEL_VER:-$(for d in /lib/modules/*-amd64; do [ -d "$d/build" ] && basename "$d"; done 2>/dev/null | sort -V | tail -n1)}

mirror() { "$TOP/scripts/debian-mirror.sh"; }

# The root image's init: mounts the payload disk and hands over to its boot.sh.
stub_init() {
	cat <<'EOF'
#!/bin/bash
# sysvm-init — PID 1 of the gestor system VM (scripts/sysvm.sh): mount the
# payload disk and run its boot.sh; power off whatever happens (an init that
# exits panics the kernel, minbase has no poweroff: sysrq 'o').
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /sysvm
if mount -t ext4 /dev/vdb /sysvm && [ -f /sysvm/boot.sh ]; then
	bash /sysvm/boot.sh
else
	echo "@@VM-RC 125 (no payload disk)"
fi
sync
echo 1 >/proc/sys/kernel/sysrq
echo o >/proc/sysrq-trigger
sleep 60
EOF
}

image_key() {
	{
		echo "$SYSVM_PKGS"
		echo "$kver"
		stat -c '%s %Y' "/boot/vmlinuz-$kver" "/lib/modules/$kver/modules.dep" 2>/dev/null
		stub_init
		docker image inspect -f '{{.Id}}' "$SYSVM_BASE" 2>/dev/null || echo "no base"
		echo recipe-3
	} | sha256sum | cut -c1-16
}

# How many of image $2's first layers the root image $1 holds already.
preloaded_layers() {
	local want have
	[ -s "$1.base" ] || { echo 0; return; }
	have=$(cat "$1.base")
	want=$(docker image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' "$2" 2>/dev/null)
	if [ -n "$have" ] && [[ "$want " == "$have "* ]]; then
		wc -w <<<"$have"
	else
		echo 0
	fi
}

# The modules the initramfs loads (with what they depend on, first): the
# virtio PCI transport and block disk, ext4 with the crc32c it checks its
# metadata with (the kernel would ask /sbin/modprobe for it, which the
# initramfs has not), and the virtio NIC that --fwd gives the guest.
SYSVM_INITRD_MODULES="virtio_pci virtio_blk crc32c_generic ext4 virtio_net"

# The initramfs's /init: the modules, then the root disk mounted as the
# kernel's command line says (root=, init=), and the root's init as PID 1.
initrd_init() {
	cat <<'EOF'
#!/bin/sh
# /init of the gestor system VM's initramfs (scripts/sysvm.sh)
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
while read -r m; do insmod "/lib/$m.ko" || echo "sysvm-initrd: insmod $m failed"; done </modules
root=/dev/vda init=/sbin/init
for a in $(cat /proc/cmdline); do
	case "$a" in root=*) root=${a#root=} ;; init=*) init=${a#init=} ;; esac
done
i=0
while [ ! -b "$root" ] && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /newroot
if ! mount -t ext4 -o rw "$root" /newroot; then
	echo "sysvm-initrd: cannot mount $root"
	poweroff -f
fi
umount /proc /sys /dev
exec switch_root /newroot "$init"
EOF
}

# Prints the path of the small initramfs for $kver, made once in $CACHE;
# nothing (and the VM boots with Debian's) when it cannot be made.
small_initrd() {
	local bb=/bin/busybox mods f key out stage m a
	[ -x "$bb" ] && file -L "$bb" 2>/dev/null | grep -q 'statically linked' || return 0
	command -v cpio >/dev/null && command -v modinfo >/dev/null || return 0
	# shellcheck disable=SC2086 # a list of names
	mods=$(initrd_modules $SYSVM_INITRD_MODULES | awk '!seen[$0]++') || return 0
	key=$({
		echo "$kver"
		initrd_init
		stat -c '%s %Y' "$bb"
		for m in $mods; do stat -c '%n %s %Y' "$(modinfo -k "$kver" -F filename "$m")"; done
	} | sha256sum | cut -c1-16)
	out=$CACHE/initrd-$kver-$key.cpio.gz
	if [ ! -s "$out" ]; then
		mkdir -p "$CACHE" || return 0
		stage=$(mktemp -d /var/tmp/gestor-sysvm-initrd.XXXXXX) || return 0
		mkdir -p "$stage"/{bin,lib,proc,sys,dev}
		cp "$bb" "$stage/bin/busybox"
		for a in sh mount umount insmod switch_root sleep cat mkdir poweroff; do ln -s busybox "$stage/bin/$a"; done
		for m in $mods; do
			f=$(modinfo -k "$kver" -F filename "$m")
			case "$f" in
			*.ko) cp "$f" "$stage/lib/$m.ko" ;;
			*.ko.xz) xz -dc "$f" >"$stage/lib/$m.ko" ;;
			*.ko.zst) zstd -qdc "$f" >"$stage/lib/$m.ko" ;;
			*) false ;;
			esac || { rm -rf "$stage"; return 0; }
			echo "$m" >>"$stage/modules"
		done
		initrd_init >"$stage/init"
		chmod 755 "$stage/init"
		# (written beside it, then renamed: another run may be doing the same)
		(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.$$" && mv "$out.$$" "$out"
		rm -rf "$stage" "$out.$$"
		[ -s "$out" ] || return 0
	fi
	echo "$out"
}

# initrd_modules NAME...: each module of this kernel after the modules it
# depends on; fails when one is missing (one built in is left out)
initrd_modules() {
	local m f d
	for m in "$@"; do
		f=$(modinfo -k "$kver" -F filename "$m" 2>/dev/null) && [ -n "$f" ] || return 1
		case "$f" in /*) ;; *) continue ;; esac # "(builtin)"
		d=$(modinfo -k "$kver" -F depends "$m" | tr ',' ' ')
		if [ -n "$d" ]; then
			# shellcheck disable=SC2086 # a list of names
			initrd_modules $d || return 1
		fi
		echo "$m"
	done
}

# Load $SYSVM_BASE into the Docker of root image $1, once (one boot with the
# image writable); "$1.base" then lists its layers. Nothing when the host has
# no such image; a failure is said once ("$1.nobase") and runs load it whole.
preload_base() {
	local img=$1 t0
	[ -e "$img.base" ] || [ -e "$img.nobase" ] && return 0
	docker image inspect "$SYSVM_BASE" >/dev/null 2>&1 || return 0
	exec 8>"$CACHE/.preload.lock"
	flock 8
	[ -e "$img.base" ] || [ -e "$img.nobase" ] && return 0
	say "preloading $SYSVM_BASE into the root image's Docker (one boot, once)"
	t0=$(date +%s)
	if (cmd_run --prep "$img" --timeout 1500 -- /dev/null) >"$CACHE/preload.log" 2>&1; then
		docker image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' "$SYSVM_BASE" |
			sed 's/ $//' >"$img.base"
		say "preloaded in $(($(date +%s) - t0)) s"
	else
		tail -n 20 "$CACHE/preload.log" >&2
		: >"$img.nobase"
		say "preloading failed (log: $CACHE/preload.log): every run loads the whole images"
	fi
}

# Prints the cached image's path, making it when missing.
cmd_image() {
	[ "$(id -u)" = 0 ] || die "must run as root (debootstrap)"
	[ -n "$kver" ] || skip "no Debian -amd64 kernel with headers installed (linux-image-amd64, linux-headers-amd64)"
	command -v debootstrap >/dev/null || skip "debootstrap is not installed"
	command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 (e2fsprogs) is not installed"
	local key img root t0 size
	key=$(image_key)
	img=$CACHE/rootfs-$kver-$key.ext4
	if [ -s "$img" ]; then
		preload_base "$img"
		echo "$img"
		return 0
	fi
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock 9
	if [ -s "$img" ]; then
		preload_base "$img"
		echo "$img"
		return 0
	fi
	t0=$(date +%s)
	root=$(mktemp -d /var/tmp/gestor-sysvm-root.XXXXXX)
	say "making the VM's root filesystem with debootstrap from $(mirror) (once; a few minutes)"
	if ! debootstrap --variant=minbase --include="$SYSVM_PKGS" bookworm "$root" "$(mirror)" \
		>"$CACHE/debootstrap.log" 2>&1; then
		tail -n 20 "$CACHE/debootstrap.log" >&2
		rm -rf "$root"
		die "debootstrap failed (log: $CACHE/debootstrap.log)"
	fi
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
		"$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
		"$root"/usr/share/locale/*
	# the kernel's modules (bookworm's /lib is a link to usr/lib)
	mkdir -p "$root/usr/lib/modules"
	cp -a "/lib/modules/$kver" "$root/usr/lib/modules/"
	rm -f "$root/usr/lib/modules/$kver/build" "$root/usr/lib/modules/$kver/source"
	stub_init >"$root/sbin/sysvm-init"
	chmod 755 "$root/sbin/sysvm-init"
	echo sysvm >"$root/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 sysvm\n::1 localhost\n' >"$root/etc/hosts"
	: >"$root/etc/resolv.conf"
	mkdir -p "$root/etc/docker"
	echo '{ "storage-driver": "overlay2", "log-level": "warn" }' >"$root/etc/docker/daemon.json"
	# room for the images and containers of a run (the disk is sparse)
	size=$(($(du -sm "$root" | cut -f1) + 2560))
	rm -f "$CACHE"/rootfs-*.ext4 "$CACHE"/rootfs-*.ext4.base "$CACHE"/rootfs-*.ext4.nobase
	if ! mkfs.ext4 -q -F -L sysvm-root -d "$root" "$img.tmp" "${size}M" >"$CACHE/mkfs.log" 2>&1; then
		cat "$CACHE/mkfs.log" >&2
		rm -rf "$root" "$img.tmp"
		die "mkfs.ext4 -d failed"
	fi
	rm -rf "$root"
	mv "$img.tmp" "$img"
	say "root image $img made in $(($(date +%s) - t0)) s ($(du -sm "$img" | cut -f1) MiB used of ${size} MiB)"
	preload_base "$img"
	echo "$img"
}


# The payload's boot.sh: everything the VM does after the kernel mounted its root.
boot_script() {
	cat <<EOF
#!/bin/bash
# boot.sh — made by scripts/sysvm.sh: bring up what a Debian host running
# gestor has (mounts, cgroup v2, netfilter modules, containerd, dockerd,
# cron), load the images, run the guest script, report its status.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
SYSVM_MODULES="$SYSVM_MODULES"
SYSVM_FWD="${fwd:-}"
EOF
	cat <<'EOF'
t0=$(cut -d' ' -f1 /proc/uptime)
mark() { echo "@@VM-MARK $(cut -d' ' -f1 /proc/uptime) $*"; }
mark "boot.sh started (kernel+init: ${t0}s)"
mount -o remount,rw / 2>/dev/null
mkdir -p /dev/pts /dev/shm /run /tmp /var/lib/docker
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t tmpfs -o mode=755 run /run
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
mkdir -p /run/lock /var/log/gestor
hostname sysvm
ip link set lo up
if [ -n "$SYSVM_FWD" ] && ip link show eth0 >/dev/null 2>&1; then
	ip link set eth0 up
	ip addr add 10.0.2.15/24 dev eth0
	ip route add default via 10.0.2.2
fi
# (one modprobe for all of them; each alone when that failed, to say which)
modprobe -a -q $SYSVM_MODULES ||
	for m in $SYSVM_MODULES; do modprobe -q "$m" || echo "sysvm: modprobe $m failed"; done
sysctl -qw net.ipv4.ip_forward=1
mark "modules loaded"
containerd >/var/log/containerd.log 2>&1 &
dockerd --containerd=/run/containerd/containerd.sock >/var/log/dockerd.log 2>&1 &
# dockerd is up when its socket answers: waited for with a test of the
# socket file, then the client, once. Under TCG each start of the docker
# client (a 40 MB Go program) takes a second of a vCPU, which polling with
# it every 0.2 s took from dockerd's own start-up; a client that connects
# before the daemon serves waits for it.
for _ in $(seq 1 1200); do [ -S /run/docker.sock ] && break; sleep 0.1; done
mark "dockerd's socket there"
for _ in $(seq 1 60); do timeout 120 docker version >/dev/null 2>&1 && break; sleep 1; done
if ! docker version >/dev/null 2>&1; then
	tail -n 30 /var/log/dockerd.log
	echo "@@VM-RC 125 (dockerd did not start)"
	exit 0
fi
mark "dockerd up"
cron
# (one tar with every image: one docker load)
for t in /sysvm/images/*.tar; do
	[ -f "$t" ] && docker load -q -i "$t"
done
mark "images loaded"
if [ -n "$SYSVM_FWD" ]; then
	for p in $SYSVM_FWD; do
		p=${p#*:}
		socat "TCP-LISTEN:$p,bind=10.0.2.15,fork,reuseaddr" "TCP:127.0.0.1:$p" &
	done
fi
mkdir -p /sysvm/out
# the boot's kernel messages (clocksource, CPUs, what the guest script's
# dmesg -C would lose); then a hung kernel's evidence on the console: the
# boot is quiet (loglevel=4), which keeps a soft lockup's registers and
# stack, the stall's NMI backtraces and the starved RCU kthread's stack
# (KERN_DEFAULT and KERN_INFO) off it, and the console is all a hung guest
# leaves (CI, 2026-12-06: 'soft lockup' on both vCPUs for 20 minutes, no
# stack; not on an interactive console, where they would go into the
# user's terminal); and every CPU's backtrace at a soft lockup, not only
# the stuck one's
dmesg >/sysvm/out/dmesg-boot.txt 2>&1
[ -n "${SYSVM_INTERACTIVE:-}" ] || dmesg -n 7
sysctl -qw kernel.softlockup_all_cpu_backtrace=1
cd /sysvm/repo || exit 0
set -a
[ -f /sysvm/env ] && . /sysvm/env
set +a
if [ -n "${SYSVM_INTERACTIVE:-}" ]; then
	# the console as the script's controlling terminal: Ctrl+C is SIGINT
	setsid -c -w bash /sysvm/guest.sh </dev/ttyS0 >/dev/ttyS0 2>&1
else
	bash /sysvm/guest.sh </dev/null
fi
rc=$?
mark "guest script done"
dmesg >/sysvm/out/dmesg.txt 2>&1
cp /var/log/dockerd.log /sysvm/out/dockerd.log 2>/dev/null
echo "$rc" >/sysvm/out/.rc
echo "@@VM-RC $rc"
sync
EOF
}

cmd_run() {
	local out= limit=900 mem=3072 cpus=2 log= fwd= interactive= script= envs=() prep=
	while [ $# -gt 0 ]; do
		case "$1" in
		--out) out=$2; shift ;;
		--timeout) limit=$2; shift ;;
		--mem) mem=$2; shift ;;
		--cpus) cpus=$2; shift ;;
		--log) log=$2; shift ;;
		--fwd) [[ "$2" =~ ^[0-9]+:[0-9]+$ ]] || die "--fwd takes HOSTPORT:GUESTPORT" 2
			fwd="$fwd $2"
			shift ;;
		--interactive) interactive=1 ;;
		--prep) prep=$2; shift ;; # internal: preload the base into this root image
		--env) envs+=("$2"); shift ;;
		--) script=${2:-}; shift $#; break ;;
		*) die "run: unknown option '$1'" 2 ;;
		esac
		shift
	done
	fwd=${fwd# }
	[ -n "$prep" ] || [ -f "$script" ] || die "run: no guest script (-- FILE)" 2
	[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, docker save)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	command -v debugfs >/dev/null || skip "debugfs (e2fsprogs) is not installed"
	[ -n "$kver" ] || skip "no Debian -amd64 kernel with headers installed"
	[ -r "/boot/vmlinuz-$kver" ] && [ -r "/boot/initrd.img-$kver" ] ||
		skip "no /boot/vmlinuz-$kver and initrd (linux-image-amd64)"
	local img
	if [ -n "$prep" ]; then
		img=$prep
	else
		img=$(cmd_image) || {
			local irc=$?
			[ "$irc" = 77 ] && echo "$img"
			exit "$irc"
		}
	fi
	local tmp
	tmp=$(mktemp -d /var/tmp/gestor-sysvm-run.XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	local p=$tmp/payload
	mkdir -p "$p/repo/build" "$p/images" "$p/out"
	[ -n "$prep" ] || payload_repo "$p" || exit 1
	local t0 im have=() any=0 n
	t0=$(date +%s)
	local images=${SYSVM_IMAGES:-gestor/admin_logs:latest gestor/high-cpu:latest gestor/high-ram:latest gestor/low:latest}
	[ -n "$prep" ] && images=$SYSVM_BASE
	# all in one tar: one docker load in the guest, their shared layers once
	for im in $images; do
		docker image inspect "$im" >/dev/null 2>&1 || die "image $im is missing (make images)"
		# how many of its first layers the root image holds already (its
		# preloaded base): left out, as docker load skips a layer it has
		# without reading it
		n=$(preloaded_layers "$img" "$im")
		have+=("$im=$n")
		[ "$n" -gt 0 ] && any=1
	done
	# shellcheck disable=SC2086 # a list of image names
	docker save -o "$tmp/image.tar" $images || die "docker save $images failed"
	if [ -z "$prep" ] && [ "$any" = 1 ] && command -v python3 >/dev/null &&
		python3 - "$tmp/image.tar" "$p/images/all.tar" "${have[@]}" <<'PY'; then
import json, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
have = dict(a.rsplit("=", 1) for a in sys.argv[3:])
with tarfile.open(src) as t:
    man = json.load(t.extractfile("manifest.json"))
    # a layer file is left out when it is one of an image's preloaded first
    # layers and no image needs it above those
    n = [int(have.get((m.get("RepoTags") or [""])[0], 0)) for m in man]
    drop = {p for m, k in zip(man, n) for p in m["Layers"][:k]}
    drop -= {p for m, k in zip(man, n) for p in m["Layers"][k:]}
    with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as o:
        for mem in t.getmembers():
            if mem.name not in drop:
                o.addfile(mem, t.extractfile(mem) if mem.isfile() else None)
PY
		rm -f "$tmp/image.tar"
	else
		mv "$tmp/image.tar" "$p/images/all.tar"
	fi
	say "images saved in $(($(date +%s) - t0)) s ($(du -sm "$p/images" | cut -f1) MiB)"
	if [ -n "$prep" ]; then
		# stop dockerd and containerd cleanly so the root image keeps the layers
		printf '%s\n' 'pkill -TERM dockerd; for _ in $(seq 150); do pgrep -x dockerd >/dev/null || break; sleep 0.2; done' \
			'pkill -TERM containerd; for _ in $(seq 150); do pgrep -x containerd >/dev/null || break; sleep 0.2; done' \
			'docker_ok=$(ls /var/lib/docker/image/overlay2/layerdb/sha256 | wc -l); echo "preloaded layers: $docker_ok"; sync' >"$p/guest.sh"
	else
		cp "$script" "$p/guest.sh"
	fi
	: >"$p/env"
	local e
	for e in "${envs[@]}"; do printf '%q\n' "$e" | sed 's/\\=/=/' >>"$p/env"; done
	[ -n "$interactive" ] && echo "SYSVM_INTERACTIVE=1" >>"$p/env"
	fwd=$fwd boot_script >"$p/boot.sh"
	local psize
	psize=$(($(du -sm "$p" | cut -f1) + 512))
	mkfs.ext4 -q -F -L sysvm-payload -d "$p" "$tmp/payload.ext4" "${psize}M" ||
		die "mkfs.ext4 -d of the payload failed"
	rm -rf "$p"
	vm_boot
}

# The repository as the guest needs it (sources of the scripts, the built
# programs, the module built against the VM kernel's headers, same layout so
# the scripts find them) into payload directory $1.
payload_repo() {
	local p=$1
	local built
	mkdir -p "$BUILD"
	built=$(modinfo -F vermagic "$TOP/kernel/sysinfo.ko" 2>/dev/null | awk '{print $1}')
	[ -z "$built" ] || [ "$built" = "$kver" ] ||
		make -s -C "$TOP/kernel" KDIR="/lib/modules/$kver/build" clean >/dev/null 2>&1
	make -s -C "$TOP/kernel" KDIR="/lib/modules/$kver/build" >"$BUILD/sysvm-kbuild.log" 2>&1 ||
		{ cat "$BUILD/sysvm-kbuild.log" >&2; die "the module does not build against /lib/modules/$kver/build"; }
	built=$(modinfo -F vermagic "$TOP/kernel/sysinfo.ko" | awk '{print $1}')
	[ "$built" = "$kver" ] || die "kernel/sysinfo.ko is built for '$built', not $kver"
	[ -x "$BUILD/bin/servicio" ] || die "$BUILD/bin/servicio is not built (make)"
	(cd "$TOP" && tar -cf - --exclude=./build --exclude=./.git --exclude='*.o' --exclude='*.cmd' .) |
		tar -C "$p/repo" -xf -
	cp -a "$BUILD/bin" "$p/repo/build/"
	# test tools a suite built for the guest (tests/system/chain.sh: bpfdoc)
	[ ! -d "$BUILD/tools" ] || cp -a "$BUILD/tools" "$p/repo/build/"
}

# Copies the console from stdin to stdout; when the guest's kernel says a
# CPU has been stuck (soft lockup: in the kernel without scheduling) for
# GESTOR_SYSVM_HANG_SECONDS (240) or more, the guest is hung for good: its
# line goes to file $2 and, 10 s later (the rest of the report: the stuck
# CPU's registers and stack, the other CPUs' NMI backtraces), qemu (pid in
# file $1) gets SIGTERM, instead of running on to --timeout (CI,
# 2026-12-06: both vCPUs stuck from the first container's start, 'stuck
# for 1129s' at the 1300 s limit). A vCPU the host did not run for a while
# reports a lockup as long as that pause (tens of seconds at most on a
# loaded host) and goes on.
hang_watch() {
	local line hang=${GESTOR_SYSVM_HANG_SECONDS:-240} re='soft lockup - CPU#[0-9]+ stuck for ([0-9]+)s' stop='' left st
	[[ "$hang" =~ ^[0-9]+$ ]] || hang=240
	while :; do
		line=
		if [ -n "$stop" ]; then
			left=$((stop - SECONDS))
			if [ "$left" -le 0 ]; then
				[ -s "$1" ] && kill -TERM "$(cat "$1")" 2>/dev/null
				stop=
				continue
			fi
			IFS= read -r -t "$left" line
			st=$?
			if [ "$st" != 0 ]; then
				# a timeout (status > 128) with part of a line, or the end
				[ "$st" -gt 128 ] || break
				printf '%s' "$line"
				continue
			fi
		else
			IFS= read -r line || break
		fi
		printf '%s\n' "$line"
		if [ ! -e "$2" ] && [[ "$line" =~ $re ]] && [ "${BASH_REMATCH[1]}" -ge "$hang" ]; then
			printf '%s\n' "$line" >"$2"
			stop=$((SECONDS + 10))
		fi
	done
	[ -n "$line" ] && printf '%s' "$line"
	return 0
}

# Boot the VM on $img (a throw-away snapshot of it, or the image itself with
# $prep) and $tmp/payload.ext4; variables of cmd_run.
vm_boot() {
	local accel
	# KVM only when a guest boots with it; GESTOR_QEMU_ACCEL overrides
	accel=$("$TOP/scripts/qemu-accel.sh" "/boot/vmlinuz-$kver") || return 2
	local cpu=max
	[ "$accel" = kvm ] && cpu=host
	local net=(-nic none)
	if [ -n "$fwd" ]; then
		local hf= port
		for port in $fwd; do hf="$hf,hostfwd=tcp:127.0.0.1:${port%%:*}-10.0.2.15:${port#*:}"; done
		net=(-nic "user,model=virtio-net-pci,restrict=on$hf")
	fi
	local console=$tmp/console.log
	local initrd kimg
	initrd=$(small_initrd)
	[ -n "$initrd" ] || initrd=/boot/initrd.img-$kver
	# the kernel uncompressed, booted at its PVH entry when it has one
	kimg=$("$TOP/scripts/qemu-kernel.sh" "/boot/vmlinuz-$kver")
	say "booting $kver ($accel, $cpus CPUs, $mem MiB; kernel $(basename "$kimg"), initramfs $(basename "$initrd"))"
	local snap=on
	[ -n "$prep" ] && snap=off
	# interactive: Ctrl+C goes to the guest (its servicio), not to qemu
	local sig=on
	[ -n "$interactive" ] && sig=off
	local qargs=(-accel "$accel" -cpu "$cpu" -m "$mem" -smp "$cpus"
		-kernel "$kimg" -initrd "$initrd"
		-append "root=/dev/vda rw rootfstype=ext4 init=/sbin/sysvm-init console=ttyS0 panic=-1 quiet loglevel=4 net.ifnames=0"
		-drive "file=$img,format=raw,if=virtio,snapshot=$snap,cache=unsafe"
		-drive "file=$tmp/payload.ext4,format=raw,if=virtio,cache=writeback"
		"${net[@]}" -display none -monitor none -no-reboot -nodefaults
		-chardev "stdio,id=con0,signal=$sig" -serial chardev:con0)
	t0=$(date +%s)
	local qrc
	if [ -n "$interactive" ]; then
		# the console is this terminal; Ctrl+C goes to the guest as a
		# character (-serial stdio in raw mode), so servicio sees SIGINT
		# (no pipe: qemu's stdin and stdout must be the terminal)
		qemu-system-x86_64 "${qargs[@]}"
		qrc=$?
		: >"$console"
	else
		timeout -k 5 "$limit" qemu-system-x86_64 "${qargs[@]}" -pidfile "$tmp/qemu.pid" </dev/null 2>&1 |
			sed -u 's/\r$//' | tee "$console" | hang_watch "$tmp/qemu.pid" "$tmp/hung"
		qrc=${PIPESTATUS[0]}
	fi
	say "VM ran $(($(date +%s) - t0)) s (qemu exit $qrc)"
	[ -n "$log" ] && tr -d '\r' <"$console" >"$log"
	local rc
	rc=$(tr -d '\r' <"$console" | sed -n 's/^@@VM-RC \([0-9]\+\).*$/\1/p' | tail -n1)
	if [ -z "$rc" ] && [ -n "$interactive" ]; then
		rc=$(debugfs -R "cat /out/.rc" "$tmp/payload.ext4" 2>/dev/null | tr -dc 0-9)
	fi
	if [ -n "$out" ]; then
		mkdir -p "$out"
		debugfs -R "rdump /out $out" "$tmp/payload.ext4" >/dev/null 2>"$tmp/debugfs.err" ||
			say "could not read the guest's /out: $(cat "$tmp/debugfs.err")"
		# rdump makes $out/out
		if [ -d "$out/out" ]; then
			cp -a "$out/out/." "$out/" && rm -rf "$out/out"
		fi
	fi
	if [ -z "$rc" ]; then
		if [ -s "$tmp/hung" ]; then
			say "the guest's kernel hung ('$(cat "$tmp/hung")'): qemu stopped; the stuck CPUs' stacks are on the console${log:+ ($log)}"
		elif [ "$qrc" = 124 ]; then
			say "the VM timed out after ${limit}s"
		else
			say "the VM stopped without reporting a result (qemu exit $qrc)"
		fi
		return 125
	fi
	return "$rc"
}

cmd_interactive() {
	local dest=${VM_OUT:-/var/lib/gestor/vm} port=${VM_PORT:-8000} envs=() v tmpout rc
	[[ "$port" =~ ^[0-9]+$ ]] || die "VM_PORT must be a port number"
	if command -v ss >/dev/null && ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
		die "the host's port $port is in use (set VM_PORT=another)"
	fi
	for v in DURATION SERVICIO_ARGS GESTOR_COUNT GESTOR_MEM_MB GESTOR_CPU_PCT; do
		[ -n "${!v:-}" ] && envs+=(--env "$v=${!v}")
	done
	envs+=(--env "SYSVM_PORT=$port")
	if [ -t 1 ]; then
		envs+=(--env "SYSVM_COLS=$(tput cols 2>/dev/null || echo 80)" --env "SYSVM_ROWS=$(tput lines 2>/dev/null || echo 24)")
	fi
	tmpout=$(mktemp -d /var/tmp/gestor-sysvm-out.XXXXXX)
	say "booting the system VM (the first run makes its root filesystem: a few minutes); admin_logs will be on http://127.0.0.1:$port"
	cmd_run --interactive --fwd "$port:8000" --out "$tmpout" --mem "${VM_MEM:-3072}" \
		--cpus "${VM_CPUS:-2}" --timeout 0 "${envs[@]}" -- "$TOP/scripts/sysvm-guest-run.sh"
	rc=$?
	if [ -d "$tmpout/admin_logs/report" ]; then
		mkdir -p "$dest"
		cp -a "$tmpout/admin_logs/." "$dest/"
		cp -a "$tmpout/contenedores.log" "$tmpout/containers.txt" "$dest/" 2>/dev/null
		say "report: $dest/report/index.html (database: $dest/gestor.db)"
	else
		say "no report came back from the VM"
	fi
	rm -rf "$tmpout"
	return "$rc"
}

case "${1:-}" in
interactive) shift; cmd_interactive "$@" ;;
image) shift; cmd_image "$@" ;;
run) shift; cmd_run "$@" ;;
-h | --help | "") sed -n '2,53p' "$0" | sed 's/^# \{0,1\}//' ;;
*) die "unknown command '$1' (image|run)" 2 ;;
esac
