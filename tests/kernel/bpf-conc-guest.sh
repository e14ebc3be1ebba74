# shellcheck shell=sh
# bpf-conc-guest.sh — runs inside a VM (tests/kernel/vm.sh; files from
# tests/kernel/bpf-conc-build.sh in /opt): servicio's BPF test agreeing with
# /proc (test_agrees_with_proc), the memory cgroup in the records
# (test_memcg_usage), then its concurrency test,
# the one `make test` runs on the host (servicio/tests/bpfsrc_test.c,
# test_concurrent_readers): 8 threads x 1,000 reads of the BPF task
# iterators, alternating the two settings (every process / containers
# only), while a helper forks children that exit at once (zombies always
# there), moves 4 sleepers between two container cgroups it made in the v2
# tree, and a zombie in a container lives through the test; every read
# complete and consistent with its header, pids increasing, every process
# that lived through the read listed in its container, the zombie listed;
# where the kernel has the cgroup walk (>= 6.7) every 10th read is a walk
# that must list every sleeper. With /opt/fuse.ko, test_argv_on_fuse: BPF
# reads end beside an argv on a never-answering FUSE mapping. Then the
# kernel log must hold no WARNING,
# BUG, lockdep, KASAN, KCSAN or RCU report.
# Prints TAP-like lines ("ok - guest: ..."); exits non-zero when a check failed.
fail=0
n=0
ok() {
	n=$((n + 1))
	if "$@"; then echo "ok - guest: $what"; else echo "not ok - guest: $what"; fail=1; fi
}
echo "# kernel $(uname -r) ($(nproc) CPUs)"
what="kernel BTF present (/sys/kernel/btf/vmlinux)" ok [ -r /sys/kernel/btf/vmlinux ]
cd /opt || exit 1
# libbpf's warnings on stderr: a refused load shows the verifier's log here
export GESTOR_BPF_DEBUG=1
# run_one TEST LOG: one test of bpfsrc_test; it passes and it ran (not skipped)
run_one() {
	GESTOR_BPF_ONLY=$1 /opt/ld-linux-x86-64.so.2 --library-path /opt /opt/bpfsrc_test >"$2" 2>&1
	rc=$?
	cat "$2"
	what="bpfsrc_test $1 passes (exit $rc)" ok [ "$rc" = 0 ]
	what="... and it ran (not skipped)" ok grep -q "^\[       OK \] $1" "$2"
}
# the values: every process's memory and CPU time against /proc (on 6.1 the
# CO-RE fallbacks for the atomic rss counters and kernfs_node.parent)
run_one test_agrees_with_proc /tmp/agree.log
# the memory cgroup in each record (the usage servicio takes instead of a
# file read) against the cgroup's file, on this kernel's mem_cgroup
run_one test_memcg_usage /tmp/memcg.log
start=$(date +%s)
run_one test_concurrent_readers /tmp/conc.log
echo "# concurrency test: $(($(date +%s) - start)) s"
what="... 8 readers x 1000 reads, all complete and consistent" ok grep -q '^# 8 readers x 1000 reads with moves between two containers, a zombie: all complete and consistent' /tmp/conc.log
# argv on FUSE (issue 30 item 2), where the suite brought this kernel's
# fuse.ko: a process whose argv reads are never answered beside every BPF
# read; each must end (test_argv_on_fuse)
if [ -f /opt/fuse.ko ]; then
	insmod /opt/fuse.ko
	run_one test_argv_on_fuse /tmp/fuse.log
fi
dmesg >/tmp/dmesg-conc.txt
[ -d /out ] && cp /tmp/dmesg-conc.txt /tmp/conc.log /out/ 2>/dev/null
splat='WARNING|BUG|Oops|Call Trace|general protection|refcount_t|INFO: |KASAN|KCSAN: data-race|UBSAN|suspicious RCU|sleeping function|stall'
benign='RCU lockdep checking is enabled'
what="kernel log has no WARNING, BUG, Oops, Call Trace, lockdep, KASAN, KCSAN or RCU report" ok sh -c '! grep -E "'"$splat"'" /tmp/dmesg-conc.txt | grep -vqE "'"$benign"'"'
grep -E "$splat" -A20 /tmp/dmesg-conc.txt | grep -vE "$benign" | head -60
echo "# guest shell: $n checks"
exit "$fail"
