# module-guest.sh — runs inside the VM (tests/kernel/vm.sh) for the module
# suite tests/kernel/module.sh. Needs /opt/sysinfo.ko, /opt/sysinfo_test and
# /opt/review_test (and /opt/fuse.ko where FUSE is a module).
# Prints TAP-like lines; exits non-zero when any check failed. Documents
# read from the module are left in /out as fixtures for the metrics parser.
T=/opt/sysinfo_test
R=/opt/review_test
F=/proc/sysinfo_202002591
fail=0
n=0
ok() {
	n=$((n + 1))
	if "$@"; then echo "ok - guest: $what"; else echo "not ok - guest: $what"; fail=1; fi
}
# (each step's start in the VM's uptime, to see where its time goes)
at() { echo "# at $(cut -d' ' -f1 /proc/uptime) s"; }
run() {
	at
	echo "## sysinfo_test $*"
	"$T" "$@" || fail=1
}
# the review points of issue #16 (review_test.c); 77 = cannot run here
review() {
	at
	echo "## review_test $*"
	"$R" "$@"
	rc=$?
	# a review point that cannot run here is reported, for module.sh to count as a left-out part
	[ "$rc" = 77 ] && echo "# part left out: guest review_test $1 (exit 77: cannot run in this VM)"
	[ "$rc" = 0 ] || [ "$rc" = 77 ] || { echo "not ok - guest: review_test $1 exited $rc"; fail=1; }
}

# the debug kernel is a tinyconfig one (BASE_SMALL): pid_max 4096 there,
# too few for "scale"; Debian's is already 32768
[ "$(cat /proc/sys/kernel/pid_max)" -ge 32768 ] || echo 32768 >/proc/sys/kernel/pid_max
# threads-max is RAM / (8 x THREAD_SIZE): KASAN's 32 KiB stacks halve it
# (about 8,600 at 2,560 MB), below what "scale" starts
[ "$(cat /proc/sys/kernel/threads-max)" -ge 20000 ] || echo 20000 >/proc/sys/kernel/threads-max
what="insmod sysinfo.ko" ok insmod /opt/sysinfo.ko
what="$F exists with mode 0444" ok [ "$(stat -c %a "$F" 2>/dev/null)" = 444 ]
run parse /out/normal.json
run compare
run hostile /out/hostile.json
run cgroups /out/containers.json /out/containers_only.json
run storm "${STORM_SECONDS:-15}"
review hidepid
review argv
review execstorm "${EXEC_SECONDS:-10}"
review timens
review userns
review cgroupns
review meminfo
review offsets
# issue #30: the opener's credentials, an LSM, cpu_pct's time base,
# escaping, container ids across a cgroup namespace, swap
review opener
review lsm
review cpupct "${CPUPCT_SECONDS:-2}"
review escape
review cgroupid
# swap on a loop device over a tmpfs file (loop is a module in Debian's kernel)
[ -e /dev/loop-control ] || { [ -f /opt/loop.ko ] && insmod /opt/loop.ko; }
what="swap on /dev/loop0 (tmpfs file)" ok sh -c 'dd if=/dev/zero of=/tmp/swapfile bs=1M count=16 2>/dev/null &&
	losetup /dev/loop0 /tmp/swapfile && mkswap /dev/loop0 >/dev/null && swapon /dev/loop0'
review swap
swapoff /dev/loop0 2>/dev/null
losetup -d /dev/loop0 2>/dev/null
rm -f /tmp/swapfile
# FUSE: built into the debug kernel, a module (added as /opt/fuse.ko) in Debian's
[ -e /dev/fuse ] || { [ -f /opt/fuse.ko ] && insmod /opt/fuse.ko; }
review fuse
run scale "${SCALE:-10000}"

# unload while a reader holds the file open (and has read part of it)
exec 3<"$F"
dd bs=100 count=1 <&3 >/dev/null 2>&1
what="rmmod with the file open" ok rmmod sysinfo
what="no $F after rmmod" ok [ ! -e "$F" ]
what="read on the stale descriptor fails cleanly" ok sh -c '! cat <&3 >/dev/null 2>&1'
exec 3<&-

what="proc_name=gestor_custom" ok sh -c 'insmod /opt/sysinfo.ko proc_name=gestor_custom && [ -r /proc/gestor_custom ] && [ ! -e '"$F"' ] && rmmod sysinfo && [ ! -e /proc/gestor_custom ]'
what="containers_only=1 at load" ok sh -c 'insmod /opt/sysinfo.ko containers_only=1 && grep -q "\"containers_only\":true" '"$F"' && rmmod sysinfo'

review badname /opt/sysinfo.ko
run cycles "${CYCLES:-100}" /opt/sysinfo.ko "${CHURN:-1000}"
what="no $F after the cycles" ok [ ! -e "$F" ]
what="module not loaded at the end" ok sh -c '! grep -q "^sysinfo " /proc/modules'

at
dmesg >/out/dmesg.txt
# lockdep, KASAN, PROVE_RCU and DEBUG_ATOMIC_SLEEP reports all carry one of
# these (on the debug kernel: tests/kernel/debug-kernel.sh)
splat='WARNING|BUG|Oops|Call Trace|general protection|refcount_t|INFO: |lockdep|KASAN|KCSAN: data-race|UBSAN|suspicious RCU|sleeping function|stall'
# (the debug kernel's boot line "RCU lockdep checking is enabled." is no report)
benign='RCU lockdep checking is enabled'
what="kernel log has no WARNING, BUG, Oops, Call Trace, lockdep, KASAN or RCU report" ok sh -c '! grep -E "'"$splat"'" /out/dmesg.txt | grep -vqE "'"$benign"'"'
grep -E "$splat" -A20 /out/dmesg.txt | grep -vE "$benign" | head -80
# the debug kernels (DEBUG_KERNEL=kasan|kcsan on the command line of this script)
if [ -r /proc/lockdep_stats ]; then
	what="lockdep still on at the end (debug_locks 1)" ok grep -Eq 'debug_locks: +1' /proc/lockdep_stats
	case "${DEBUG_KERNEL:-}" in
	kasan) what="KASAN is on" ok grep -q 'KernelAddressSanitizer initialized' /out/dmesg.txt ;;
	kcsan) what="KCSAN is on" ok grep -q 'kcsan: enabled early' /out/dmesg.txt ;;
	esac
fi
echo "# guest shell: $n checks"
exit "$fail"
