#!/usr/bin/env bash
# bpf.sh — the BPF task iterator against the procfs walk, at 150, 1,000 and
# 5,000 processes (make bench B=bpf). Each size runs in a fresh pid
# namespace (unshare --pid --mount-proc) filled with sleeping children, so
# the iterator and /proc both list exactly that many processes; R runs each
# (default 15), median and best. Needs root (BPF) and the kernel's BTF.
# Usage: bench/bpf.sh [RUNS]
set -uo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
BUILD=${BUILD:-$TOP/build}
R=${1:-15}
[ "$(id -u)" = 0 ] || { echo "bpf: needs root"; exit 1; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "bpf: no kernel BTF"; exit 1; }
make -s -C servicio BUILD="$BUILD" tools || { echo "bpf: cannot build the benchmark"; exit 1; }
echo "# machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), kernel $(uname -r)"
echo "# each size in a fresh pid namespace; $R runs; times per whole read"
echo
echo "| what           | procs  | median ms |   best ms | us/proc  |"
echo "|----------------|--------|-----------|-----------|----------|"
for n in 150 1000 5000; do
	unshare --pid --fork --mount-proc "$BUILD/tools/bpf_bench" "$n" "$R" || exit 1
done
