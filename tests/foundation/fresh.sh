#!/usr/bin/env bash
# fresh suite — the README's set-up works on a bare Debian 12.
#
# In a new container from a debootstrap minbase image (tests/foundation/
# bare.sh: only Debian's base system), from a copy of this checkout:
#   1. scripts/setup.sh --for run   (what `make run` installs; starts dockerd
#                                    and cron inside the container)
#   2. make                         (servicio, admin_logs, the load programs)
#   3. scripts/setup.sh --for test  (what `make test` adds)
#   4. make test-bins, then every unit-test program (tests/run.sh unit/)
#   5. the kernel module built against the installed Debian headers
# Every step must succeed; when setup.sh fails, its own message is the
# reason given. GESTOR_FRESH_REV=<commit> tests that commit instead of the
# working tree (46b162a, before setup.sh was fixed, fails at step 1 without
# a word from setup.sh).
# parallel: yes docker hostnet
# timeout: 1500
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/bare.sh"
need_root
need_docker
need_cmd git curl
bare_mirror_up || skip "the Debian mirror $(bare_mirror) does not answer: nothing can be installed"
bare_image || fail "could not make the bare image $BARE_IMAGE"
bare_cache fresh

work=$(mktemp -d /tmp/gestor-fresh.XXXXXX)
name=gestor-fresh-$$
on_exit "docker rm -f $name; rm -rf $work"
bare_src "${GESTOR_FRESH_REV:-}" "$work/src.tar" || fail "could not copy the checkout"

# Each step prints "@@STEP name rc seconds" so the host can check them one
# by one; the script stops at the first failing step.
script='
step() {
	local n=$1 t0=$(date +%s) rc; shift
	echo "@@BEGIN $n"
	"$@"; rc=$?
	echo "@@STEP $n $rc $(( $(date +%s) - t0 ))"
	[ "$rc" = 0 ] || exit "$rc"
}
echo "@@PKGS-BEFORE $(dpkg-query -W | wc -l)"
# (make -j as many jobs as cores: the same targets, built in parallel as
# the project builds them everywhere else)
# a setup.sh from before the package sets takes no --for: all is one set
run=(--for run) test=(--for test)
grep -q -- "--for" scripts/setup.sh || run=() test=()
step setup-run bash scripts/setup.sh "${run[@]}"
step make make -s -j"$(nproc)" all
# INITRD=No: the Debian kernel package builds no initramfs for itself here
# (its postinst hook honours it). Nothing in this container boots that kernel, and
# mkinitramfs over every module is most of the time of this step on 2 cores.
step setup-test env INITRD=No bash scripts/setup.sh "${test[@]}" --no-docker --no-cron
step test-bins make -s -j"$(nproc)" test-bins
step unit-tests tests/run.sh unit/
kdir=$(ls -d /lib/modules/*-amd64/build 2>/dev/null | sort -V | tail -n1)
step kernel make -s kernel KDIR="$kdir"
step module-file test -f kernel/sysinfo.ko
'
log=$work/log
bare_run "$name" "$work/src.tar" -- "$script" >"$log" 2>&1
rc=$?
grep -E '^(@@|setup: |[0-9]+ passed)' "$log"

step_ok() { grep -qE "^@@STEP $1 0 " "$log"; }
if ! step_ok setup-run; then
	echo "--- last lines from the container:"
	sed -n '/^@@BEGIN setup-run/,$p' "$log" | tail -n 15
	said=$(sed -n '/^@@BEGIN setup-run/,/^@@STEP setup-run/p' "$log" | grep -v '^@@' | grep -v '^setup: [a-z]*ing ' | tail -n1)
	src=$(sed -n 's/^@@STEP setup-run \([0-9]*\).*/\1/p' "$log")
	fail "setup.sh (run set) failed on a bare Debian 12 (exit ${src:-?}): ${said:-it stopped without a word}"
fi
check "setup --for run installs what make run needs and starts dockerd and cron" step_ok setup-run
check "setup said what it installed" grep -q '^setup: installed [0-9]* package' "$log"
check "dockerd started inside the bare machine" grep -q '^setup: dockerd is up' "$log"
check "make builds with the run set only" step_ok make
check "setup --for test adds the test set" step_ok setup-test
check "the test programs build" step_ok test-bins
check "every unit test passes" step_ok unit-tests
check "the unit tests ran (a closing line with passes)" grep -qE '^[1-9][0-9]* passed, 0 failed' "$log"
check "the kernel module builds against Debian's headers" step_ok module-file
[ "$rc" = 0 ] || { echo "--- last lines from the container:"; tail -n 30 "$log"; }
finish
