#!/usr/bin/env bash
# privs_caps.sh — which capabilities each metrics source needs after the
# drop (docs/servicio.md, "Least privilege"): for each source and each set
# of capabilities, one run of servicio --user gestor with that set forced
# (GESTOR_PRIVS_CAPS), its own admin_logs container, two idle gestor/low
# containers and one burning 5 % of a CPU; one line per run: the set, the
# uid and CapEff of the dropped child, whether every container was measured
# (the CPU burner with CPU > 0), and the batches delivered / through the
# spool. A set works when all are measured and every batch is delivered.
#
# usage: sudo bench/privs_caps.sh [SOURCE...]   (default: procfs bpf)
# environment: BUILD (default build), DURATION (s per run, default 24)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-$PWD/build}
bin=$BUILD/bin/servicio
[ "$(id -u)" = 0 ] || { echo "privs_caps: run as root" >&2; exit 1; }
[ -x "$bin" ] || { echo "privs_caps: $bin is not built" >&2; exit 1; }
dur=${DURATION:-24}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
declare -A sets=(
	[procfs]="cap_dac_read_search,cap_sys_ptrace cap_dac_read_search cap_sys_ptrace none"
	[bpf]="cap_bpf,cap_perfmon,cap_dac_read_search cap_bpf,cap_perfmon cap_bpf,cap_dac_read_search cap_perfmon,cap_dac_read_search cap_bpf cap_perfmon cap_dac_read_search none"
	[module]="none"
)
printf '%-8s %-40s %-6s %-18s %-9s %s\n' source set uid CapEff measured "delivered/spooled"
for src in "${@:-procfs bpf}"; do
	for set in ${sets[$src]:-none}; do
		caps=$set
		[ "$caps" = none ] && caps=
		tag=gprivcaps-$$-$RANDOM
		d=$(mktemp -d /tmp/gprivcaps.XXXXXX)
		for i in 1 2; do docker run -d --name "$tag-l$i" --network none --label gestor.test=$tag gestor/low >/dev/null; done
		docker run -d --name "$tag-cpu" --cpus 0.05 --network none --label gestor.managed=true \
			--label gestor.test=$tag gestor/bookworm-base sh -c 'while :; do :; done' >/dev/null
		GESTOR_PRIVS_CAPS=$caps "$bin" --user gestor --source "$src" --dry-run --no-events --table \
			--interval 3 --duration "$dur" --scope "gestor.test=$tag" --admin-name "$tag-al" \
			--admin-port "$(free_port)" --admin-data "$d/data" --spool "$d/spool/spool" \
			--metrics-listen none >"$d/log" 2>&1 &
		pid=$!
		sleep $((dur / 2))
		child=$(pgrep -P "$pid" | head -n1)
		uid=$(awk '/^Uid:/ {print $2}' "/proc/$child/status" 2>/dev/null)
		eff=$(awk '/^CapEff:/ {print $2}' "/proc/$child/status" 2>/dev/null)
		wait "$pid"
		measured=no
		awk -v n="$tag-cpu" '$1 == n && $4 + 0 > 0 && $5 != "-" { f = 1 } END { exit !f }' "$d/log" && measured=yes
		dl=$(sed -n 's/.* \([0-9]*\) batches delivered, \([0-9]*\) went through.*/\1\/\2/p' "$d/log")
		printf '%-8s %-40s %-6s %-18s %-9s %s\n' "$src" "$set" "${uid:-?}" "${eff:-?}" "$measured" "${dl:-?}"
		docker rm -f "$tag-l1" "$tag-l2" "$tag-cpu" "$tag-al" >/dev/null 2>&1
		rm -rf "$d" "/run/gestor/$tag-al"
	done
done
