#!/usr/bin/env bash
# qemu-accel.sh — which qemu accelerator actually runs a guest here: kvm or
# tcg, printed on stdout, with one line on stderr that says why.
#
# A /dev/kvm that exists and is writable is not proof: on some hosts KVM
# fails as the first vCPU starts ("failed to set MSR 0x10a", then an abort).
# So KVM is chosen only after a real guest has run with it: the kernel given
# (default the newest /boot/vmlinuz-*-amd64) is booted with no root file
# system and must print "Linux version" on the serial console; it then
# panics and qemu exits (-no-reboot, panic=-1). That takes about a second.
# Anything else means tcg. The verdict is kept for this boot of the host in
# /run/gestor/qemu-accel.<kernel> so a suite that boots many VMs probes once.
#
# GESTOR_QEMU_ACCEL=kvm|tcg overrides the probe. GESTOR_QEMU_PROBE_SECONDS
# (default 30) is how long the probe guest has to print that line: a KVM
# that hangs instead of failing (this CI host's) spins a core in the kernel
# for all of it.
#
# Usage: scripts/qemu-accel.sh [KERNEL]
set -uo pipefail

if [ -n "${GESTOR_QEMU_ACCEL:-}" ]; then
	case "$GESTOR_QEMU_ACCEL" in
	kvm | tcg) ;;
	*) echo "qemu-accel: GESTOR_QEMU_ACCEL must be kvm or tcg, not '$GESTOR_QEMU_ACCEL'" >&2; exit 2 ;;
	esac
	echo "qemu: accelerator $GESTOR_QEMU_ACCEL (GESTOR_QEMU_ACCEL)" >&2
	echo "$GESTOR_QEMU_ACCEL"
	exit 0
fi

verdict() { # accel why
	echo "qemu: accelerator $1 ($2)" >&2
	echo "$1"
	exit 0
}

kernel=${1:-$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n1)}
[ -e /dev/kvm ] || verdict tcg "no /dev/kvm"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || verdict tcg "/dev/kvm is not readable and writable"
[ -n "$kernel" ] && [ -r "$kernel" ] || verdict tcg "no kernel to probe KVM with"
command -v qemu-system-x86_64 >/dev/null || verdict tcg "qemu-system-x86_64 not installed"

boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
cache=/run/gestor/qemu-accel.$(basename "$kernel")
if [ -r "$cache" ] && [ "$(sed -n 1p "$cache")" = "$boot" ]; then
	verdict "$(sed -n 2p "$cache")" "$(sed -n 3p "$cache"), probed earlier in this boot"
fi

probe_s=${GESTOR_QEMU_PROBE_SECONDS:-30}
[[ "$probe_s" =~ ^[1-9][0-9]{0,2}$ ]] || { echo "qemu-accel: GESTOR_QEMU_PROBE_SECONDS must be 1-999, not '$probe_s'" >&2; exit 2; }
out=$(timeout -k 2 "$probe_s" qemu-system-x86_64 -accel kvm -cpu host -m 128 -smp 1 \
	-kernel "$kernel" -append "console=ttyS0 panic=-1 loglevel=4" \
	-display none -monitor none -nodefaults -no-reboot -serial stdio </dev/null 2>&1)
rc=$?
if grep -q 'Linux version' <<<"$out"; then
	accel=kvm why="a guest booted with KVM"
else
	accel=tcg
	why="KVM could not run a guest: $(grep -v '^\s*$' <<<"$out" | head -n 1 | cut -c1-120) (qemu exit $rc)"
fi
# the cache lives in root's private run directory (scripts/trust.sh)
# shellcheck source=scripts/trust.sh
. "$(dirname "$0")/trust.sh" && gestor_rundir >/dev/null && printf '%s\n%s\n%s\n' "$boot" "$accel" "$why" >"$cache" 2>/dev/null
verdict "$accel" "$why"
