#!/usr/bin/env bash
# vm.sh — run shell commands inside a throw-away VM booted from the real
# Debian kernel, and bring their results back to the host.
#
# Builds an initramfs of busybox-static plus the files you add, boots
# /boot/vmlinuz-<ver> in qemu-system-x86_64 (uncompressed once and booted
# at its PVH entry: scripts/qemu-kernel.sh; KVM when a probe guest boots
# with it, else TCG: scripts/qemu-accel.sh; -nographic style, console on the first serial port, -no-reboot,
# panic=-1, a hard timeout), runs your commands with /bin/sh and powers off.
#
# (Not executable on purpose: tests/run.sh runs every executable *.sh as a
# suite. Run it with bash.)
#
# Usage:
#   bash tests/kernel/vm.sh [--add FILE...] [--out DIR] [--mem MB] [--cpus N]
#                      [--timeout S] [--log FILE] -- 'shell commands'
#
#   --add FILE...  files copied into the VM's /opt (the working directory,
#                  first in PATH); e.g. sysinfo.ko and static test programs
#   --out DIR      whatever the commands leave in the VM's /out directory is
#                  copied to DIR on the host at the end (tar+base64 over the
#                  second serial port)
#   --mem MB       RAM (default 512)     --cpus N   CPUs (default 2)
#   --timeout S    hard limit for the whole VM run (default 300)
#   --log FILE     also keep the console output in FILE
#
# Inside the VM: /proc, /sys, /dev, /tmp are mounted; cgroups are mounted
# like this host's hybrid layout: cgroup2 at /sys/fs/cgroup/unified and the
# v1 controllers memory, cpu,cpuacct and pids at /sys/fs/cgroup/<name>.
# The commands' output goes to the console (this script's stdout).
#
# Exit status: the commands' exit status; 125 when the VM gave none (boot
# failure, kernel panic, timeout); 77 when qemu, busybox-static or the
# kernel image is missing (the reason is printed as "skipped: ...").
# Environment: GESTOR_KERNEL (kernel image, default the newest
# /boot/vmlinuz-*-amd64), GESTOR_QEMU_ACCEL (kvm|tcg, default automatic).
#
# Example (the metrics helper running its own collector in the VM):
#   bash tests/kernel/vm.sh --add build/bin/collector-static --out /tmp/o -- \
#       'collector-static > /out/sample.json'
set -uo pipefail

adds=() out= mem=512 cpus=2 limit=300 log= cmds=
while [ $# -gt 0 ]; do
	case "$1" in
	--add)
		shift
		while [ $# -gt 0 ] && [[ "$1" != --* ]]; do adds+=("$1"); shift; done
		continue
		;;
	--out) out=$2; shift ;;
	--mem) mem=$2; shift ;;
	--cpus) cpus=$2; shift ;;
	--timeout) limit=$2; shift ;;
	--log) log=$2; shift ;;
	--) shift; cmds=$*; break ;;
	-h | --help) sed -n '2,39p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "vm.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$cmds" ] || { echo "vm.sh: no commands (use -- 'commands')" >&2; exit 2; }

kernel=${GESTOR_KERNEL:-$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n1)}
command -v qemu-system-x86_64 >/dev/null || { echo "skipped: qemu-system-x86_64 is not installed"; exit 77; }
[ -n "$kernel" ] && [ -r "$kernel" ] || { echo "skipped: no readable kernel image in /boot"; exit 77; }
bb=$(command -v busybox) && file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
	{ [ -x /bin/busybox ] && bb=/bin/busybox; } || { echo "skipped: busybox-static is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/gestor-vm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/root
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,opt,out,etc,root}
cp "$bb" "$stage/bin/busybox"
for a in $("$bb" --list); do [ "$a" = busybox ] || ln -sf busybox "$stage/bin/$a"; done
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
mknod -m 666 "$stage/dev/null" c 1 3 2>/dev/null || true
for f in "${adds[@]}"; do
	[ -e "$f" ] || { echo "vm.sh: --add: no such file: $f" >&2; exit 2; }
	cp -a "$f" "$stage/opt/"
done
printf '%s\n' "$cmds" >"$stage/cmd.sh"
cat >"$stage/init" <<'EOF'
#!/bin/sh
export PATH=/opt:/bin:/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
mount -t tmpfs cgroup /sys/fs/cgroup
mkdir /sys/fs/cgroup/unified && mount -t cgroup2 none /sys/fs/cgroup/unified
for c in memory cpu,cpuacct pids; do
	mkdir "/sys/fs/cgroup/$c" && mount -t cgroup -o "$c" none "/sys/fs/cgroup/$c"
done
cd /opt
echo "@@VM-START"
sh /cmd.sh </dev/null
rc=$?
echo "@@VM-RC $rc"
if [ -n "$(ls -A /out)" ]; then
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	{ tar -C /out -cf - . | base64; echo "@@VM-OUT-END"; } >/dev/ttyS1
fi
sync
poweroff -f
EOF
chmod +x "$stage/init" "$stage/cmd.sh"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/initrd.gz"

# KVM only when a guest really runs with it (scripts/qemu-accel.sh probes
# once per host boot and says which it chose); GESTOR_QEMU_ACCEL overrides.
accel=$("$(dirname "$0")/../../scripts/qemu-accel.sh" "$kernel") || exit 2
# the same kernel uncompressed, booted at its PVH entry when it has one
# (scripts/qemu-kernel.sh: the guest does not unpack it at every boot)
boot_kernel=$("$(dirname "$0")/../../scripts/qemu-kernel.sh" "$kernel")
cpu=max
[ "$accel" = kvm ] && cpu=host
console=$tmp/console.log
: >"$tmp/out.b64"
timeout -k 5 "$limit" qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -m "$mem" -smp "$cpus" \
	-kernel "$boot_kernel" -initrd "$tmp/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init" \
	-display none -monitor none -no-reboot -nodefaults \
	-serial stdio -serial "file:$tmp/out.b64" </dev/null 2>&1 |
	stdbuf -oL tr -d '\r' | tee "$console"
qrc=${PIPESTATUS[0]}
[ -n "$log" ] && cp "$console" "$log"

rc=$(sed -n 's/^@@VM-RC \([0-9]\+\)$/\1/p' "$console" | tail -n1)
if [ -z "$rc" ]; then
	[ "$qrc" = 124 ] && echo "vm.sh: the VM timed out after ${limit}s" >&2 ||
		echo "vm.sh: the VM stopped without reporting a result (qemu exit $qrc)" >&2
	exit 125
fi
if [ -n "$out" ]; then
	mkdir -p "$out"
	if grep -q '^@@VM-OUT-END' <(tr -d '\r' <"$tmp/out.b64"); then
		tr -d '\r' <"$tmp/out.b64" | sed '/^@@VM-OUT-END/,$d' | base64 -d | tar -C "$out" -xf - ||
			{ echo "vm.sh: could not unpack the VM's /out" >&2; exit 125; }
	fi
fi
exit "$rc"
