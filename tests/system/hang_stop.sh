#!/usr/bin/env bash
# hang_stop.sh — scripts/sysvm.sh stops a guest whose kernel hangs, and the
# console keeps the evidence.
#
# A CI run of system/chain (2026-12-06) hung in the VM: both vCPUs in a
# soft lockup from the first container's start, the console showing only
# the lockup lines (the boot's loglevel=4 kept the registers and stacks
# off it), and qemu ran on to the 1300 s limit. sysvm.sh now raises the
# guest console's level and turns on every CPU's backtrace at a soft
# lockup before the guest script, and stops qemu when the console reports
# a CPU stuck for GESTOR_SYSVM_HANG_SECONDS (240).
#
# Here a guest script loads a module (written and built by this suite
# against the VM kernel's headers, carried in the guest script) whose init
# spins with preemption off: a real soft lockup of the guest's kernel.
# With GESTOR_SYSVM_HANG_SECONDS=30, asserted:
#   - sysvm.sh run exits 125 (no result) and says the guest's kernel hung,
#     quoting the lockup line (insmod on its CPU, >= 30 s);
#   - qemu was stopped long before --timeout (600 s): the VM ran < 300 s;
#   - the console has the stuck CPU's registers and stack (RIP in the
#     module's init, a Call Trace) and the other CPU's NMI backtrace.
# timeout: 900
# parallel: yes mounts docker-ro hostnet
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 debootstrap mkfs.ext4 debugfs docker make
docker_up || skip "no Docker daemon on the host (sysvm.sh saves an image into the VM)"
docker image inspect gestor/low:latest >/dev/null 2>&1 || skip "image gestor/low:latest is missing (make images)"
[ -x "$GESTOR_BIN/servicio" ] || skip "servicio is not built (make)"
# the kernel sysvm.sh boots (its rule: the newest -amd64 one with headers)
kver=$(for d in /lib/modules/*-amd64; do [ -d "$d/build" ] && basename "$d"; done 2>/dev/null | sort -V | tail -n1)
[ -n "$kver" ] || skip "no Debian -amd64 kernel with headers installed"

work=$GESTOR_BUILD/sysvm/hang_stop
rm -rf "$work" && mkdir -p "$work/mod"
cat >"$work/mod/sysvm_spin.c" <<'C'
// SPDX-License-Identifier: GPL-2.0
/* tests/system/hang_stop.sh's module: its init spins in the kernel with
 * preemption off for up to 600 s (a soft lockup), in the throw-away VM only */
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/preempt.h>

static int __init sysvm_spin_init(void)
{
	unsigned long end = jiffies + 600 * HZ;

	preempt_disable();
	while (time_before(jiffies, end))
		cpu_relax();
	preempt_enable();
	return -EAGAIN;
}
module_init(sysvm_spin_init);
MODULE_LICENSE("GPL");
C
echo 'obj-m := sysvm_spin.o' >"$work/mod/Kbuild"
make -s -C "/lib/modules/$kver/build" M="$work/mod" modules >"$work/mod/build.log" 2>&1
check "the spinning module builds against $kver's headers ($work/mod/build.log)" [ -s "$work/mod/sysvm_spin.ko" ]
[ -s "$work/mod/sysvm_spin.ko" ] || finish

# the guest script carries the module (the payload holds the repository,
# not this build directory)
{
	echo 'base64 -d >/tmp/sysvm_spin.ko <<"KO"'
	base64 "$work/mod/sysvm_spin.ko"
	echo 'KO'
	echo 'echo "hang_stop: loading the spinning module"'
	echo 'insmod /tmp/sysvm_spin.ko'
	echo 'echo "hang_stop: insmod returned $? (it must never return)"'
} >"$work/guest.sh"

t0=$(date +%s)
GESTOR_KERNEL_VER=$kver GESTOR_SYSVM_HANG_SECONDS=30 SYSVM_IMAGES=gestor/low:latest BUILD=$GESTOR_BUILD \
	"$GESTOR_TOP/scripts/sysvm.sh" run --timeout 600 --log "$work/console.log" -- "$work/guest.sh" >"$work/vm.log" 2>&1
rc=$?
t1=$(date +%s)
[ "$rc" = 77 ] && skip "$(grep -m1 -o 'skipped: .*' "$work/vm.log" | cut -d' ' -f2-)"
grep -E '^(sysvm:|@@VM-MARK|hang_stop:)' "$work/vm.log"
echo "# sysvm.sh run took $((t1 - t0)) s"
check "the guest script loaded the module" grep -q '^hang_stop: loading the spinning module' "$work/vm.log"
check "the module never returned" bash -c "! grep -q '^hang_stop: insmod returned' '$work/vm.log'"
check "sysvm.sh run exited 125, no result ($rc)" [ "$rc" = 125 ]
hung=$(sed -n "s/^sysvm: the guest's kernel hung ('\(.*\)'): qemu stopped.*/\1/p" "$work/vm.log")
check "sysvm.sh says the guest's kernel hung (${hung:-no such line})" [ -n "$hung" ]
secs=$(sed -n 's/.*soft lockup - CPU#[0-9]* stuck for \([0-9]*\)s! \[insmod:.*/\1/p' <<<"$hung")
check "it quotes insmod's soft lockup of >= 30 s (${secs:-none})" [ "${secs:-0}" -ge 30 ]
check "qemu was stopped long before --timeout 600 ($((t1 - t0)) s)" [ $((t1 - t0)) -lt 300 ]
check "the console has the stuck CPU's RIP in the module's init" grep -q 'RIP: 0010:sysvm_spin_init' "$work/console.log"
check "the console has a Call Trace" grep -q 'Call Trace:' "$work/console.log"
check "the console has the other CPU's NMI backtrace" grep -q 'NMI backtrace for cpu' "$work/console.log"
[ "$rc" = 125 ] || tail -n 40 "$work/vm.log"
finish
