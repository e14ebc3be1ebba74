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
# parallel: yes
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
# checkpatch.pl from Debian's linux-source-6.1, extracted once per version of
# that package into the machine's cache (/var/cache/gestor/checkpatch, else
# $GESTOR_BUILD): unpacking its 138 MB tar.xz to find three files takes 8 s
# of a core, which a fresh checkout (CI's) paid at every run
src_tar=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1)
cp_dir=$GESTOR_BUILD/checkpatch
if [ -n "$src_tar" ]; then
	cp_key=$(stat -c '%n %s %Y' "$src_tar" | sha256sum | cut -c1-16)
	cache=${GESTOR_CHECKPATCH_CACHE:-/var/cache/gestor/checkpatch}
	mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] && cp_dir=$cache/$cp_key
fi
cp_pl=$cp_dir/scripts/checkpatch.pl
if [ ! -f "$cp_pl" ] && [ -n "$src_tar" ]; then
	# (unpacked beside it, then renamed: another run may be doing the same)
	cp_tmp=$(mktemp -d "$cp_dir.XXXXXX") && chmod 755 "$cp_tmp"
	tar -xJf "$src_tar" -C "$cp_tmp" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' &&
		mv -T "$cp_tmp" "$cp_dir" 2>/dev/null
	rm -rf "$cp_tmp"
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
# FUSE and loop are modules in Debian's kernel: the VM loads them for the
# FUSE-argv and swap tests (built into the debug kernels)
extra_ko=()
for f in /lib/modules/$kver/kernel/fs/fuse/fuse.ko* /lib/modules/$kver/kernel/drivers/block/loop.ko*; do
	[ -f "$f" ] && [ -z "${GESTOR_DEBUG_KERNEL:-}" ] || continue
	b=$(basename "$f") && b=${b%%.ko*}.ko
	case "$f" in
	*.xz) xz -dc "$f" >"$work/$b" ;;
	*.zst) zstd -qdc "$f" >"$work/$b" ;;
	*) cp "$f" "$work/$b" ;;
	esac
	extra_ko+=("$work/$b")
done

out=$(mktemp -d /tmp/gestor-kernel-test.XXXXXX)
on_exit rm -rf "$out"
GESTOR_KERNEL=$image bash "$GESTOR_TOP/tests/kernel/vm.sh" --timeout "${GESTOR_VM_TIMEOUT:-480}" --mem "${GESTOR_VM_MEM:-1536}" \
	--add "$work/mod/sysinfo.ko" "$work/sysinfo_test" "$work/review_test" "${extra_ko[@]}" \
	"$GESTOR_TOP/tests/kernel/module-guest.sh" \
	--out "$out" --log "$work/console.log" -- "DEBUG_KERNEL=${GESTOR_DEBUG_KERNEL:-} sh /opt/module-guest.sh" >"$work/vm.log" 2>&1
rc=$?
cat "$work/vm.log"
check "VM ran the guest tests (vm.sh exit $rc; 0 = all guest checks passed)" [ "$rc" = 0 ]
while IFS= read -r p; do partial "$p"; done < <(sed -n 's/^# part left out: //p' "$work/vm.log")
guest_ok=$(grep -c '^ok ' "$work/vm.log")
guest_bad=$(grep -c '^not ok ' "$work/vm.log")
echo "# guest: $guest_ok ok, $guest_bad not ok"
# Exact counts: each guest step makes a known number of checks when it runs
# in full; fewer (a check that never ran) or more is a failure, not a pass.
# A step reported above as a left-out part (exit 77) is the only one allowed
# to be absent.
steps="sysinfo_test:parse=6 sysinfo_test:compare=3 sysinfo_test:hostile=20 sysinfo_test:cgroups=29
sysinfo_test:storm=3 review_test:hidepid=5 review_test:argv=3 review_test:execstorm=2
review_test:timens=2 review_test:userns=1 review_test:cgroupns=2 review_test:meminfo=3
review_test:offsets=7 review_test:opener=3 review_test:lsm=2 review_test:cpupct=4
review_test:escape=5 review_test:cgroupid=4 review_test:swap=2 review_test:fuse=4
sysinfo_test:scale=1 review_test:badname=9 sysinfo_test:cycles=6"
made=$(awk '/^## /{s=$2":"$3} /^# [0-9]+ checks, [0-9]+ failed$/{if(s!=""){print s"="$2; s=""}}' "$work/vm.log")
want_total=0 counted=0 miss=
for st in $steps; do
	name=${st%%=*} want=${st#*=}
	got=$(sed -n "s/^$name=//p" <<<"$made" | head -n1)
	if [ -z "$got" ]; then
		grep -q "^# part left out: guest review_test ${name#*:} " "$work/vm.log" || miss="$miss $name(absent)"
		continue
	fi
	[ "$got" = "$want" ] || miss="$miss $name($got, want $want)"
	want_total=$((want_total + want)) counted=$((counted + got))
done
shell_n=$(sed -n 's/^# guest shell: \([0-9]*\) checks$/\1/p' "$work/vm.log")
shell_ok=$(grep -c '^ok - guest: ' "$work/vm.log")
# the shell's own checks: 11, and lockdep + KASAN/KCSAN on the debug kernels
shell_want=11
[ -n "${GESTOR_DEBUG_KERNEL:-}" ] && shell_want=13
check "every guest step made exactly its checks (${miss:- all as expected})" [ -z "$miss" ]
check "guest: $guest_ok ok = $counted step checks + $shell_ok shell checks (of $shell_want), 0 not ok" \
	[ "$guest_bad" = 0 -a "$counted" = "$want_total" -a "${shell_n:-x}" = "$shell_want" \
	-a "$shell_ok" = "$shell_want" -a "$guest_ok" = "$((counted + shell_ok))" ]
for f in normal hostile containers containers_only; do
	[ -s "$out/$f.json" ] && cp "$out/$f.json" "$GESTOR_BUILD/fixtures/module/$f.json"
	check "fixture $f.json saved" [ -s "$GESTOR_BUILD/fixtures/module/$f.json" ]
done
[ -f "$out/dmesg.txt" ] && cp "$out/dmesg.txt" "$work/dmesg.txt"
finish
