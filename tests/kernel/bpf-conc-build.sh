# shellcheck shell=bash
# bpf-conc-build.sh — builds what tests/kernel/bpf-conc-guest.sh needs in a VM
# into DIR: servicio's BPF unit test (servicio/tests/bpfsrc_test.c, without
# ASan, linked against servicio's release objects) with the shared libraries
# it loads and the dynamic loader, so a busybox initramfs (tests/kernel/vm.sh)
# can run it with `/opt/ld-linux-x86-64.so.2 --library-path /opt`. A VM suite
# adds every file of DIR with --add and runs `sh /opt/bpf-conc-guest.sh`
# (tests/kernel/bpf_vm.sh does; a suite sharing one boot can do the same).
#
# (Not executable on purpose: tests/run.sh runs every executable *.sh.)
#
# Usage: bash tests/kernel/bpf-conc-build.sh DIR
# Needs $GESTOR_BUILD/rel/servicio/*.o and $GESTOR_BUILD/bpf (make all).
# Exit 0 built; 77 with "skipped: why" when this host cannot build it (no
# BTF for the skeleton, no release objects, no cmocka); 1 on a build error.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:?usage: bpf-conc-build.sh DIR}
build=${GESTOR_BUILD:-${BUILD:-$top/build}}
[ -r /sys/kernel/btf/vmlinux ] || { echo "skipped: no BTF here to build the BPF skeleton"; exit 77; }
[ -f "$build/bpf/sysinfo.skel.h" ] && [ -f "$build/rel/libgestor.a" ] ||
	{ echo "skipped: build first (make all: $build/bpf, $build/rel)"; exit 77; }
pkg-config --exists cmocka jansson libbpf || { echo "skipped: cmocka, jansson or libbpf development files missing"; exit 77; }
objs=()
for o in "$build"/rel/servicio/*.o; do
	[ "$(basename "$o")" = main.o ] || objs+=("$o")
done
[ "${#objs[@]}" -gt 10 ] || { echo "skipped: no release objects in $build/rel/servicio (make all)"; exit 77; }
mkdir -p "$dir"
# servicio's objects as an archive: only those the test uses are linked in
rm -f "$dir/servicio.a"
ar rcs "$dir/servicio.a" "${objs[@]}" || { echo "bpf-conc-build: ar failed" >&2; exit 1; }
# shellcheck disable=SC2046 # pkg-config's flags are words
gcc -std=c17 -D_GNU_SOURCE -O2 -g -I"$top/lib" -I"$top/servicio" -I"$build/bpf" \
	-o "$dir/bpfsrc_test" "$top/servicio/tests/bpfsrc_test.c" "$dir/servicio.a" "$build/rel/libgestor.a" \
	-Wl,--as-needed $(pkg-config --cflags --libs jansson libbpf cmocka) -lm -lpthread ||
	{ echo "bpf-conc-build: the test did not build" >&2; exit 1; }
rm -f "$dir/servicio.a"
# the libraries it loads, and the loader (flat: the VM copies all to /opt)
ldd "$dir/bpfsrc_test" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' | while read -r lib; do
	cp -L "$lib" "$dir/" || exit 1
done || { echo "bpf-conc-build: cannot copy the shared libraries" >&2; exit 1; }
[ -f "$dir/ld-linux-x86-64.so.2" ] || { echo "bpf-conc-build: no dynamic loader found by ldd" >&2; exit 1; }
cp "$top/tests/kernel/bpf-conc-guest.sh" "$dir/"
exit 0
