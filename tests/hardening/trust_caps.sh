#!/usr/bin/env bash
# trust_caps.sh — least privilege, per metrics source: servicio started as
# root with --user runs its cycles as that system user (a system uid, below
# login.defs' UID_MIN, so no real user's) with exactly the capabilities
# docs/servicio.md ("Least privilege") lists for its source — none — in its
# effective, permitted and bounding sets (none inheritable or ambient,
# NoNewPrivs), in the groups docker and gestor-logs, while a privileged
# parent (the process started) keeps root only for the cron job. getpcaps
# agrees when installed. And the source still works as the user: samples
# are taken (a container started after the drop is seen with its CPU and
# memory), the log batches reach servicio's own admin_logs container over
# its unix socket (none through the spool), the report is drawn, and the
# cron job (in a crontab file of the suite's) is removed by the parent at
# the stop. The sources tried: procfs, and bpf when it loads here;
# trust_caps_module.sh runs this suite for the module's source
# (GESTOR_CAPS_SOURCES=module; skipped where the module is not loaded).
# The run uses --dry-run and a scope of its own: it touches no container
# but the suite's.
# timeout: 400
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
need_root
need_docker
need_cmd curl jq getpcaps
bin=$GESTOR_BIN/servicio
[ -x "$bin" ] || skip "servicio is not built"
for i in gestor/admin_logs gestor/low gestor/bookworm-base; do
	docker image inspect "$i:latest" >/dev/null 2>&1 || skip "image $i is missing (make images)"
done
[[ "$("$bin" --help)" == *'--user '* ]] || fail "servicio has no --user"
dir=$(mktemp -d /tmp/gtrust-caps.XXXXXX)
on_exit "rm -rf '$dir'"
tag=gtcaps-$$
on_exit "docker_rm_label gestor.test=$tag"
user=${GESTOR_TEST_SERVICIO_USER:-gestor}

# the documented set per source (docs/servicio.md, "Least privilege"), as
# capsh names them, comma-separated ("" = none)
declare -A want=([procfs]="" [bpf]="" [module]="")
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
uid_min=$(awk '$1 == "UID_MIN" { print $2 }' /etc/login.defs)
uid_min=${uid_min:-1000}

sources=${GESTOR_CAPS_SOURCES:-procfs bpf}
# The sources run at once, each its own servicio, admin_logs container,
# scope (gestor.test=<tag>-<source>: the containers it counts are its own),
# ports, crontab file and spool; then each is checked in turn while it runs,
# and each run's end. (One after the other, the suite waited out each
# source's 40 s in turn.)
declare -A ppid_ out mport
ports=" "
port() { # a free port not handed out already in this suite
	local p
	while :; do
		p=$(free_port)
		[[ "$ports" == *" $p "* ]] || break
	done
	ports+="$p "
	echo "$p"
}
run=()
for src in $sources; do
	if [ "$src" = module ] && [ ! -r /proc/sysinfo_202002591 ]; then
		why="the module is not loaded on this machine (no /proc/sysinfo_202002591; scripts/module.sh load)"
		[ "$sources" = module ] && skip "$why"
		partial "module: $why"
		continue
	fi
	lbl=$tag-$src
	out[$src]=$dir/out-$src
	aname=$tag-al-$src
	mport[$src]=$(port)
	aport=$(port)
	on_exit "docker_rm_label gestor.test=$lbl"
	on_exit "docker rm -f $aname >/dev/null 2>&1; rm -rf /run/gestor/$aname"
	docker run -d --name "$tag-$src-low" --network none --label "gestor.test=$lbl" gestor/low >/dev/null ||
		fail "docker run"
	printf '%s\n' "* * * * * /bin/true # not gestor's" >"$dir/crontab-$src"
	env GESTOR_CRONTAB_FILE="$dir/crontab-$src" GESTOR_CRON_ID="$tag-$src" GESTOR_CRON_LOCK="$dir/lock-$src" \
		GESTOR_CRON_LOG="$dir/cronlog-$src" GESTOR_TEST_LABEL="gestor.test=$lbl" \
		"$bin" --user "$user" --source "$src" --dry-run --no-events --table --interval 2 --duration 40 \
		--demo --cron-script "$GESTOR_TOP/scripts/cron.sh" --scope "gestor.test=$lbl" \
		--admin-name "$aname" --admin-port "$aport" --admin-data "$dir/data-$src" \
		--spool "$dir/spool-$src/spool" --metrics-listen "127.0.0.1:${mport[$src]}" >"${out[$src]}" 2>&1 &
	ppid_[$src]=$!
	on_exit "kill ${ppid_[$src]} 2>/dev/null"
	run+=("$src")
done

# each source's privileges dropped; then, at once for all, a container
# started after the drop, burning 5 % of a CPU
checked=()
for src in "${run[@]}"; do
	if ! wait_for 90 grep -qs 'privileges: running as' "${out[$src]}"; then
		if [ "$src" = bpf ] && grep -q 'metrics: ' "${out[$src]}"; then
			partial "bpf: the BPF source does not load here ($(grep -m1 'metrics: ' "${out[$src]}" | cut -c40-160))"
			kill "${ppid_[$src]}"
			wait "${ppid_[$src]}"
			continue
		fi
		check "$src: servicio drops its privileges" false
		sed 's/^/# /' "${out[$src]}" | tail -n 8
		continue
	fi
	checked+=("$src")
done
for src in "${checked[@]}"; do
	docker run -d --name "$tag-$src-cpu" --cpus 0.05 --network none --label gestor.managed=true \
		--label "gestor.test=$tag-$src" gestor/bookworm-base sh -c 'while :; do :; done' >/dev/null ||
		fail "docker run"
done

for src in "${checked[@]}"; do
	child=$(pgrep -P "${ppid_[$src]}" | head -n1)
	st=/proc/$child/status
	w=$(mask "${want[$src]}")
	uid=$(id -u "$user")
	echo "# $src: parent ${ppid_[$src]}, child $child: $(grep -E '^(Uid|Gid|Groups|Cap|NoNew)' "$st" | tr '\n\t' '  ')"
	check "$src: the child runs as $user (uid $uid)" [ "$(awk '/^Uid:/ {print $2 $3 $4 $5}' "$st")" = "$uid$uid$uid$uid" ]
	check "$src: $user's uid is a system uid (below UID_MIN $uid_min): no real user's" [ "$uid" -lt "$uid_min" ]
	groups=" $(awk '/^Groups:/ {$1 = ""; print}' "$st") "
	check "$src: in the group docker (the Docker socket)" grep -q " $(getent group docker | cut -d: -f3) " <<<"$groups"
	check "$src: in the group gestor-logs (the log server's socket)" grep -q " $(getent group gestor-logs | cut -d: -f3) " <<<"$groups"
	check "$src: CapEff is exactly '${want[$src]}' ($w)" [ "$(awk '/^CapEff:/ {print $2}' "$st")" = "$w" ]
	check "$src: CapPrm is the same" [ "$(awk '/^CapPrm:/ {print $2}' "$st")" = "$w" ]
	check "$src: CapBnd is the same (nothing can come back)" [ "$(awk '/^CapBnd:/ {print $2}' "$st")" = "$w" ]
	check "$src: no inheritable or ambient capability" [ "$(awk '/^Cap(Inh|Amb):/ {print $2}' "$st" | sort -u)" = 0000000000000000 ]
	check "$src: no new privileges" [ "$(awk '/^NoNewPrivs:/ {print $2}' "$st")" = 1 ]
	check "$src: the privileged parent is still root" [ "$(awk '/^Uid:/ {print $2}' "/proc/${ppid_[$src]}/status")" = 0 ]
	g=$(getpcaps "$child" 2>&1 | sed 's/^.*: *//; s/^=$//; s/=ep$//' | tr ',' '\n' | sort | paste -sd,)
	echo "# getpcaps $child: $(getpcaps "$child" 2>&1)"
	check "$src: getpcaps says '${want[$src]}' ('$g')" [ "$g" = "${want[$src]}" ]
	check "$src: the cron job is installed (in the suite's crontab file)" grep -q "gestor-cron:$tag-$src" "$dir/crontab-$src"
	# the source works as the user: the container started after the drop, with its CPU
	cpu_seen() { awk -v n="$tag-$src-cpu" '$1 == n && $4 + 0 > 0 && $5 != "-" { f = 1 } END { exit !f }' "${out[$src]}"; }
	check "$src: a container started after the drop is measured (CPU > 0, memory)" wait_for 30 cpu_seen
	m=$(curl -sf --max-time 10 "http://127.0.0.1:${mport[$src]}/metrics")
	check "$src: /metrics says source $src" grep -q "^gestor_metrics_source{source=\"$src\"} 1" <<<"$m"
	check "$src: /metrics counts the 2 managed containers" grep -q '^gestor_containers{managed="true"} 2' <<<"$m"
done

for src in "${checked[@]}"; do
	wait "${ppid_[$src]}"
	rc=$?
	grep -v "^$tag\|^CONTAINER\|^cycle\|^(+" "${out[$src]}" | tail -n 6 | sed 's/^/# /'
	done_line=$(grep 'done: ' "${out[$src]}")
	cycles=$(sed -n 's/.*done: \([0-9]*\) cycles.*/\1/p' <<<"$done_line")
	delivered=$(sed -n 's/.* \([0-9]*\) batches delivered.*/\1/p' <<<"$done_line")
	spooled=$(sed -n 's/.* \([0-9]*\) went through the spool.*/\1/p' <<<"$done_line")
	check "$src: the run ends well (status $rc) after $cycles cycles" bash -c "[ $rc = 0 ] && [ '${cycles:-0}' -ge 5 ]"
	check "$src: its batches went to admin_logs over the unix socket ($delivered delivered, $spooled spooled)" \
		bash -c "grep -q 'admin_logs answers at unix:' '${out[$src]}' && [ '${delivered:-0}' -ge 1 ] && [ '$spooled' = 0 ]"
	check "$src: the report was drawn as the user" grep -q '^report: .*([1-9][0-9]* graphs)' "${out[$src]}"
	check "$src: the parent removed the cron job at the stop" bash -c "! grep -q 'gestor-cron:$tag-$src' '$dir/crontab-$src'"
	check "$src: and left the other crontab line" grep -q "not gestor's" "$dir/crontab-$src"
	docker rm -f "$tag-$src-low" "$tag-$src-cpu" "$tag-al-$src" >/dev/null 2>&1
done
finish
