#!/usr/bin/env bash
# contenedores/images suite — `make images` builds the three load images
# FROM scratch (no registry); a container of each runs; by Docker's own stats
# API (the CPU % that `docker stats` shows, memory = usage - inactive_file)
# high-cpu uses about one core (and about half with CPU_PCT=50), high-ram
# about MEM_MB MiB (also in the process's VmRSS), low about nothing; each
# stops on `docker stop`'s SIGTERM with exit status 0 (how long it took is
# printed, a figure, not judged); a bad setting exits 2.
# Each image carries gestor.managed=true and gestor.class=<image>, so a
# container started from it by hand is managed. The containers here carry
# the label gestor.test=<this run> and gestor.managed=false (the opt-out,
# so no manager touches them) and are removed at the end.
# timeout: 300
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd docker curl /usr/bin/python3
need_docker

run_id=contenedores-images-$$
on_exit "docker_rm_label gestor.test=$run_id"

check "make images builds the three images" make -s -C "$GESTOR_TOP/contenedores" images
for c in high-cpu high-ram low; do
	layers=$(docker image inspect -f '{{len .RootFS.Layers}}' "gestor/$c:latest" 2>/dev/null)
	size=$(docker image inspect -f '{{.Size}}' "gestor/$c:latest" 2>/dev/null)
	check "gestor/$c:latest is one layer FROM scratch (layers=$layers)" [ "$layers" = 1 ]
	check "gestor/$c:latest is small ($size bytes)" [ "${size:-99999999}" -lt 2000000 ]
	labels=$(docker image inspect -f '{{index .Config.Labels "gestor.managed"}} {{index .Config.Labels "gestor.class"}}' "gestor/$c:latest" 2>/dev/null)
	check "gestor/$c:latest carries gestor.managed=true gestor.class=$c ($labels)" [ "$labels" = "true $c" ]
done
# rebuilding is cached: the same image ids again (Docker's layer cache), a
# fact rather than a time; how long it took is printed (bench/timings.sh)
ids() { docker image inspect -f '{{.Id}}' gestor/high-cpu:latest gestor/high-ram:latest gestor/low:latest 2>/dev/null; }
ids0=$(ids)
t0=$(date +%s%N)
make -s -C "$GESTOR_TOP/contenedores" images >/dev/null
rc=$?
echo "# cached rebuild: $((($(date +%s%N) - t0) / 1000000)) ms"
check "rebuilding is cached: it succeeds and gives the same three image ids" eval '[ "$rc" = 0 ] && [ -n "$ids0" ] && [ "$(ids)" = "$ids0" ]'

# start NAME IMAGE MEMORY [ENV...]: a detached container of ours
start() {
	local name=$1 image=$2 mem=$3
	shift 3
	local envs=() e
	for e in "$@"; do envs+=(-e "$e"); done
	docker run -d --name "gestor-t-$run_id-$name" --label "gestor.test=$run_id" --label gestor.managed=false \
		--network none --memory "$mem" --memory-swap "$mem" "${envs[@]}" \
		"gestor/$image:latest" >/dev/null
}
# stats NAME: prints "<cpu %> <memory MiB>" from one /containers/<id>/stats call
stats() {
	curl -sf --max-time 10 --unix-socket /var/run/docker.sock \
		"http://d/containers/gestor-t-$run_id-$1/stats?stream=false" |
		/usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
c, p = s["cpu_stats"], s["precpu_stats"]
cd = c["cpu_usage"]["total_usage"] - p["cpu_usage"]["total_usage"]
sd = c.get("system_cpu_usage", 0) - p.get("system_cpu_usage", 0)
n = c.get("online_cpus") or len(c["cpu_usage"].get("percpu_usage") or [1])
cpu = cd / sd * n * 100.0 if sd > 0 and cd >= 0 else 0.0
m = s["memory_stats"]
st = m.get("stats", {})
inactive = st.get("total_inactive_file", st.get("inactive_file", 0))
print("%.1f %.1f" % (cpu, (m["usage"] - inactive) / 1048576.0))'
}
# in_range VALUE LOW HIGH (decimals allowed)
in_range() { awk -v v="$1" -v l="$2" -v h="$3" 'BEGIN { exit !(v >= l && v <= h) }'; }
# sample_until NAME CPU_LO CPU_HI MEM_LO MEM_HI: up to 6 stats samples, until
# one is in range; sets $last
sample_until() {
	local cpu mem
	for _ in 1 2 3 4 5 6; do
		last=$(stats "$1") || last="? ?"
		echo "# $1: cpu% mem_mib = $last"
		read -r cpu mem <<<"$last"
		in_range "$cpu" "$2" "$3" && in_range "$mem" "$4" "$5" && return 0
	done
	return 1
}
# host_cpu: "<busy jiffies> <total jiffies>" of the whole host
host_cpu() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
# sched PID: "<ns on cpu + ns waiting on a runqueue> <now ns>" of the process
sched() { awk -v now="$(date +%s%N)" '{ print $1 + $2, now }' "/proc/$1/schedstat"; }
# cpu_until NAME LO HI: Docker's CPU % of the container is in [LO, HI].
# Other engineers share this 2-core host: when the host had no idle CPU in
# the sample, Docker's figure shows what the scheduler granted, not what the
# program asks for; then the program's demand — time running plus time
# runnable but waiting (/proc/PID/schedstat) per wall time — must be in
# [LO, HI] instead, and the suite says so.
cpu_until() {
	local pid h0 h1 s0 s1 cpu mem idle demand
	pid=$(docker inspect -f '{{.State.Pid}}' "gestor-t-$run_id-$1") || return 1
	for i in 1 2 3 4 5 6; do
		h0=$(host_cpu) s0=$(sched "$pid")
		last=$(stats "$1") || last="? ?"
		h1=$(host_cpu) s1=$(sched "$pid")
		read -r cpu mem <<<"$last"
		idle=$(awk -v a="$h0" -v b="$h1" 'BEGIN { split(a, x, " "); split(b, y, " ");
			printf "%.1f", 100 - 100 * (y[1] - x[1]) / (y[2] - x[2]) }')
		demand=$(awk -v a="$s0" -v b="$s1" 'BEGIN { split(a, x, " "); split(b, y, " ");
			printf "%.1f", 100 * (y[1] - x[1]) / (y[2] - x[2]) }')
		echo "# $1: docker cpu% = $cpu, demand% = $demand, host idle% = $idle"
		in_range "$cpu" "$2" "$3" && return 0
		if in_range "$idle" 0 10 && in_range "$demand" "$2" "$3"; then
			echo "# $1: host saturated; the program asks for $demand % of a core, Docker granted $cpu %"
			return 0
		fi
	done
	return 1
}

mem_mb=256
check "high-cpu starts" start cpu high-cpu 64m
check "high-cpu at CPU_PCT=50 starts" start cpu50 high-cpu 64m CPU_PCT=50
check "high-ram starts (MEM_MB=$mem_mb)" start ram high-ram $((mem_mb + 64))m MEM_MB=$mem_mb
check "low starts" start low low 64m
# high-ram says "holding N MiB" once its memory is touched: wait for that
# (the CPU figures below are each measured over their own interval)
holding() { docker logs "gestor-t-$run_id-ram" 2>&1 | grep -q "holding $mem_mb MiB"; }
wait_for 60 holding || echo "# high-ram never said it holds its memory (the check below says how much it holds)"

check "high-cpu uses about one core (75-115 %)" cpu_until cpu 75 115
check "high-cpu CPU_PCT=50 uses about half a core (35-65 %)" cpu_until cpu50 35 65
check "high-ram holds about $mem_mb MiB (cgroup memory)" sample_until ram 0 5 $((mem_mb * 95 / 100)) $((mem_mb + 16))
pid=$(docker inspect -f '{{.State.Pid}}' "gestor-t-$run_id-ram")
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
echo "# high-ram VmRSS = ${rss_kb:-?} kB"
check "high-ram's process has about $mem_mb MiB resident (VmRSS)" in_range "${rss_kb:-0}" $((mem_mb * 1024)) $(((mem_mb + 8) * 1024))
check "low uses about nothing (< 2 % CPU, < 4 MiB)" sample_until low 0 2 0 4

# stop NAME: the program handles docker stop's SIGTERM: it says so and exits 0
# (ignored, Docker would SIGKILL it after -t 10: exit 137). How long the stop
# took is printed, a figure, not judged here.
stop_fast() {
	local t0 ms rc
	t0=$(date +%s%N)
	docker stop -t 10 "gestor-t-$run_id-$1" >/dev/null || return 1
	ms=$((($(date +%s%N) - t0) / 1000000))
	rc=$(docker inspect -f '{{.State.ExitCode}}' "gestor-t-$run_id-$1")
	echo "# $1: stopped in $ms ms, exit status $rc"
	[ "$rc" = 0 ] &&
		docker logs "gestor-t-$run_id-$1" 2>&1 | grep -q 'stopping on signal 15'
}
for n in cpu cpu50 ram low; do
	check "$n stops on docker stop's SIGTERM, exit 0" stop_fast "$n"
done

# SIGINT too (docker kill -s INT), on a fresh low container
start int low 64m
sleep 0.5
docker kill -s INT "gestor-t-$run_id-int" >/dev/null
check "low exits 0 on SIGINT" wait_for 2 bash -c \
	"[ \"\$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' gestor-t-$run_id-int)\" = 'exited 0' ]"

bad_env() {
	docker run --rm --label "gestor.test=$run_id" --network none --memory 64m -e "$2" "gestor/$1:latest" >/dev/null 2>&1
	[ $? = 2 ]
}
check "high-ram refuses MEM_MB=abc (exit 2)" bad_env high-ram MEM_MB=abc
check "high-cpu refuses CPU_PCT=101 (exit 2)" bad_env high-cpu CPU_PCT=101
finish
