# sdvm.sh — a Debian 12 VM booted with systemd as init, to install gestor's
# shellcheck shell=bash
# packages in as a user would (source it; tests/install/deb_vm.sh uses it).
#
# sdvm_image prints the path of the VM's root filesystem image, making it
# when missing: `debootstrap --variant=minbase` of bookworm from the Debian
# mirror with systemd-sysv (PID 1 is systemd, not a script), udev, dbus,
# Docker (docker.io, containerd), DKMS with linux-headers-<kver> (the kernel
# the VM boots: the host's /boot/vmlinuz-<kver>, whose modules are copied
# in) and every run-time dependency of the four gestor packages, so that
# `apt-get install ./*.deb` needs no network. It is kept as a sparse ext4
# image (mkfs.ext4 -d, no loop mount) under $GESTOR_SDVM_CACHE (default
# /var/cache/gestor/sdvm), named by a hash of its package list, its agent
# and the kernel, so a changed list makes a new one and an unchanged one is
# reused (debootstrap takes minutes, a boot much less).
#
# The image's one addition: the unit sdvm-agent.service (after
# multi-user.target), which mounts the second disk (the payload: /dev/vdb,
# ext4) at /sdvm and runs its stage.sh with stdout on the serial console.
# The agent is the test's hand in the VM; everything else is Debian's.
#
# sdvm_boot IMAGE PAYLOAD_DIR CONSOLE_LOG TIMEOUT boots it (qemu, TCG unless
# KVM really runs a guest: scripts/qemu-accel.sh) with the root disk as a
# throw-away snapshot (snapshot=on: the cached image is never written, and
# the snapshot lives as long as qemu, so a reboot inside the VM keeps what
# the first boot installed), the payload made into an ext4 disk, and no
# network device at all. A reboot in the VM resets the machine and boots
# the same kernel again; a poweroff ends qemu. The guest's /sdvm/out is
# copied back to PAYLOAD_DIR/out afterwards (debugfs). A kernel panic
# hangs the VM until TIMEOUT (no panic=-1: a reset would boot it again).
SDVM_CACHE=${GESTOR_SDVM_CACHE:-/var/cache/gestor/sdvm}
sdvm_kver=${GESTOR_KERNEL_VER:-$(for d in /lib/modules/*-amd64; do [ -d "$d/build" ] && basename "$d"; done 2>/dev/null | sort -V | tail -n1)}

# Beyond minbase: an init system as Debian installs it (systemd-sysv, udev,
# dbus), Docker, DKMS and the kernel's headers, curl to ask the log server,
# and the run-time dependencies of gestor, gestor-logs, gestor-dkms and
# gestor-demo (dpkg-deb -f *.deb Depends: libbpf1 libcap2 libcurl4 libinih1
# libjansson4 libmicrohttpd12 libsystemd0 libpq5 libsqlite3-0 adduser cron
# dkms docker.io). A dependency missing here makes apt-get fail for want of
# network, which is the test's point: the list must be complete. Also what
# apt-get would add as Recommends on a real system and Docker cannot do
# without on Debian's kernel: apparmor (AppArmor is on; without
# apparmor_parser dockerd refuses to create any container), xz-utils.
sdvm_pkgs() {
	echo "systemd-sysv,systemd,udev,dbus,apparmor,xz-utils,docker.io,containerd,runc,tini,iptables,kmod,procps,iproute2,ca-certificates,curl,cron,psmisc,dkms,libbpf1,libcap2,libcurl4,libinih1,libjansson4,libmicrohttpd12,libsystemd0,libpq5,libsqlite3-0,adduser"
}
# installed after debootstrap with apt-get from the host's sources (the
# kernel's headers are in bookworm-security, which debootstrap does not read)
sdvm_pkgs2() { echo "linux-headers-$sdvm_kver"; }

sdvm_agent_unit() {
	cat <<'EOF'
# sdvm-agent.service — the test's agent in gestor's install VM
# (tests/install/sdvm.sh): runs the payload disk's stage.sh once the system
# is up, its output on the serial console.
[Unit]
Description=gestor install test agent
After=multi-user.target
ConditionPathExists=/dev/vdb

[Service]
Type=simple
ExecStart=/usr/local/sbin/sdvm-agent
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no
TTYVTDisallocate=no

[Install]
WantedBy=multi-user.target
EOF
}

sdvm_agent() {
	cat <<'EOF'
#!/bin/bash
# sdvm-agent — mount the payload disk and run its stage.sh (tests/install/sdvm.sh)
mkdir -p /sdvm
if ! mount -t ext4 /dev/vdb /sdvm || [ ! -f /sdvm/stage.sh ]; then
	echo "@@VM-RC 125 (no payload disk)"
	systemctl poweroff
	exit 1
fi
cd /sdvm && exec bash /sdvm/stage.sh
EOF
}

# the netfilter modules dockerd needs, loaded at boot as a Docker host has them
SDVM_MODULES="overlay bridge br_netfilter veth nf_tables nft_compat nft_chain_nat nf_nat nf_conntrack xt_conntrack xt_MASQUERADE xt_addrtype xt_nat ipt_REJECT"

sdvm_key() {
	{
		sdvm_pkgs
		sdvm_pkgs2
		echo "$sdvm_kver $SDVM_MODULES"
		stat -c '%s %Y' "/boot/vmlinuz-$sdvm_kver" "/lib/modules/$sdvm_kver/modules.dep" 2>/dev/null
		sdvm_agent_unit
		sdvm_agent
		echo recipe-1
	} | sha256sum | cut -c1-16
}

sdvm_say() { echo "sdvm: $*" >&2; }

# sdvm_image: print the cached image's path (make it when missing);
# returns 77 after "skipped: why" when this machine cannot make it
sdvm_image() {
	local key img root t0 size m
	[ -n "$sdvm_kver" ] || { echo "skipped: no Debian -amd64 kernel with headers installed"; return 77; }
	command -v debootstrap >/dev/null || { echo "skipped: debootstrap is not installed"; return 77; }
	command -v mkfs.ext4 >/dev/null || { echo "skipped: mkfs.ext4 (e2fsprogs) is not installed"; return 77; }
	key=$(sdvm_key)
	img=$SDVM_CACHE/rootfs-$sdvm_kver-$key.ext4
	[ -s "$img" ] && { echo "$img"; return 0; }
	mkdir -p "$SDVM_CACHE"
	exec 9>"$SDVM_CACHE/.lock"
	flock 9
	[ -s "$img" ] && { exec 9>&-; echo "$img"; return 0; }
	t0=$(date +%s)
	root=$(mktemp -d /var/tmp/gestor-sdvm-root.XXXXXX)
	sdvm_say "making the VM's root filesystem with debootstrap from $("$GESTOR_TOP/scripts/debian-mirror.sh") (once per package list; minutes)"
	if ! debootstrap --variant=minbase --include="$(sdvm_pkgs)" bookworm "$root" \
		"$("$GESTOR_TOP/scripts/debian-mirror.sh")" >"$SDVM_CACHE/debootstrap.log" 2>&1; then
		tail -n 20 "$SDVM_CACHE/debootstrap.log" >&2
		rm -rf "$root"
		exec 9>&-
		sdvm_say "debootstrap failed (log: $SDVM_CACHE/debootstrap.log)"
		return 1
	fi
	# the host's apt sources (bookworm, -updates, -security), then the headers
	rm -f "$root/etc/apt/sources.list"
	cp -a /etc/apt/sources.list.d/. "$root/etc/apt/sources.list.d/" 2>/dev/null
	[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/"
	mount -t proc proc "$root/proc"
	# shellcheck disable=SC2046 # one word per package
	if ! { chroot "$root" apt-get update -q && DEBIAN_FRONTEND=noninteractive chroot "$root" \
		apt-get install -y -q --no-install-recommends $(sdvm_pkgs2); } >"$SDVM_CACHE/apt.log" 2>&1; then
		umount "$root/proc"
		tail -n 20 "$SDVM_CACHE/apt.log" >&2
		rm -rf "$root"
		exec 9>&-
		sdvm_say "apt-get install $(sdvm_pkgs2) in the root failed (log: $SDVM_CACHE/apt.log)"
		return 1
	fi
	umount "$root/proc"
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
	# the booted kernel's modules (the kernel is the host's file, not a
	# package here; its headers are: linux-headers-<kver>, DKMS's input)
	mkdir -p "$root/usr/lib/modules/$sdvm_kver"
	(cd "/lib/modules/$sdvm_kver" && tar --exclude=./build --exclude=./source -cf - .) |
		tar -C "$root/usr/lib/modules/$sdvm_kver" -xf -
	echo gestorvm >"$root/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 gestorvm\n::1 localhost\n' >"$root/etc/hosts"
	: >"$root/etc/resolv.conf"
	printf '# root is mounted by the kernel (root=/dev/vda rw)\n' >"$root/etc/fstab"
	for m in $SDVM_MODULES; do echo "$m"; done >"$root/etc/modules-load.d/docker.conf"
	mkdir -p "$root/etc/docker"
	echo '{ "storage-driver": "overlay2", "log-level": "warn" }' >"$root/etc/docker/daemon.json"
	sdvm_agent_unit >"$root/etc/systemd/system/sdvm-agent.service"
	sdvm_agent >"$root/usr/local/sbin/sdvm-agent"
	chmod 755 "$root/usr/local/sbin/sdvm-agent"
	ln -sf /etc/systemd/system/sdvm-agent.service "$root/etc/systemd/system/multi-user.target.wants/sdvm-agent.service"
	# the console is the agent's; timers that would start apt or man-db
	# work in the middle of a run are off (a machine at rest)
	for u in serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
		man-db.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer systemd-timesyncd.service; do
		ln -sf /dev/null "$root/etc/systemd/system/$u"
	done
	chroot "$root" systemd-machine-id-setup >/dev/null 2>&1 || true
	size=$(($(du -sm "$root" | cut -f1) + 3072))
	rm -f "$SDVM_CACHE"/rootfs-*.ext4
	if ! mkfs.ext4 -q -F -L sdvm-root -d "$root" "$img.tmp" "${size}M" >"$SDVM_CACHE/mkfs.log" 2>&1; then
		cat "$SDVM_CACHE/mkfs.log" >&2
		rm -rf "$root" "$img.tmp"
		exec 9>&-
		return 1
	fi
	rm -rf "$root"
	mv "$img.tmp" "$img"
	exec 9>&-
	sdvm_say "root image $img made in $(($(date +%s) - t0)) s ($(du -sm "$img" | cut -f1) MiB used of ${size} MiB)"
	echo "$img"
}

# sdvm_boot IMAGE PAYLOAD_DIR CONSOLE_LOG TIMEOUT [MEM_MB] [CPUS]: qemu's
# exit status (124 on timeout)
sdvm_boot() {
	local img=$1 p=$2 console=$3 limit=$4 mem=${5:-3072} cpus=${6:-2}
	local accel cpu=max psize disk qrc
	accel=$("$GESTOR_TOP/scripts/qemu-accel.sh" "/boot/vmlinuz-$sdvm_kver") || return 2
	[ "$accel" = kvm ] && cpu=host
	disk=$p.ext4
	mkdir -p "$p/out"
	psize=$(($(du -sm "$p" | cut -f1) + 256))
	mkfs.ext4 -q -F -L sdvm-payload -d "$p" "$disk" "${psize}M" || return 2
	rm -rf "$p/out"
	sdvm_say "booting $sdvm_kver with systemd ($accel, $cpus CPUs, $mem MiB, no network)"
	timeout -k 5 "$limit" qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -m "$mem" -smp "$cpus" \
		-kernel "/boot/vmlinuz-$sdvm_kver" -initrd "/boot/initrd.img-$sdvm_kver" \
		-append "root=/dev/vda rw rootfstype=ext4 console=ttyS0 quiet loglevel=4 net.ifnames=0 systemd.show_status=error" \
		-drive "file=$img,format=raw,if=virtio,snapshot=on,cache=unsafe" \
		-drive "file=$disk,format=raw,if=virtio,cache=writeback" \
		-nic none -display none -monitor none -nodefaults -serial stdio </dev/null 2>&1 |
		sed -u 's/\r$//' >"$console"
	qrc=${PIPESTATUS[0]}
	debugfs -R "rdump /out $p" "$disk" >/dev/null 2>&1 || sdvm_say "could not read the guest's /out"
	rm -f "$disk"
	return "$qrc"
}
