# bench-guest.sh — runs inside the system VM for bench/sysvm.sh (called by
# tests/system/guest-run.sh with SYSVM_BENCH=1, after the module is loaded):
# servicio's measuring part with --source module, bpf and procfs over the
# same containers, alternating, in the same boot.
#
# (Not executable on purpose: tests/run.sh runs every executable *.sh.)
#
# Containers: 2 high-cpu (50 % of a core each), 1 high-ram (64 MiB), 5 low,
# labelled like contenedores.sh makes them. Two configurations: as booted,
# then with EXTRA (default 500) idle processes outside containers (what a
# busy host has). Per configuration, ROUNDS (default 2) rounds of: servicio
# --source module, then --source procfs, each --dry-run --no-cron
# --interval 2 --duration DUR (default 24) --log-level debug, logging to a
# port where nothing answers (--log-url http://127.0.0.1:9: the batches go to
# a spool; starting the admin_logs container took longer than servicio's
# 10 s Docker API timeout in the loaded TCG VM, and logging is not measured). servicio's debug line per cycle,
# "cycle N timing: measure X ms", is the measuring part: one snapshot plus
# the per-container figures. Also the CPU time of the whole servicio
# process, and of `servicio stats --json --interval 1` (3 runs per source).
# Writes /sysvm/out/bench.txt (the summary) and the raw logs.
out=/sysvm/out
ROUNDS=${ROUNDS:-2}
DUR=${DUR:-24}
EXTRA=${EXTRA:-500}
RAW_RUNS=${RAW_RUNS:-9}
export GESTOR_TABLE=true # servicio prints its per-cycle table off a terminal too: read below
BIN=build/bin/servicio
TIMEFORMAT='%R %U %S'
mark() { echo "@@VM-MARK $(cut -d' ' -f1 /proc/uptime) $*"; }

[ -e /proc/sysinfo_202002591 ] || { echo "bench: the module is not loaded"; exit 1; }
# the BPF source too where this kernel takes it (Debian's 6.1 has BTF)
SOURCES="module procfs"
if build/bin/servicio stats --source bpf --json --interval 0.2 --no-docker >/dev/null 2>"$out/bpf-probe.err"; then
	SOURCES="module bpf procfs"
else
	echo "bench: the BPF source does not work in the VM: $(tail -n1 "$out/bpf-probe.err")" >>"$out/bench.txt"
fi
run_ctr() { # class image env...
	local class=$1 img=$2
	shift 2
	docker run -d --network none --memory 512m --cpus 1 --read-only --cap-drop ALL \
		--label gestor.managed=true --label "gestor.class=$class" "$@" "gestor/$img:latest" >/dev/null
}
run_ctr high-cpu high-cpu -e CPU_PCT=50
run_ctr high-cpu high-cpu -e CPU_PCT=50
run_ctr high-ram high-ram -e MEM_MB=64
for _ in 1 2 3 4 5; do run_ctr low low; done
sleep 3
mark "bench containers started"

median() { sort -n | awk '{a[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

bench_config() { # label
	local cfg=$1 r src t
	for r in $(seq 1 "$ROUNDS"); do
		for src in $SOURCES; do
			log=$out/bench-$cfg-$src-$r.log
			{ time "$BIN" --source "$src" --dry-run --no-cron --log-url http://127.0.0.1:9 \
				--spool "/tmp/bench-spool-$cfg-$src-$r" --interval 2 --duration "$DUR" \
				--log-level debug --color never >"$log" 2>&1; } 2>"$log.time"
			grep -q "metrics source: $src" "$log" || echo "bench: $src run did not use $src" >>"$out/bench-errors.txt"
			mark "$cfg $src round $r"
		done
	done
	for src in $SOURCES; do
		for _ in 1 2 3; do
			{ time "$BIN" stats --source "$src" --json --interval 1 >/dev/null 2>&1; } 2>>"$out/bench-$cfg-$src-stats.time"
		done
	done
	local procs
	procs=$(ls -d /proc/[0-9]* | wc -l)
	{
		echo "## $cfg: $procs processes in the VM, $(docker ps -q --filter label=gestor.managed=true | wc -l) managed containers"
		printf '%-8s %8s %8s %8s %6s   %s\n' source "measure" "p10" "p90" cycles "servicio CPU s per cycle; stats --interval 1: CPU s (median of 3)"
		for src in $SOURCES; do
			cat "$out"/bench-"$cfg"-"$src"-[0-9]*.log | sed -n 's/.*cycle [0-9]* timing: measure \([0-9.]*\) ms.*/\1/p' >"$out/bench-$cfg-$src.ms"
			n=$(wc -l <"$out/bench-$cfg-$src.ms")
			med=$(median <"$out/bench-$cfg-$src.ms")
			p10=$(sort -n "$out/bench-$cfg-$src.ms" | awk -v n="$n" 'NR == int(n * 0.1) + 1')
			p90=$(sort -n "$out/bench-$cfg-$src.ms" | awk -v n="$n" 'NR == int(n * 0.9) + (n * 0.9 > int(n * 0.9))')
			cyc=$(cat "$out"/bench-"$cfg"-"$src"-[0-9]*.log | grep -c '^cycle [0-9]* ')
			cpu=$(cat "$out"/bench-"$cfg"-"$src"-[0-9]*.log.time | awk '{s += $2 + $3} END {print s}')
			scpu=$(awk '{print $2 + $3}' "$out/bench-$cfg-$src-stats.time" | median)
			printf '%-8s %6s ms %5s ms %5s ms %6s   %.4f; %s\n' "$src" "$med" "$p10" "$p90" "$cyc" \
				"$(awk -v a="$cpu" -v b="$cyc" 'BEGIN {print (b > 0 ? a / b : 0)}')" "$scpu"
		done
	} >>"$out/bench.txt"
}

: >"$out/bench.txt"
echo "# $(nproc) vCPUs, $(awk '/MemTotal/ {printf "%.0f MiB", $2 / 1024}' /proc/meminfo), kernel $(uname -r)" >>"$out/bench.txt"
bench_config base
mark "extra processes"
pids=()
for _ in $(seq 1 "$EXTRA"); do
	sleep 100000 &
	pids+=($!)
done
bench_config "extra$EXTRA"
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
# the raw reads, three ways (build/tools/bpf_bench, built by
# bench/sysvm.sh): the module's file, the BPF iterator, the procfs walk, at
# 150, 1,000 and 5,000 processes in the VM (the module lists every process
# of the machine, so no private pid namespace here: N counts them all)
if [ -x build/tools/bpf_bench ]; then
	{
		echo
		echo "## raw reads: module vs BPF vs procfs ($RAW_RUNS runs each; times per whole read)"
		echo "| what           | procs  | median ms |   best ms | us/proc  |"
		echo "|----------------|--------|-----------|-----------|----------|"
	} >>"$out/bench.txt"
	for n in 150 1000 5000; do
		build/tools/bpf_bench "$n" "$RAW_RUNS" >>"$out/bench.txt" 2>>"$out/bench-errors.txt"
		mark "raw reads at $n processes"
	done
fi
docker rm -f gestor-admin_logs >/dev/null 2>&1
docker ps -aq --filter label=gestor.managed=true | xargs -r docker rm -f >/dev/null 2>&1
scripts/module.sh unload
cat "$out/bench.txt"
[ ! -s "$out/bench-errors.txt" ] || { cat "$out/bench-errors.txt"; exit 1; }
exit 0
