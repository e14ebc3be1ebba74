#!/usr/bin/env bash
# kernel.sh — cost of reading /proc/sysinfo_202002591 (the sysinfo module)
# vs a user-space C walk of /proc collecting the same fields (stat, statm,
# cgroup, cmdline and status of every process), at 100, 1,000 and 5,000
# extra processes, inside the VM of tests/kernel/vm.sh (Debian's kernel in
# qemu; TCG here, so absolute times are slow, the ratio is what matters).
# Target: module >= 10x cheaper at 1,000 processes, never < 5x.
#
# Usage: bench/kernel.sh [REPS]    (default 11 interleaved reads of each per
# size; the medians are reported)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
reps=${1:-11}
kver=$(ls /lib/modules 2>/dev/null | grep -- '-amd64$' | sort -V | tail -n1)
KDIR=${KDIR:-/lib/modules/$kver/build}
jansson_a=$(ls /usr/lib/*/libjansson.a 2>/dev/null | head -n1)
if [ -z "$kver" ] || [ ! -d "$KDIR" ] || [ ! -r "/boot/vmlinuz-$kver" ] || [ -z "$jansson_a" ] ||
	! command -v qemu-system-x86_64 >/dev/null; then
	echo "bench kernel: skipped (needs kernel headers and image, qemu, libjansson.a)"
	exit 0
fi
work=$build/kernel-bench
rm -rf "$work" && mkdir -p "$work/mod"
cp "$top/kernel/sysinfo.c" "$top/kernel/Makefile" "$work/mod/"
make -s -C "$work/mod" KDIR="$KDIR" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
gcc -std=c17 -D_GNU_SOURCE -O2 -static -o "$work/sysinfo_test" "$top/tests/kernel/sysinfo_test.c" \
	"$jansson_a" -lpthread || exit 1
GESTOR_KERNEL=/boot/vmlinuz-$kver bash "$top/tests/kernel/vm.sh" --mem 2048 --timeout 900 \
	--add "$work/mod/sysinfo.ko" "$work/sysinfo_test" -- "
ulimit -u unlimited 2>/dev/null
insmod /opt/sysinfo.ko || exit 1
for n in 100 1000 5000; do sysinfo_test bench \$n $reps || exit 1; done
rmmod sysinfo" | tee "$work/out.log" | grep '^BENCH'
printf '\n%-8s %14s %14s %8s\n' processes module_us procfs_us ratio
sed -n 's/^BENCH procs=\([0-9]*\) walked=[0-9]* module_us=\([0-9]*\) procfs_us=\([0-9]*\) ratio=\([0-9.]*\)$/\1 \2 \3 \4/p' \
	"$work/out.log" | while read -r p m w r; do printf '%-8s %14s %14s %7sx\n' "$p" "$m" "$w" "$r"; done
