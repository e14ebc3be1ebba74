#!/usr/bin/env bash
# sysvm.sh — the module's end-to-end advantage as servicio sees it: in one
# boot of the system VM (scripts/sysvm.sh: Debian's 6.1 kernel, a Debian 12
# root with Docker, the module built for that kernel and loaded), servicio's
# measuring part (one snapshot + the per-container figures, from its
# per-cycle debug line "measure X ms") with --source module and --source
# procfs (and --source bpf, the BPF iterator), alternating, over the same
# containers (2 high-cpu, 1 high-ram, 5 low), as booted and with 500 extra
# idle processes; then the raw reads three ways (bench/bpf_bench.c) at 150,
# 1,000 and 5,000 processes. Details in
# tests/system/bench-guest.sh. Under TCG (no KVM here) every figure is
# several times what real hardware gives; the ratio is the point.
# Usage: bench/sysvm.sh          (make bench B=sysvm; needs root, make images)
# Environment: ROUNDS, DUR, EXTRA, RAW_RUNS (passed to the guest), GESTOR_QEMU_ACCEL.
set -uo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
BUILD=${BUILD:-$TOP/build}
out=$BUILD/bench/sysvm
rm -rf "$out" && mkdir -p "$out"
[ -x "$BUILD/bin/servicio" ] || { echo "sysvm: build servicio first (make)"; exit 1; }
# the three-way raw read benchmark for the guest (build/tools/bpf_bench,
# bench/bpf_bench.c: the module's file, the BPF iterator, the procfs walk);
# CO-RE, so built here
rm -f "$BUILD/tools/bpf_bench"
make -s -C servicio BUILD="$BUILD" tools ||
	echo "# sysvm: the BPF tools are not built (no BTF, clang or libbpf here): no raw-read table"
envs=(--env SYSVM_BENCH=1)
for v in ROUNDS DUR EXTRA RAW_RUNS; do [ -n "${!v:-}" ] && envs+=(--env "$v=${!v}"); done
t0=$(date +%s)
BUILD=$BUILD scripts/sysvm.sh run --timeout 1500 --out "$out" --log "$out/console.log" "${envs[@]}" \
	-- tests/system/guest-run.sh >"$out/vm.log" 2>&1
rc=$?
grep -E '^(sysvm:|@@VM-MARK)' "$out/vm.log"
echo "# VM run: $(($(date +%s) - t0)) s, exit $rc; accel ${GESTOR_QEMU_ACCEL:-auto ($([ -w /dev/kvm ] && echo kvm || echo tcg))}"
if [ -s "$out/bench.txt" ]; then
	cat "$out/bench.txt"
else
	tail -n 40 "$out/vm.log"
	exit 1
fi
exit "$rc"
