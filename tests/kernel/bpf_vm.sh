#!/usr/bin/env bash
# bpf_vm.sh — the BPF source's concurrency test on Debian 12's kernel (6.1),
# in a VM, as `make test` runs it on this host: tests/kernel/bpf-conc-build.sh
# builds servicio/tests/bpfsrc_test.c (with the shared libraries it needs),
# tests/kernel/vm.sh boots /boot/vmlinuz-<6.1>-amd64 (KVM, else TCG) and
# tests/kernel/bpf-conc-guest.sh runs test_agrees_with_proc (every
# process's memory and CPU time against /proc: on 6.1 the CO-RE fallbacks
# for the atomic rss counters and kernfs_node.parent), test_memcg_usage
# (each record's memory cgroup id and usage against the cgroup's directory
# and file, on this kernel's mem_cgroup) and test_concurrent_readers inside: 8
# threads x 1,000 reads of the task iterators, alternating every process /
# containers only, while processes fork and exit, zombies exist and 4
# sleepers move between two container cgroups; every read complete and
# consistent with its header, every process that lived through the read
# listed, a zombie in a container listed; then a clean kernel log. On 6.1
# the cgroup walk does not load (its kfuncs are >= 6.7): the task iterators
# serve every read there, which is the path this kernel has. With the
# kernel's fuse.ko bundled, test_argv_on_fuse too (BPF reads end beside an
# argv on a FUSE mapping whose reads are never answered).
# GESTOR_KERNEL selects another kernel image (a debug kernel, say).
# timeout: 1500
. "$(dirname "$0")/../lib.sh"

need_root
need_cmd qemu-system-x86_64 cpio gzip gcc ldd
kver=${GESTOR_KVER:-$(ls /lib/modules 2>/dev/null | grep -- '-amd64$' | sort -V | tail -n1)}
image=${GESTOR_KERNEL:-/boot/vmlinuz-$kver}
[ -n "$kver" ] && [ -r "$image" ] || skip "no Debian kernel image in /boot (install linux-image-amd64)"
[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' || skip "busybox-static is not installed"

work=$GESTOR_BUILD/bpf-vm
rm -rf "$work" && mkdir -p "$work/opt" "$work/out"
bash "$GESTOR_TOP/tests/kernel/bpf-conc-build.sh" "$work/opt" >"$work/build.log" 2>&1
rc=$?
cat "$work/build.log"
[ "$rc" = 77 ] && skip "$(sed -n 's/^skipped: //p' "$work/build.log")"
check "the test and its libraries are bundled for the VM (bpf-conc-build.sh exit $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || finish
# this kernel's FUSE module, for test_argv_on_fuse (not for another image:
# its modules are not these)
fuse=/lib/modules/$kver/kernel/fs/fuse/fuse.ko
want=9
if [ -z "${GESTOR_KERNEL:-}" ] && [ -f "$fuse" ]; then
	cp "$fuse" "$work/opt/" && want=11
else
	partial "argv on FUSE: no fuse.ko for $(basename "$image")"
fi

start=$(date +%s)
GESTOR_KERNEL=$image bash "$GESTOR_TOP/tests/kernel/vm.sh" --timeout "${GESTOR_VM_TIMEOUT:-1400}" \
	--mem "${GESTOR_VM_MEM:-1024}" --cpus 2 --add "$work"/opt/* --out "$work/out" \
	--log "$work/console.log" -- 'sh /opt/bpf-conc-guest.sh' >"$work/vm.log" 2>&1
rc=$?
echo "# VM on $(basename "$image"): $(($(date +%s) - start)) s (boot, test, power-off)"
grep -E '^(ok|not ok|#|\[)' "$work/vm.log"
check "VM ran the guest (vm.sh exit $rc; 0 = every guest check passed)" [ "$rc" = 0 ]
n_ok=$(grep -c '^ok - guest: ' "$work/vm.log")
n_bad=$(grep -c '^not ok - guest: ' "$work/vm.log")
# exact: the guest makes 9 checks when it runs in full, 11 with fuse.ko
check "guest: $want checks made and passed ($n_ok ok, $n_bad not ok)" test "$n_ok" = "$want" -a "$n_bad" = 0
check "... on kernel $(sed -n 's/^# kernel \([^ ]*\).*/\1/p' "$work/vm.log" | head -n1), the concurrency test ran in full" \
	grep -q '^# 8 readers x 1000 reads with moves between two containers, a zombie: all complete and consistent' "$work/vm.log"
finish
