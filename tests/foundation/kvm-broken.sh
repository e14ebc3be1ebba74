#!/usr/bin/env bash
# kvm-broken suite — the VM rig still boots its guest on a host whose
# /dev/kvm exists and is writable but cannot run one.
#
# In a private mount namespace the suite gives the rig a /dev of its own
# whose kvm node (10,232) opens no working KVM here, and a private /run so
# the host's remembered probe verdict is neither read nor changed. The rig
# must notice (scripts/qemu-accel.sh probes with a real guest), say so, and
# boot the same VM with TCG. The probe gets 5 s (GESTOR_QEMU_PROBE_SECONDS)
# instead of its default 30: what is tested is the fall-back, and a KVM
# that hangs (this CI host's) spins a core in the kernel until the probe's
# deadline, 30 s of one of CI's two cores for nothing.
# timeout: 400
# parallel: yes mounts
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 unshare
ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 || skip "no Debian kernel image in /boot (linux-image-amd64)"

out=$(mktemp)
on_exit rm -f "$out"
verdicts() { cat /run/gestor/qemu-accel.* 2>/dev/null | md5sum; }
before=$(verdicts)
GESTOR_QEMU_PROBE_SECONDS=5 unshare -m --propagation private bash -c '
	set -e
	mount -t tmpfs -o mode=755 gestor-dev /dev
	mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5
	mknod -m 666 /dev/random c 1 8; mknod -m 666 /dev/urandom c 1 9
	mknod -m 666 /dev/kvm c 10 232
	mount -t tmpfs gestor-run /run
	[ -w /dev/kvm ]
	bash "$1/tests/kernel/vm.sh" --timeout 300 -- "echo guest-says-hello"
' _ "$GESTOR_TOP" >"$out" 2>&1
rc=$?
tail -n 20 "$out"
check "the VM ran its commands (exit $rc)" [ "$rc" = 0 ]
check "the guest's output came back" grep -q '^guest-says-hello' "$out"
check "the rig said it fell back to TCG and why" grep -q 'accelerator tcg (KVM could not run a guest' "$out"
check "the host's probe verdicts were not touched" [ "$(verdicts)" = "$before" ]
finish
