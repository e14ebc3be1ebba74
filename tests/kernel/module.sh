#!/usr/bin/env bash
# module.sh — the sysinfo kernel module on a real kernel.
#
# Builds kernel/sysinfo.c with W=1 (zero warnings required) in a scratch
# copy under $GESTOR_BUILD, links the static in-VM test program
# (tests/kernel/sysinfo_test.c + libjansson.a), boots Debian's kernel in
# qemu through tests/kernel/vm.sh and runs tests/kernel/module-guest.sh
# inside: insmod/rmmod, parsing with 4 KiB (and 1, 777, 64 Ki-byte) reads, every process against
# /proc/<pid>/stat|statm|status|cmdline, hostile names and argv, container
# attribution for each cgroup layout on v1 and v2, containers_only, readers
# during a fork/exit storm, 10,000 extra processes, unload with the file open, 100 insmod/rmmod
# cycles with a reader and 1,000 short-lived hostile-named processes, no
# /proc entry left, a clean kernel log; and the review points of issue #16
# (tests/kernel/review_test.c): hidepid=2/gid= read by uid 1000, argv
# rewritten and setproctitle'd, an exec storm while reading, a time
# namespace with a boottime offset, user and cgroup namespaces, invalid
# proc_name values, bind mounts over /proc/meminfo, odd pread/lseek offsets,
# argv in a FUSE mapping whose reads never end. GESTOR_KERNEL/KDIR select
# another kernel (tests/kernel/debug-kernel.sh). Documents read in the VM are saved
# to $GESTOR_BUILD/fixtures/module/*.json for the metrics parser tests.
# timeout: 600
. "$(dirname "$0")/../lib.sh"

need_cmd qemu-system-x86_64 cpio gzip gcc make base64
kver=${GESTOR_KVER:-$(ls /lib/modules 2>/dev/null | grep -- '-amd64$' | sort -V | tail -n1)}
KDIR=${KDIR:-/lib/modules/$kver/build}
[ -n "$kver" ] && [ -d "$KDIR" ] || skip "no kernel headers (install linux-headers-amd64)"
image=${GESTOR_KERNEL:-/boot/vmlinuz-$kver}
[ -r "$image" ] || skip "no kernel image $image (install linux-image-amd64)"
[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' || skip "busybox-static is not installed"
jansson_a=$(ls /usr/lib/*/libjansson.a 2>/dev/null | head -n1)
[ -n "$jansson_a" ] || skip "libjansson.a (libjansson-dev) is missing"

work=$GESTOR_BUILD/kernel
# the documents are written fresh by this run (never checked from an earlier one)
rm -rf "$work/mod" "$GESTOR_BUILD/fixtures/module" && mkdir -p "$work/mod" "$GESTOR_BUILD/fixtures/module"
cp "$GESTOR_TOP/kernel/sysinfo.c" "$GESTOR_TOP/kernel/Makefile" "$work/mod/"
# one build: compiler warnings with W=1 and, when installed, sparse (C=1)
sparse=
command -v sparse >/dev/null && sparse=C=1
make -C "$work/mod" KDIR="$KDIR" W=1 $sparse >"$work/build-w1.log" 2>&1
check "module builds against $KDIR" [ -f "$work/mod/sysinfo.ko" ]
check "W=1 ${sparse:+and sparse }build has zero warnings" sh -c "! grep -iE 'warning|error' '$work/build-w1.log' | grep -v 'Skipping BTF'"
# checkpatch.pl from Debian's linux-source-6.1 (extracted once into $GESTOR_BUILD)
cp_pl=$GESTOR_BUILD/checkpatch/scripts/checkpatch.pl
src_tar=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1)
if [ ! -f "$cp_pl" ] && [ -n "$src_tar" ]; then
	mkdir -p "$GESTOR_BUILD/checkpatch"
	tar -xJf "$src_tar" -C "$GESTOR_BUILD/checkpatch" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
fi
if [ -f "$cp_pl" ]; then
	check "checkpatch.pl --no-tree --strict finds nothing" \
		perl "$cp_pl" --no-tree --strict --quiet -f "$GESTOR_TOP/kernel/sysinfo.c"
else
	partial "checkpatch: linux-source-6.1 is not installed (scripts/setup.sh installs it)"
fi
gcc -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror -O2 -static \
	-o "$work/sysinfo_test" "$GESTOR_TOP/tests/kernel/sysinfo_test.c" "$jansson_a" -lpthread
check "static test program builds" [ -x "$work/sysinfo_test" ]
gcc -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror -O2 -static \
	-o "$work/review_test" "$GESTOR_TOP/tests/kernel/review_test.c" "$jansson_a"
check "static review test program builds" [ -x "$work/review_test" ]
[ -f "$work/mod/sysinfo.ko" ] && [ -x "$work/sysinfo_test" ] && [ -x "$work/review_test" ] || finish
# FUSE is a module in Debian's kernel: the VM loads it for the FUSE-argv test
fuse_ko=
for f in /lib/modules/$kver/kernel/fs/fuse/fuse.ko*; do
	[ -f "$f" ] && [ -z "${GESTOR_DEBUG_KERNEL:-}" ] || continue
	case "$f" in
	*.xz) xz -dc "$f" >"$work/fuse.ko" ;;
	*.zst) zstd -qdc "$f" >"$work/fuse.ko" ;;
	*) cp "$f" "$work/fuse.ko" ;;
	esac
	fuse_ko=$work/fuse.ko
done

out=$(mktemp -d /tmp/gestor-kernel-test.XXXXXX)
on_exit rm -rf "$out"
GESTOR_KERNEL=$image bash "$GESTOR_TOP/tests/kernel/vm.sh" --timeout "${GESTOR_VM_TIMEOUT:-480}" --mem "${GESTOR_VM_MEM:-1536}" \
	--add "$work/mod/sysinfo.ko" "$work/sysinfo_test" "$work/review_test" $fuse_ko \
	"$GESTOR_TOP/tests/kernel/module-guest.sh" \
	--out "$out" --log "$work/console.log" -- 'sh /opt/module-guest.sh' >"$work/vm.log" 2>&1
rc=$?
cat "$work/vm.log"
check "VM ran the guest tests (vm.sh exit $rc; 0 = all guest checks passed)" [ "$rc" = 0 ]
while IFS= read -r p; do partial "$p"; done < <(sed -n 's/^# part left out: //p' "$work/vm.log")
guest_ok=$(grep -c '^ok ' "$work/vm.log")
guest_bad=$(grep -c '^not ok ' "$work/vm.log")
echo "# guest: $guest_ok ok, $guest_bad not ok"
check "guest reported $guest_ok passing checks and no failure" [ "$guest_ok" -ge 60 -a "$guest_bad" = 0 ]
for f in normal hostile containers containers_only; do
	[ -s "$out/$f.json" ] && cp "$out/$f.json" "$GESTOR_BUILD/fixtures/module/$f.json"
	check "fixture $f.json saved" [ -s "$GESTOR_BUILD/fixtures/module/$f.json" ]
done
[ -f "$out/dmesg.txt" ] && cp "$out/dmesg.txt" "$work/dmesg.txt"
finish
