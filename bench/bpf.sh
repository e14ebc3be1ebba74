#!/usr/bin/env bash
# bpf.sh — the BPF task iterator against the procfs walk, at 150, 1,000 and
# 5,000 processes (make bench B=bpf). Each size runs in a fresh pid
# namespace (unshare --pid --mount-proc) filled with sleeping children, so
# the iterator and /proc both list exactly that many processes; R runs each
# (default 15), median and best. Needs root (BPF) and the kernel's BTF.
# Usage: bench/bpf.sh [RUNS]
#        bench/bpf.sh containers [C [N [RUNS]]]
#   servicio's containers-only read at C (500) containers among N (10,500)
#   processes, its two paths: the task iterator (kernels < 6.7, or
#   bpf-no-cgwalk) and the cgroup walk; wall and CPU time per read
#   (bench/bpf_ctr_bench.c: sleeping processes in a fresh pid namespace, C
#   of them in cgroup v2 directories named as Docker's, all removed after).
#        bench/bpf.sh host [RUNS [PAUSE_MS]]
#   the task iterator's containers-only read of this machine's tasks as
#   they are (servicio's read on kernels < 6.7): RUNS (20) reads PAUSE_MS
#   (1000, a 1 s cycle's cold caches) apart, wall and CPU time per read,
#   taking turns with a task iterator whose program does nothing (the
#   kernel's own visit of the same tasks: the floor of that path).
set -uo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
BUILD=${BUILD:-$TOP/build}
MODE=iter
if [ "${1:-}" = containers ] || [ "${1:-}" = host ]; then
	MODE=$1
	shift
fi
R=${1:-15}
[ "$(id -u)" = 0 ] || { echo "bpf: needs root"; exit 1; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "bpf: no kernel BTF"; exit 1; }
make -s -C servicio BUILD="$BUILD" tools || { echo "bpf: cannot build the benchmark"; exit 1; }
if [ "$MODE" = host ]; then
	echo "# machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), kernel $(uname -r)"
	echo "# servicio's containers-only read by the task iterator, this machine's tasks as they are"
	exec "$BUILD/tools/bpf_ctr_bench" host "${1:-20}" "${2:-1000}"
fi
if [ "$MODE" = containers ]; then
	C=${1:-500} N=${2:-10500} R=${3:-40}
	echo "# machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), kernel $(uname -r)"
	echo "# servicio's containers-only read, $C containers among $N processes (a fresh pid namespace); $R reads per path"
	echo
	exec unshare --pid --fork --mount-proc "$BUILD/tools/bpf_ctr_bench" "$C" "$N" "$R"
fi
echo "# machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), kernel $(uname -r)"
echo "# each size in a fresh pid namespace; $R runs; times per whole read"
echo
echo "| what           | procs  | median ms |   best ms | us/proc  |"
echo "|----------------|--------|-----------|-----------|----------|"
for n in 150 1000 5000; do
	unshare --pid --fork --mount-proc "$BUILD/tools/bpf_bench" "$n" "$R" || exit 1
done
