#!/usr/bin/env bash
# trust_caps.sh — least privilege: servicio started as root with --user
# runs its cycles as that system user with exactly the capabilities
# docs/servicio.md lists for its metrics source (CapEff = CapPrm = CapBnd,
# CapInh = CapAmb = 0, NoNewPrivs), while a privileged parent (the process
# started) keeps root only to remove the cron job; getpcaps agrees when
# installed. Each source the kernel offers here is tried (procfs always;
# bpf when it loads). The run uses --dry-run against a private admin_logs
# process and a scope of its own, so it touches no container.
# timeout: 300
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
need_root
need_docker
bin=$GESTOR_BIN/servicio
abin=$GESTOR_BIN/admin_logs
[ -x "$bin" ] && [ -x "$abin" ] || skip "servicio or admin_logs is not built"
[[ "$("$bin" --help)" == *'--user '* ]] || fail "servicio has no --user"
dir=$(mktemp -d /tmp/gtrust-caps.XXXXXX)
on_exit "rm -rf '$dir'"
"$abin" --port 0 --port-file "$dir/port" --db "$dir/a.db" --quiet >"$dir/alog" 2>&1 &
on_exit "kill $!"
wait_for 20 test -s "$dir/port" || fail "admin_logs did not start"
port=$(cat "$dir/port")
user=${GESTOR_TEST_SERVICIO_USER:-gestor}

# the documented set per source (docs/servicio.md, "Privileges"), as capsh
# names them, in getpcaps' order-free form
declare -A want=([procfs]="cap_dac_read_search,cap_sys_ptrace" [bpf]="cap_bpf,cap_dac_read_search,cap_perfmon")
# mask NAMES: the hex capability mask of a comma-separated list
mask() {
	local m=0 c n
	for c in ${1//,/ }; do
		c=${c^^}
		n=$(awk -v c="$c" '$1 == "#define" && $2 == c { print $3 }' /usr/include/linux/capability.h)
		[ -n "$n" ] || fail "no number for $c in linux/capability.h"
		m=$((m | (1 << n)))
	done
	printf '%016x' "$m"
}
for src in procfs bpf; do
	"$bin" --user "$user" --source "$src" --log-url "http://127.0.0.1:$port" --duration 20 \
		--interval 2 --dry-run --no-events --no-cron --metrics-listen none \
		--scope "gestor.test=gtrust-caps-$$" --spool "$dir/spool-$src/spool" >"$dir/out-$src" 2>&1 &
	ppid_=$!
	on_exit "kill $ppid_"
	if ! wait_for 30 grep -q 'privileges: running as' "$dir/out-$src"; then
		if [ "$src" = bpf ] && grep -q 'metrics: ' "$dir/out-$src"; then
			partial "bpf: the BPF source does not load here ($(grep -m1 'metrics: ' "$dir/out-$src" | cut -c40-160))"
			continue
		fi
		check "$src: servicio drops its privileges" false
		sed 's/^/# /' "$dir/out-$src" | tail -n 5
		continue
	fi
	child=$(pgrep -P "$ppid_" | head -n1)
	st=/proc/$child/status
	w=$(mask "${want[$src]}")
	echo "# $src: parent $ppid_, child $child: $(grep -E '^(Uid|Cap|NoNew)' "$st" | tr '\n\t' '  ')"
	check "$src: the child runs as $user" [ "$(awk '/^Uid:/ {print $2 $3 $4 $5}' "$st")" = "$(id -u "$user")$(id -u "$user")$(id -u "$user")$(id -u "$user")" ]
	check "$src: CapEff is exactly ${want[$src]} ($w)" [ "$(awk '/^CapEff:/ {print $2}' "$st")" = "$w" ]
	check "$src: CapPrm is the same" [ "$(awk '/^CapPrm:/ {print $2}' "$st")" = "$w" ]
	check "$src: CapBnd is the same (nothing can come back)" [ "$(awk '/^CapBnd:/ {print $2}' "$st")" = "$w" ]
	check "$src: no inheritable or ambient capability" [ "$(awk '/^Cap(Inh|Amb):/ {print $2}' "$st" | sort -u)" = 0000000000000000 ]
	check "$src: no new privileges" [ "$(awk '/^NoNewPrivs:/ {print $2}' "$st")" = 1 ]
	if command -v getpcaps >/dev/null; then
		g=$(getpcaps "$child" 2>&1 | sed 's/^[0-9]*: *//; s/=ep$//' | tr ',' '\n' | sort | paste -sd,)
		check "$src: getpcaps says ${want[$src]} ($g)" [ "$g" = "${want[$src]}" ]
	fi
	wait "$ppid_"
	rc=$?
	check "$src: the run ends well (status $rc), its cycles measured as the user" bash -c "[ $rc = 0 ] && grep -q 'done: [1-9][0-9]* cycles' '$dir/out-$src'"
done
finish
