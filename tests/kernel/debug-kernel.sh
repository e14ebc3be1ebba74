#!/usr/bin/env bash
# debug-kernel.sh — build (once, cached) small debug kernels from Debian's
# linux-source-6.1 and run the module's whole VM suite on each.
#
# Debian's kernel has no lockdep, KASAN, KCSAN or sleep-in-atomic checks, so a
# clean kernel log there cannot catch RCU, locking or data-race mistakes.
# These kernels are tinyconfig plus what the VM rig (tests/kernel/vm.sh)
# needs (serial console, initramfs, devtmpfs, tmpfs, proc, cgroup v1+v2
# controllers, namespaces, FUSE, loop + swap, Landlock as the LSM, modules),
# BPF (BPF_SYSCALL, JIT, BTF from DWARF through pahole) and the checkers:
# PROVE_LOCKING (lockdep), PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_LIST,
# DEBUG_PREEMPT, and then either
#   kasan  KASAN (generic, outline)
#   kcsan  KCSAN (data races)
# two kernels, because KCSAN and KASAN exclude each other in Kconfig
# (lib/Kconfig.kcsan: KCSAN depends on !KASAN).
#
# The source gets the patches in tests/kernel/debug-kernel-patches/*.patch
# (in name order) when it is unpacked: backports of upstream annotations that
# keep the checkers quiet about the kernel's own code (each patch says which
# upstream commit it mirrors and why).
#
# Each build tree is kept in /var/cache/gestor/debug-kernel/<variant>-<key>,
# key a hash of the source package version, the config fragment below and the
# patches; a later run with the same key reuses it (about 2.4 GiB each). A
# new key takes over a built tree of the same variant and source: its name
# becomes a symlink to that tree's directory, which is then re-patched,
# reconfigured if the fragment changed and rebuilt in place. In place because
# kbuild records absolute paths (objtool's build, and every object depends
# on the objtool binary): a copy or a move elsewhere recompiles everything.
# `done` and `configured` hold the key they were made for. Nothing here
# runs in CI's `make test`: `make test-debug-kernel` is the entry point.
#
# (Not executable on purpose: tests/run.sh runs every executable *.sh.)
#
# Usage:
#   bash tests/kernel/debug-kernel.sh build [VARIANT]  build or reuse; print the dirs
#   bash tests/kernel/debug-kernel.sh test [VARIANT]   build or reuse, then run
#                          tests/kernel/module.sh on each kernel, the BPF
#                          iterator with concurrent readers under load
#                          (tests/kernel/bpf-guest.sh) and the BPF source's
#                          own suite (tests/kernel/bpf_vm.sh: test_agrees_with_proc
#                          and the concurrency test, 8 threads x 1,000 reads;
#                          it needs `make all`, which it runs); it fails on any
#                          report (the guests grep dmesg for lockdep, KASAN,
#                          KCSAN, RCU, sleep-in-atomic, WARN, BUG) and check
#                          lockdep is still on
#   bash tests/kernel/debug-kernel.sh bpf [VARIANT]    the two BPF parts alone
#   VARIANT is kasan or kcsan; default both, one after the other.
# Environment: GESTOR_DEBUG_KERNEL_CACHE (default /var/cache/gestor/debug-kernel),
# JOBS (default nproc), NICE (default 10).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${GESTOR_DEBUG_KERNEL_CACHE:-/var/cache/gestor/debug-kernel}
src_tar=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
jobs=${JOBS:-$(nproc)}
nice_n=${NICE:-10}
patches=$top/tests/kernel/debug-kernel-patches

fragment() { # variant
	cat <<'EOF'
CONFIG_64BIT=y
CONFIG_SMP=y
CONFIG_NR_CPUS=4
CONFIG_PREEMPT=y
CONFIG_PRINTK=y
CONFIG_BUG=y
CONFIG_MULTIUSER=y
CONFIG_FUTEX=y
CONFIG_EPOLL=y
CONFIG_SIGNALFD=y
CONFIG_TIMERFD=y
CONFIG_EVENTFD=y
CONFIG_SHMEM=y
CONFIG_AIO=y
CONFIG_FILE_LOCKING=y
CONFIG_POSIX_TIMERS=y
CONFIG_PROC_SYSCTL=y
CONFIG_KALLSYMS=y
CONFIG_KALLSYMS_ALL=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_RD_GZIP=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y
CONFIG_TTY=y
CONFIG_UNIX98_PTYS=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_PCI=y
CONFIG_ACPI=y
CONFIG_PROC_FS=y
CONFIG_SYSFS=y
CONFIG_DEVTMPFS=y
CONFIG_TMPFS=y
CONFIG_FUSE_FS=y
CONFIG_BLOCK=y
CONFIG_BLK_DEV=y
CONFIG_BLK_DEV_LOOP=y
CONFIG_SWAP=y
CONFIG_SECURITY=y
CONFIG_SECURITY_LANDLOCK=y
CONFIG_LSM="landlock"
CONFIG_MODULES=y
CONFIG_MODULE_UNLOAD=y
CONFIG_MODULE_FORCE_UNLOAD=y
CONFIG_CGROUPS=y
CONFIG_MEMCG=y
CONFIG_CGROUP_SCHED=y
CONFIG_FAIR_GROUP_SCHED=y
CONFIG_CGROUP_PIDS=y
CONFIG_CGROUP_CPUACCT=y
CONFIG_CPUSETS=y
CONFIG_NAMESPACES=y
CONFIG_UTS_NS=y
CONFIG_TIME_NS=y
CONFIG_IPC_NS=y
CONFIG_USER_NS=y
CONFIG_PID_NS=y
CONFIG_SYSVIPC=y
CONFIG_POSIX_MQUEUE=y
# CONFIG_SLOB is not set
CONFIG_SLUB=y
CONFIG_SLUB_DEBUG=y
CONFIG_KERNEL_GZIP=y
# CONFIG_KERNEL_XZ is not set
CONFIG_UNWINDER_FRAME_POINTER=y
CONFIG_STACKTRACE=y
CONFIG_DEBUG_KERNEL=y
CONFIG_PROVE_LOCKING=y
CONFIG_PROVE_RCU=y
CONFIG_DEBUG_ATOMIC_SLEEP=y
CONFIG_DEBUG_PREEMPT=y
CONFIG_DEBUG_LIST=y
CONFIG_RCU_CPU_STALL_TIMEOUT=60
CONFIG_NET=y
CONFIG_PERF_EVENTS=y
CONFIG_KPROBES=y
CONFIG_FTRACE=y
CONFIG_KPROBE_EVENTS=y
CONFIG_BPF_EVENTS=y
CONFIG_BPF_SYSCALL=y
CONFIG_BPF_JIT=y
CONFIG_BPF_JIT_ALWAYS_ON=y
# CONFIG_DEBUG_INFO_NONE is not set
CONFIG_DEBUG_INFO_DWARF4=y
CONFIG_DEBUG_INFO_BTF=y
# CONFIG_DEBUG_INFO_BTF_MODULES is not set
EOF
	# KASAN and KCSAN exclude each other (lib/Kconfig.kcsan: depends on
	# !KASAN): one kernel each
	case "$1" in
	kasan) printf '%s\n' CONFIG_KASAN=y CONFIG_KASAN_GENERIC=y CONFIG_KASAN_OUTLINE=y ;;
	kcsan) printf '%s\n' '# CONFIG_KASAN is not set' CONFIG_KCSAN=y CONFIG_KCSAN_VERBOSE=y ;;
	*) echo "debug-kernel: no variant '$1' (kasan, kcsan)" >&2; exit 2 ;;
	esac
}
# options that must survive olddefconfig, or the run proves nothing
required="CONFIG_64BIT CONFIG_MODULES CONFIG_PROVE_LOCKING CONFIG_PROVE_RCU CONFIG_DEBUG_ATOMIC_SLEEP
CONFIG_SERIAL_8250_CONSOLE CONFIG_BLK_DEV_INITRD CONFIG_DEVTMPFS CONFIG_MEMCG
CONFIG_CGROUP_PIDS CONFIG_CGROUP_CPUACCT CONFIG_USER_NS CONFIG_PID_NS CONFIG_TIME_NS CONFIG_FUSE_FS
CONFIG_ACPI CONFIG_TMPFS CONFIG_SLUB CONFIG_SWAP CONFIG_BLK_DEV_LOOP CONFIG_SECURITY_LANDLOCK CONFIG_NET CONFIG_BPF_EVENTS CONFIG_BPF_SYSCALL CONFIG_BPF_JIT CONFIG_DEBUG_INFO_BTF"

# bring a tree to exactly this checkout's patches: the applied ones are kept
# in linux/.gestor-patches/, so a tree seeded from an older key first gets
# back those that are not (or no longer) in the set, then the missing ones
patch_tree() { # linux dir
	local l=$1 p n i applied
	mkdir -p "$l/.gestor-patches"
	applied=("$l/.gestor-patches"/*.patch)
	for ((i = ${#applied[@]} - 1; i >= 0; i--)); do
		p=${applied[i]}
		[ -f "$p" ] || continue
		n=$(basename "$p")
		cmp -s "$p" "$patches/$n" && continue
		echo "# reverting $n (not in this set)"
		patch -d "$l" -p1 -R -s --no-backup-if-mismatch <"$p" || return 1
		rm "$p"
	done
	for p in "$patches"/*.patch; do
		[ -f "$p" ] || continue
		n=$(basename "$p")
		[ -f "$l/.gestor-patches/$n" ] && continue
		echo "# applying $n"
		patch -d "$l" -p1 -s --no-backup-if-mismatch <"$p" || return 1
		cp "$p" "$l/.gestor-patches/$n"
	done
}

# the steps of one build, output to the caller's log (errexit does not hold
# in a function called before ||: every step says itself that it failed)
build_tree() {
	echo "# debug kernel $key ($variant): linux-source-6.1 $ver, jobs $jobs, nice $nice_n, started $(date -u +%FT%TZ)"
	[ -z "$seed" ] || echo "# took over the tree of $seed (built for the key in its done file)"
	if [ ! -f "$dir/linux/Makefile" ]; then
		rm -rf "$dir/linux" && mkdir -p "$dir/linux"
		tar -xJf "$src_tar" -C "$dir/linux" --strip-components=1 || return 1
	fi
	patch_tree "$dir/linux" || return 1
	# configured once per key: a build that was stopped resumes where it was
	if [ "$(cat "$dir/configured" 2>/dev/null)" != "$key" ]; then
		fragment "$variant" >"$dir/fragment.config"
		make -C "$dir/linux" ARCH=x86_64 tinyconfig &&
			(cd "$dir/linux" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m .config "$dir/fragment.config") &&
			make -C "$dir/linux" ARCH=x86_64 olddefconfig || return 1
		echo "$key" >"$dir/configured"
	fi
	for o in $required CONFIG_${variant^^}; do grep -q "^$o=y" "$dir/linux/.config" || miss="$miss $o"; done
	[ -z "$miss" ] || { echo "debug-kernel: config lost:$miss" >&2; return 1; }
	nice -n "$nice_n" make -C "$dir/linux" ARCH=x86_64 -j"$jobs" bzImage modules || return 1
	nice -n "$nice_n" make -C "$dir/linux" ARCH=x86_64 -j"$jobs" modules_prepare || return 1
}

build() { # variant
	[ -n "$src_tar" ] || { echo "skipped: linux-source-6.1 is not installed" >&2; exit 77; }
	command -v pahole >/dev/null || { echo "skipped: pahole (dwarves) is not installed: BTF needs it" >&2; exit 77; }
	local variant=$1 ver key t1 o miss='' seed='' s real # dir, t0: global, the EXIT trap reads them
	ver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || stat -c %Y "$src_tar")
	key=$variant-$( (echo "$ver"; fragment "$variant"; echo "$required"; cat "$patches"/*.patch) | sha256sum | cut -c1-16)
	dir=$cache/$key
	if [ "$(cat "$dir/done" 2>/dev/null)" = "$key" ]; then
		echo "$dir"
		return 0
	fi
	if [ ! -e "$dir" ]; then
		# take over a built tree of this variant and source (see the top)
		for s in "$cache/$variant"-*/done; do
			[ -f "$s" ] || continue
			real=$(readlink -f "${s%/done}")
			[ -f "$real/linux/Makefile" ] || continue
			[ "$(sed -n 's/.*linux-source-6.1 \([^,]*\),.*/\1/p' "$real/build.log" | head -n1)" = "$ver" ] || continue
			seed="${s%/done} ($(cat "$s"))"
			rm -f "$real/done" "$real/build-seconds" "$real/build-seconds.log"
			ln -s "$(basename "$real")" "$dir"
			break
		done
	fi
	mkdir -p "$dir"
	t0=$(date +%s)
	# wall time of every build session, also one that is stopped: a
	# resumed build's total is the sum
	trap 'echo "$(($(date +%s) - t0))" >>"$dir/build-seconds.log"' EXIT
	trap 'exit 143' TERM INT HUP
	build_tree >"$dir/build.log" 2>&1 || { echo "debug-kernel: build failed, see $dir/build.log" >&2; tail -n 30 "$dir/build.log" >&2; exit 1; }
	trap - EXIT TERM INT HUP
	t1=$(date +%s)
	echo "$((t1 - t0))" >>"$dir/build-seconds.log"
	awk '{ s += $1 } END { print s }' "$dir/build-seconds.log" >"$dir/build-seconds"
	echo "# built: this session $((t1 - t0)) s, all sessions $(cat "$dir/build-seconds") s" >>"$dir/build.log"
	echo "$key" >"$dir/done"
	echo "$dir"
}

# run the module's suite on one variant's kernel
run_suite() { # variant
	local dir start rc=0
	dir=$(build "$1" | tail -n1) || rc=$?
	[ "$rc" = 0 ] && [ -f "$dir/done" ] || return "$((rc ? rc : 1))"
	echo "# debug kernel $1: $dir (built in $(cat "$dir/build-seconds") s)"
	# lockdep + KASAN/KCSAN under TCG: the same loads, more time and memory
	start=$(date +%s)
	GESTOR_KERNEL=$dir/linux/arch/x86/boot/bzImage KDIR=$dir/linux GESTOR_DEBUG_KERNEL=$1 \
		GESTOR_VM_TIMEOUT=${GESTOR_VM_TIMEOUT:-3000} GESTOR_VM_MEM=${GESTOR_VM_MEM:-2560} \
		GESTOR_BUILD=${GESTOR_BUILD:-$top/build}/debug-kernel-$1 bash "$top/tests/kernel/module.sh" || rc=$?
	echo "# module suite on the $1 debug kernel: exit $rc in $(($(date +%s) - start)) s"
	return $rc
}

# the BPF task iterator on one variant's kernel: READERS concurrent readers,
# READS documents each, under a fork/exit/cgroup-move load
# (tests/kernel/bpf-guest.sh), through a static tests/system/bpfdoc (servicio's
# own BPF source and records) built here
run_bpf() { # variant
	local dir b=${GESTOR_BUILD:-$top/build}/debug-kernel-$1/bpf rc=0 start jansson_a
	dir=$(build "$1" | tail -n1) || return 1
	mkdir -p "$b"
	jansson_a=$(ls /usr/lib/*/libjansson.a 2>/dev/null | head -n1)
	if ! { BUILD=$b make -s -C "$top/kernel/bpf" &&
		gcc -std=c17 -D_GNU_SOURCE -O2 -static -I"$top/lib" -I"$top/servicio" -I"$b/bpf" \
			-o "$b/bpfdoc" "$top/tests/system/bpfdoc.c" "$top"/servicio/{bpfsrc,bpfrec,procfs,cgroupid,procskip,snapshot}.c \
			"$top/lib/util.c" "$top/lib/jsonesc.c" -l:libbpf.a -l:libelf.a -l:libz.a &&
		gcc -std=c17 -D_GNU_SOURCE -O2 -static -o "$b/sysinfo_test" "$top/tests/kernel/sysinfo_test.c" \
			"$jansson_a" -lpthread; } >"$b/build.log" 2>&1; then
		echo "# BPF part on the $1 debug kernel: not run, the static reader did not build ($b/build.log):"
		grep -E 'error|undefined' "$b/build.log" | head -n 10
		return 1
	fi
	start=$(date +%s)
	GESTOR_KERNEL=$dir/linux/arch/x86/boot/bzImage bash "$top/tests/kernel/vm.sh" \
		--timeout "${GESTOR_VM_TIMEOUT:-3000}" --mem "${GESTOR_VM_MEM:-2560}" \
		--add "$b/bpfdoc" "$b/sysinfo_test" "$top/tests/kernel/bpf-guest.sh" --out "$b/out" \
		--log "$b/console.log" -- "READERS=${READERS:-8} READS=${READS:-5} sh /opt/bpf-guest.sh" \
		>"$b/vm.log" 2>&1 || rc=$?
	grep -E '^(ok|not ok|#|bpfdoc)' "$b/vm.log"
	if [ "$rc" = 0 ] && grep -q '^not ok' "$b/vm.log"; then rc=1; fi
	echo "# BPF part on the $1 debug kernel: exit $rc in $(($(date +%s) - start)) s"
	return $rc
}

# the BPF source's own suite on one variant's kernel: tests/kernel/bpf_vm.sh
# (servicio/tests/bpfsrc_test.c's test_agrees_with_proc, every process's
# memory and CPU time against /proc, and its concurrency test, 8 threads x
# 1,000 reads while processes fork, exit, stay zombies and move between
# container cgroups; then the guest's dmesg check) with this kernel's image.
# It links servicio's release objects: `make all` into $GESTOR_BUILD first.
run_bpf_suite() { # variant
	local dir gb=${GESTOR_BUILD:-$top/build} rc=0 start
	dir=$(build "$1" | tail -n1) || return 1
	mkdir -p "$gb/debug-kernel-$1"
	if ! BUILD=$gb nice -n "$nice_n" make -s -C "$top" -j"$jobs" all >"$gb/debug-kernel-$1/make-all.log" 2>&1; then
		echo "# BPF suite on the $1 debug kernel: not run, make all failed ($gb/debug-kernel-$1/make-all.log)"
		return 1
	fi
	start=$(date +%s)
	GESTOR_KERNEL=$dir/linux/arch/x86/boot/bzImage GESTOR_BUILD=$gb \
		GESTOR_VM_TIMEOUT=${GESTOR_VM_TIMEOUT:-3000} GESTOR_VM_MEM=${GESTOR_VM_MEM:-2560} \
		bash "$top/tests/kernel/bpf_vm.sh" >"$gb/debug-kernel-$1/bpf_vm.log" 2>&1 || rc=$?
	cat "$gb/debug-kernel-$1/bpf_vm.log"
	# bpf_vm.sh leaves test_argv_on_fuse out for any image but Debian's own
	# (it bundles that kernel's fuse.ko) and says so with 77 after its
	# checks: that part alone is accepted here, with every check passed; any
	# other skip (nothing to build the test from) is not a pass
	if [ "$rc" = 77 ] && grep -q '^# [1-9][0-9]* checks, 0 failed$' "$gb/debug-kernel-$1/bpf_vm.log" &&
		[ "$(grep '^skipped: ' "$gb/debug-kernel-$1/bpf_vm.log")" = "skipped: part argv on FUSE: no fuse.ko for bzImage" ]; then
		echo "# (test_argv_on_fuse left out on this kernel, as bpf_vm.sh does for any image but Debian's)"
		rc=0
	fi
	echo "# BPF suite (bpf_vm.sh) on the $1 debug kernel: exit $rc in $(($(date +%s) - start)) s"
	return $rc
}

variants=${2:-kasan kcsan}
case "${1:-test}" in
build) for v in $variants; do build "$v"; done ;;
bpf)
	rc=0
	for v in $variants; do
		run_bpf "$v" || rc=1
		run_bpf_suite "$v" || rc=1
	done
	exit $rc
	;;
test)
	rc=0
	for v in $variants; do
		run_suite "$v" || rc=1
		run_bpf "$v" || rc=1
		run_bpf_suite "$v" || rc=1
	done
	exit $rc
	;;
*) echo "usage: $0 build|test|bpf [kasan|kcsan]" >&2; exit 2 ;;
esac
