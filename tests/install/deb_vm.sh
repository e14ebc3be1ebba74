#!/usr/bin/env bash
# install/deb_vm suite — gestor installed as a user would: the packages of
# this checkout, `apt-get install ./*.deb` in a Debian 12 VM booted with
# Debian's own systemd as init and no network, then kill, reboot and purge.
#
# 1. The four packages (gestor, gestor-logs, gestor-dkms, gestor-demo) of
#    this very checkout: built in a bare Debian 12 container
#    (tests/install/debs.sh, install/deb_build's recipe) or taken from its
#    cache when a suite built the same files already.
# 2. The VM (tests/install/sdvm.sh): Debian's kernel <kver> (the host's
#    /boot), a debootstrapped root with systemd-sysv, Docker, DKMS, the
#    kernel's headers and the packages' run-time dependencies (cached under
#    a hash of that list), no network device. qemu uses KVM only when a
#    guest really runs with it (scripts/qemu-accel.sh), else TCG.
# 3. In the VM (tests/install/deb_vm-guest.sh, run by the image's agent
#    unit once per boot): install; DKMS builds the module and it loads;
#    gestor.service active and enabled; the log server's container running
#    with its restart policy; servicio's records reach the log server;
#    `journalctl -p err` shows only error lines; `kill -9` of servicio →
#    systemd restarts it, the log server runs on; reboot → module,
#    gestor.service, the log server and new records come back by
#    themselves; `apt-get purge` → no file, unit, cron line, module,
#    container or image of gestor's is left.
# Every check made in the VM is one check here. One boot and one reboot.
#
# Time (TCG: this host's KVM runs no guest; measured 2026-12-06 at host
# load 15-77 on 2 shared cores, the suite prints its own): packages 298 s
# (cached per checkout), root image 0 (cached; ~8 min once), boot 130 s,
# apt-get install 1365 s (unpacking 34 s, DKMS's module build and depmod
# 277 s, gestor-logs' postinst `docker load` of the log server's image
# 544 s, gestor's start 88 s, gestor-demo's images and restart ~350 s),
# checks and kill -9 ~4 min, reboot to the agent 385 s, purge > 8 min (cut
# by the old 3000 s limit). Hence the limits: the VM 5400 s, the purge
# 900 s inside it. A later run at load 2-8 (below) took 1,373 s in all. In
# `make test` where KVM works; else skipped there, and run by
# `make test-install-vm`.
# timeout: 6000
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../foundation/bare.sh"
. "$(dirname "$0")/debs.sh"
. "$(dirname "$0")/sdvm.sh"
need_root
need_docker
need_cmd git curl qemu-system-x86_64 debugfs mkfs.ext4 debootstrap
[ -n "$sdvm_kver" ] || skip "no Debian -amd64 kernel with headers installed (linux-image-amd64, linux-headers-amd64)"
[ -r "/boot/vmlinuz-$sdvm_kver" ] && [ -r "/boot/initrd.img-$sdvm_kver" ] ||
	skip "no /boot/vmlinuz-$sdvm_kver and its initrd to boot the VM with"
bare_mirror_up || skip "the Debian mirror $(bare_mirror) does not answer: neither the packages nor the VM can be made"
# In `make test` only where KVM really runs a guest (scripts/qemu-accel.sh
# tries one): under TCG the whole suite took 1,373 s on this 2-core host
# (2026-12-06 07:00-07:23 UTC, load 2-8: packages 193 s, the two boots
# 1,180 s; 38 checks, 0 failed), more than make test's 15-minute budget for
# all its suites. `make test-install-vm` runs it with either accelerator
# (GESTOR_INSTALL_VM=1).
if [ "${GESTOR_INSTALL_VM:-}" != 1 ]; then
	accel=$("$GESTOR_TOP/scripts/qemu-accel.sh" "/boot/vmlinuz-$sdvm_kver" 2>/dev/null)
	[ "$accel" = kvm ] || skip "needs KVM in make test: qemu runs guests here with ${accel:-no accelerator} (TCG: 23 min for this suite, measured); make test-install-vm runs it"
fi

t_start=$(date +%s)
work=$(mktemp -d /var/tmp/gestor-debvm.XXXXXX)
on_exit "docker rm -f gestor-debbuild-$$ >/dev/null 2>&1; rm -rf '$work' '$work.ext4'"
p=$work/payload
mkdir -p "$p/debs"

t0=$(date +%s)
check "the four packages of this checkout are built (bare Debian 12 container, or the cache of the same files)" \
	debs_cached "$p/debs"
t_debs=$(($(date +%s) - t0))
ls "$p/debs"/*.deb >/dev/null 2>&1 || fail "no packages to install"

t0=$(date +%s)
img=$(sdvm_image)
rc=$?
[ "$rc" = 77 ] && skip "${img#skipped: }"
check "the VM's root filesystem is made (debootstrap: systemd-sysv, Docker, DKMS, headers of $sdvm_kver)" test "$rc" = 0
[ "$rc" = 0 ] || finish
t_image=$(($(date +%s) - t0))

cp "$GESTOR_TOP/tests/install/deb_vm-guest.sh" "$p/stage.sh"
t0=$(date +%s)
sdvm_boot "$img" "$p" "$work/console.log" 5400
qrc=$?
t_vm=$(($(date +%s) - t0))

res=$p/out/checks.txt
[ -f "$res" ] || : >"$res"
grep -E '^@@(INFO|TIME)' "$res" | sed 's/^@@/# /'
# where the VM's time went: each check's end (the VM's uptime) and length
[ -f "$p/out/times.txt" ] && awk '$1 == "@@STEP" { w = ""; for (i = 5; i <= NF; i++) w = w " " $i
	printf "# boot %s, up %7.1f s: %4d s%s\n", $2, $3, $4, w }' "$p/out/times.txt"
n=0
while read -r _ st what; do
	n=$((n + 1))
	check "VM: $what" test "$st" = 0
done < <(grep -E '^@@CHECK [01] ' "$res")
check "the VM ran both boots to the end and powered off (qemu exit $qrc, $n checks reported)" \
	bash -c "grep -q '^@@VM-RC 0' '$res' && [ '$qrc' = 0 ]"
if [ "$T_FAILS" -gt 0 ]; then
	echo "--- console (last 60 lines):"
	tail -n 60 "$work/console.log"
	for f in ck.log failed-boot1.txt failed-boot2.txt journal-gestor-boot1.txt journal-gestor-boot2.txt; do
		[ -f "$p/out/$f" ] && { echo "--- $f (last 40 lines):"; tail -n 40 "$p/out/$f"; }
	done
fi
keep=$GESTOR_BUILD/test-logs/install-deb_vm
rm -rf "$keep" && mkdir -p "$keep" && cp -a "$p/out/." "$work/console.log" "$keep/" 2>/dev/null
echo "# guest logs kept in $keep"
echo "# times: packages ${t_debs} s, VM image ${t_image} s, VM (two boots) ${t_vm} s, total $(($(date +%s) - t_start)) s"
finish
