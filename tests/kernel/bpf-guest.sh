# bpf-guest.sh — runs inside the VM (tests/kernel/vm.sh) on the debug
# kernels (tests/kernel/debug-kernel.sh): the BPF task iterator read by
# READERS concurrent readers, READS documents each, while processes fork and
# exit, a zombie exists and a process moves between cgroups; every document
# must parse and validate, and the kernel log must hold no lockdep, KASAN,
# KCSAN, RCU or sleep-in-atomic report. Needs /opt/bpfdoc (tests/system/bpfdoc.c,
# linked statically: it loads the iterator through servicio's BPF source,
# reads it once and unloads it) and /opt/sysinfo_test (validate).
# Prints TAP-like lines; exits non-zero when a check failed.
fail=0
n=0
ok() {
	n=$((n + 1))
	if "$@"; then echo "ok - guest: $what"; else echo "not ok - guest: $what"; fail=1; fi
}
R=${READERS:-8}
N=${READS:-5}
mkdir -p /tmp/bpf

what="kernel BTF present (/sys/kernel/btf/vmlinux)" ok [ -r /sys/kernel/btf/vmlinux ]
what="one read of the BPF iterator" ok sh -c '/opt/bpfdoc >/tmp/bpf/first.json 2>/tmp/bpf/first.err'
cat /tmp/bpf/first.err

# load: a fork/exit loop, a zombie (its parent never waits), a process
# moving between two v2 cgroups
(while :; do /bin/true; done) &
churn=$!
sh -c 'sleep 0 & exec sleep 100000' &
zparent=$!
mkdir -p /sys/fs/cgroup/unified/bpf-a /sys/fs/cgroup/unified/bpf-b
sleep 100000 &
mover=$!
(while :; do
	echo $mover >/sys/fs/cgroup/unified/bpf-a/cgroup.procs
	echo $mover >/sys/fs/cgroup/unified/bpf-b/cgroup.procs
done) 2>/dev/null &
moving=$!

start=$(date +%s)
i=0
pids=
while [ $i -lt "$R" ]; do
	(j=0; while [ $j -lt "$N" ]; do
		/opt/bpfdoc >/tmp/bpf/doc.$i.$j.json 2>/tmp/bpf/err.$i.$j || echo "bpfdoc failed: $(cat /tmp/bpf/err.$i.$j)"
		j=$((j + 1))
	done) &
	pids="$pids $!"
	i=$((i + 1))
done
wait $pids
echo "# $R readers x $N reads in $(($(date +%s) - start)) s"
kill $churn $moving $mover $zparent 2>/dev/null
wait 2>/dev/null
docs=$(find /tmp/bpf -name 'doc.*.json' -size +0 | wc -l)
what="$docs of $((R * N)) reads made a non-empty document" ok [ "$docs" = "$((R * N))" ]
echo "## sysinfo_test validate"
/opt/sysinfo_test validate /tmp/bpf/first.json /tmp/bpf/doc.*.json || fail=1

dmesg >/out/dmesg-bpf.txt
splat='WARNING|BUG|Oops|Call Trace|general protection|refcount_t|INFO: |lockdep|KASAN|KCSAN: data-race|UBSAN|suspicious RCU|sleeping function|stall'
benign='RCU lockdep checking is enabled'
what="kernel log has no WARNING, BUG, Oops, Call Trace, lockdep, KASAN, KCSAN or RCU report" ok sh -c '! grep -E "'"$splat"'" /out/dmesg-bpf.txt | grep -vqE "'"$benign"'"'
grep -E "$splat" -A20 /out/dmesg-bpf.txt | grep -vE "$benign" | head -80
if [ -r /proc/lockdep_stats ]; then
	what="lockdep still on at the end (debug_locks 1)" ok grep -Eq 'debug_locks: +1' /proc/lockdep_stats
fi
echo "# guest shell: $n checks"
exit "$fail"
