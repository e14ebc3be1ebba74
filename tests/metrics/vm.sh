#!/usr/bin/env bash
# vm.sh — module source vs procfs source on the same processes, on a real
# kernel: builds the sysinfo module (scratch copy), the metrics layer's own
# static collector (servicio/tests/collector.c + the metrics sources +
# libjansson.a) and the static load program, boots Debian's kernel through
# tests/kernel/vm.sh and, inside: loads the module, puts a spinning process
# into a Docker cgroupfs-layout cgroup (v1 memory + cpu), a 16 MiB holder
# into a systemd-layout v2 scope and an idle one into a containerd scope,
# then runs the collector, which reads both sources twice 3 s apart and
# checks they agree field by field (tolerances in collector.c), per
# container, and in CPU rates. The documents read there are kept in
# $GESTOR_BUILD/fixtures/metrics-vm/ for the parser's unit tests.
# timeout: 420
# parallel: yes
. "$(dirname "$0")/../lib.sh"

need_cmd qemu-system-x86_64 cpio gzip gcc make base64
kver=${GESTOR_KVER:-$(ls /lib/modules 2>/dev/null | grep -- '-amd64$' | sort -V | tail -n1)}
KDIR=${KDIR:-/lib/modules/$kver/build}
[ -n "$kver" ] && [ -d "$KDIR" ] || skip "no kernel headers (install linux-headers-amd64)"
[ -r "/boot/vmlinuz-$kver" ] || skip "no kernel image /boot/vmlinuz-$kver (install linux-image-amd64)"
[ -f "$GESTOR_TOP/tests/kernel/vm.sh" ] || skip "the VM harness tests/kernel/vm.sh is missing"
[ -f "$GESTOR_TOP/kernel/sysinfo.c" ] || skip "no kernel module sources yet"
jansson_a=$(ls /usr/lib/*/libjansson.a 2>/dev/null | head -n1)
[ -n "$jansson_a" ] || skip "libjansson.a (libjansson-dev) is missing"

work=$GESTOR_BUILD/metrics-vm
fix=$GESTOR_BUILD/fixtures/metrics-vm
rm -rf "$work" "$fix" && mkdir -p "$work/mod" "$fix"
cp "$GESTOR_TOP/kernel/sysinfo.c" "$GESTOR_TOP/kernel/Makefile" "$work/mod/"
make -C "$work/mod" KDIR="$KDIR" >"$work/build.log" 2>&1
check "module builds" [ -f "$work/mod/sysinfo.ko" ]
src=()
for f in snapshot modsrc procfs procskip cgroupid ctrstats cgmem cgfds; do src+=("$GESTOR_TOP/servicio/$f.c"); done
gcc -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror -O2 -static \
	-I"$GESTOR_TOP/lib" -o "$work/collector" "$GESTOR_TOP/servicio/tests/collector.c" \
	"${src[@]}" "$GESTOR_TOP/lib/util.c" "$GESTOR_TOP/lib/jspan.c" "$GESTOR_TOP/lib/jsonesc.c" "$jansson_a" -lm 2>"$work/cc.log" ||
	true
check "static collector builds from the metrics sources" [ -x "$work/collector" ]
gcc -O2 -static -o "$work/mtest_load" "$GESTOR_TOP/tests/metrics/mtest_load.c"
check "static load program builds" [ -x "$work/mtest_load" ]
[ -f "$work/mod/sysinfo.ko" ] && [ -x "$work/collector" ] && [ -x "$work/mtest_load" ] || { cat "$work/cc.log"; finish; }

A=a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1
B=b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2
C=c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3
cat >"$work/guest.sh" <<GUEST
set -x
insmod /opt/sysinfo.ko || exit 3
cg=/sys/fs/cgroup
mkdir -p \$cg/memory/docker/$A \$cg/cpu,cpuacct/docker/$A \$cg/unified/system.slice/docker-$B.scope \
	\$cg/memory/kubepods/cri-containerd-$C.scope
/opt/mtest_load burn & burner=\$!
echo \$burner > \$cg/memory/docker/$A/cgroup.procs
echo \$burner > \$cg/cpu,cpuacct/docker/$A/cgroup.procs
/opt/mtest_load hold 16 & echo \$! > \$cg/unified/system.slice/docker-$B.scope/cgroup.procs
/opt/mtest_load idle & echo \$! > \$cg/memory/kubepods/cri-containerd-$C.scope/cgroup.procs
sleep 2
set +x
/opt/collector /proc/sysinfo_202002591 /out \$burner
rc=\$?
kill \$(jobs -p) 2>/dev/null
rmmod sysinfo
exit \$rc
GUEST

out=$(mktemp -d /tmp/gestor-mtest-vm.XXXXXX)
on_exit rm -rf "$out"
GESTOR_KERNEL=/boot/vmlinuz-$kver bash "$GESTOR_TOP/tests/kernel/vm.sh" --timeout 360 --mem 512 \
	--add "$work/mod/sysinfo.ko" "$work/collector" "$work/mtest_load" "$work/guest.sh" \
	--out "$out" --log "$work/console.log" -- 'sh /opt/guest.sh' >"$work/vm.log" 2>&1
rc=$?
grep -E '^(ok|not ok|#)' "$work/vm.log"
check "collector in the VM: both sources agree (vm.sh exit $rc)" [ "$rc" = 0 ]
n_ok=$(grep -c '^ok ' "$work/vm.log")
n_bad=$(grep -c '^not ok ' "$work/vm.log")
# exact: the collector makes 32 checks when all agree (per pair of reads 7 on
# the documents and processes and 2 per container; then 3 on the burner and
# the system CPU and 1 per container rate, for its three containers); a check
# that did not run is no pass
n_made=$(sed -n 's/^# \([0-9]*\) checks, [0-9]* failed$/\1/p' "$work/vm.log" | tail -n1)
check "guest reported $n_ok agreeing checks of ${n_made:-no} made (32 expected), $n_bad disagreeing" \
	[ "$n_ok" = 32 -a "${n_made:-x}" = 32 -a "$n_bad" = 0 ]
check "the three test containers are seen by both sources" \
	bash -c "grep -q '^ok - container ${A:0:12}: 1/1' '$work/vm.log' && grep -q '^ok - container ${B:0:12}: 1/1' '$work/vm.log' && grep -q '^ok - container ${C:0:12}: 1/1' '$work/vm.log'"
for f in module-1 module-2 procfs-1; do
	[ -s "$out/$f.json" ] && cp "$out/$f.json" "$fix/$f.json"
	check "document $f.json kept in $fix" [ -s "$fix/$f.json" ]
done
[ "$rc" = 0 ] || tail -n 40 "$work/vm.log"
finish
