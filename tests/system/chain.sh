#!/usr/bin/env bash
# chain.sh — the whole chain on a kernel that loads the module: sysinfo.ko →
# /proc/sysinfo_202002591 → servicio → Docker, in one VM (scripts/sysvm.sh:
# Debian's 6.1 kernel in qemu, TCG when KVM does not work, a real Debian 12
# root filesystem with docker.io, containerd, cron).
#
# Inside (tests/system/guest-run.sh): the module built on the host against
# the VM kernel's headers and loaded by scripts/module.sh; the project's
# images loaded with docker load; an unlabelled container; six managed ones
# (contenedores.sh -n 6); servicio started by scripts/run.sh as `make run`
# starts it (admin_logs container, cron job every 30 s, --interval 5), SIGINT
# after 7 cycles (at most GESTOR_SYSVM_RUN_SECONDS, 420); afterwards `scripts/module.sh unload`.
#
# Asserted here, from what the VM brings back:
#   - servicio said "metrics source: module" and never procfs, and every
#     stored sample has "source": "module" (so a silent fall-back fails);
#   - per container, servicio's CPU % (module) agrees with the cgroup's own
#     cpu.stat usage_usec delta over the same interval, and its memory with
#     memory.current minus inactive_file (tests/system/compare.py). The
#     tolerances: CPU within 3 points + 5 % of the value. The guest's
#     sampler reads the cgroups every ~0.25 s and the cgroup usage is
#     interpolated at each sample's timestamp; under TCG a read of the
#     module's file takes tens of ms and a burner's rate is not steady on
#     shared cores, so the two intervals differ by up to ~0.1 s out of 5 s
#     (2 % of the value) and the interpolation adds up to ~1 point. Memory:
#     servicio's mem_kb within 256 KiB + 2 % of the cgroup's readings in
#     the 0.6 s around the sample (a high-ram container is still filling its
#     256 MiB when first seen); the module's RSS sum within 2 MiB + 5 %
#     (the cgroup also charges kernel stacks, page tables and active page
#     cache, which RSS does not count); not in the 2 s after a container's
#     "created" line (runc's init is in its cgroup until the exec, and the
#     memory falls by megabytes at it: compare.py says more, and counts
#     them). At least 3 of the CPU comparisons must be of a busy container
#     (>= 5 % of a core by its cgroup), else the run compared idle ones
#     only and fails: guest-run.sh starts two burners with the protect
#     label (gestor.protect=true) for that, as the policy may remove every
#     burner at its first decision (CI, 2026-12-06: 30 CPU comparisons, all
#     0 % against 0 %). The admin_logs container's CPU,
#     RSS and memory are not compared: its HEALTHCHECK starts a process every 10 s,
#     whose CPU the cgroup keeps after it exits and a sum over live
#     processes cannot (compare.py says more);
#   - every cycle kept at most 2 high and 3 low by the policy: a decision
#     kept by a safety rail (its reason says "protected", "grace" or "cap")
#     is counted apart, and each such one must be a protected burner held
#     by the protect rail, which holds a burner exactly when the policy
#     ranked it past its class's quota; the burners are never removed and still run at
#     the end; the quota was full in each class of a cycle that removed
#     some (and there was such a cycle): containers were really removed, a
#     removed container is not in the next cycle's sample;
#   - the unlabelled container was never decided on and still runs;
#   - the report's graphs (PNG, SVG, CSV) and index.html exist;
#   - the crontab after the run is the one before it, byte for byte;
#   - `rmmod sysinfo` works afterwards and the /proc file is gone;
#   - dmesg has no WARNING, BUG, Oops or Call Trace.
# The VM's boot, Docker start-up and run times are printed, and how much of
# the guest's two vCPUs stayed idle while servicio ran (the burners run at
# 25 % of a core each: at 50 %, beside the policy's two kept high-cpu
# containers at 50 %, they asked for both vCPUs; measured 2026-12-06 at 25 %:
# 13-30 % idle, 2-11 % with busy loops on the host, as TCG has no steal
# time and a vCPU the host does not run counts as busy). A guest whose
# kernel hangs (a soft lockup of 240 s) is stopped then by scripts/sysvm.sh,
# with the stuck CPUs' stacks in $BUILD/sysvm/chain/console.log, instead of
# at the 1300 s limit (tests/system/hang_stop.sh).
# GESTOR_SYSVM_SKIP_MODULE=1 leaves the module out (servicio falls back to
# BPF on the VM's kernel, else procfs): the suite must then fail;
# GESTOR_SYSVM_RUN_SECONDS (420).
# The root image is made once and cached (scripts/sysvm.sh image: debootstrap,
# mkfs.ext4 -d, one boot to preload the admin_logs base image: 10 min for
# debootstrap + 14 min for the preload boot at host load 30-500). With it
# cached, one run took 9 min on this shared machine at load 10-15 (boot
# 25-55 s, dockerd 60-100 s, each docker run about 30 s); servicio runs
# with --docker-timeout 120 there (GESTOR_DOCKER_TIMEOUT), as starting the
# admin_logs container under TCG on a loaded host takes longer than 10 s.
# Also compared, where this host can build the BPF source: the module's
# document and the BPF iterator's, read back to back in the VM
# (tests/system/docs_compare.py says how).
# timeout: 1500
# parallel: yes mounts docker-ro hostnet
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 debootstrap mkfs.ext4 debugfs docker sqlite3 python3
docker_up || skip "no Docker daemon on the host (its images are saved into the VM)"
for im in gestor/admin_logs gestor/high-cpu gestor/high-ram gestor/low; do
	docker image inspect "$im:latest" >/dev/null 2>&1 || skip "image $im:latest is missing (make images)"
done
[ -x "$GESTOR_BIN/servicio" ] || skip "servicio is not built (make)"

work=$GESTOR_BUILD/sysvm/chain
rm -rf "$work" && mkdir -p "$work"
# the BPF iterator's document reader for the guest (build/tools/bpfdoc,
# `make -C servicio tools`; the module's and the BPF source's documents are
# compared there): needs the BPF source to build here (clang, bpftool, this
# kernel's BTF for vmlinux.h); it is CO-RE, so the guest's kernel relocates
# it with its own BTF
bpfdoc_why=
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	bpfdoc_why="this kernel has no BTF (/sys/kernel/btf/vmlinux) to build the BPF source"
else
	# with BTF here the tools must build: a failure is a failed check
	make -s -C "$GESTOR_TOP/servicio" BUILD="$GESTOR_BUILD" tools >"$work/bpf-build.log" 2>&1
	brc=$?
	check "the BPF tools build (make -C servicio tools: exit $brc; $work/bpf-build.log)" [ "$brc" = 0 ]
	[ "$brc" = 0 ] || bpfdoc_why="the BPF tools did not build"
fi
OUT=$work/out
t0=$(date +%s)
BUILD=$GESTOR_BUILD "$GESTOR_TOP/scripts/sysvm.sh" run --timeout 1300 --out "$OUT" \
	--log "$work/console.log" --env "RUN_SECONDS=${GESTOR_SYSVM_RUN_SECONDS:-420}" \
	--env "SYSVM_SKIP_MODULE=${GESTOR_SYSVM_SKIP_MODULE:-0}" \
	-- "$GESTOR_TOP/tests/system/guest-run.sh" >"$work/vm.log" 2>&1
rc=$?
t1=$(date +%s)
[ "$rc" = 77 ] && skip "$(grep -m1 -o 'skipped: .*' "$work/vm.log" | cut -d' ' -f2-)"
grep -E '^(sysvm:|@@VM-MARK)' "$work/vm.log"
echo "# the whole VM run took $((t1 - t0)) s"
check "the VM ran the guest script to the end (exit $rc)" [ "$rc" = 0 ]
[ -s "$OUT/run.log" ] || {
	tail -n 60 "$work/vm.log"
	fail "the VM brought back no run of servicio (console: $work/console.log)"
}

check "scripts/module.sh loaded the module" grep -q '^module: loaded' "$OUT/module-load.txt"
RUN=$OUT/run.log
# how busy the guest was while servicio ran (guest-run.sh's two /proc/stat
# cpu lines): the protected burners are to leave it room
awk '$1 == "cpu" { n++; for (i = 2; i <= 9; i++) v[n, i] = $i }
	END { if (n < 2) exit; for (i = 2; i <= 9; i++) { d = v[2, i] - v[1, i]; t += d; if (i == 5 || i == 6) idle += d }
		if (t > 0) printf "# guest CPU while servicio ran: %.0f %% idle of 2 vCPUs\n", 100 * idle / t }' "$OUT/cpustat.txt" 2>/dev/null
check "servicio exited 0 after SIGINT ($(cat "$OUT/run.rc" 2>/dev/null))" [ "$(cat "$OUT/run.rc" 2>/dev/null)" = 0 ]
check "servicio's log says 'metrics source: module'" grep -q 'metrics source: module' "$RUN"
check "servicio never used the procfs collector" bash -c "! grep -q 'metrics source: procfs' '$RUN'"
check "servicio started the admin_logs container" grep -q 'admin_logs container .* created and started' "$RUN"
check "servicio's protect rail names the burners' label (gestor.protect=true)" \
	grep -q 'safety rails: .*protect label gestor\.protect=true$' "$RUN"
check "SIGINT was handled (stop requested)" grep -q 'stop requested' "$RUN"
cycles=$(grep -c '^cycle [0-9]* ' "$RUN")
echo "# cycles printed: $cycles"
check "at least 6 cycles ran ($cycles)" [ "$cycles" -ge 6 ]

DB=$OUT/admin_logs/gestor.db
check "the log database came back" [ -s "$DB" ]
q() { sqlite3 -readonly -batch -noheader "$DB" "$1"; }
if [ -s "$DB" ]; then # (else every check below on it would be vacuous)
samples=$(q "SELECT count(*) FROM records WHERE type='sample'")
notmod=$(q "SELECT count(*) FROM records WHERE type='sample' AND json_extract(body, '\$.source') IS NOT 'module'")
echo "# stored: $samples samples, $notmod not from the module"
check "one sample per cycle stored ($samples for $cycles cycles)" [ "${samples:-0}" -ge "$cycles" ]
check "every stored sample has \"source\": \"module\" ($notmod of $samples do not)" \
	bash -c "[ '$notmod' = 0 ] && [ '${samples:-0}' -gt 0 ]"
check "the samples table agrees (source column)" [ "$(q "SELECT count(*) FROM samples WHERE source IS NOT 'module'")" = 0 ]

python3 "$GESTOR_TOP/tests/system/compare.py" "$DB" "$OUT/cgroup.tsv" \
	"$OUT/contenedores-initial.log" "$OUT/contenedores.log" "$OUT/burners.log" >"$work/compare.txt" 2>&1
crc=$?
cat "$work/compare.txt"
check "module CPU % and memory agree with the cgroups' own figures" [ "$crc" = 0 ]
busy=$(sed -n 's/^# busy CPU comparisons[^:]*: \([0-9]*\) of .*/\1/p' "$work/compare.txt")
check "busy containers' CPU was compared (${busy:-no} busy comparisons; compare.py needs 3)" [ "${busy:-0}" -ge 3 ]

if [ -z "$bpfdoc_why" ]; then
	cat "$OUT/bpfdoc.err" 2>/dev/null
	check "the BPF iterator read its document in the VM too" \
		bash -c "[ -s '$OUT/doc-bpf-1.json' ] && [ -s '$OUT/doc-module.json' ] && [ -s '$OUT/doc-bpf-2.json' ]"
	python3 "$GESTOR_TOP/tests/system/docs_compare.py" "$OUT/doc-module.json" "$OUT/doc-bpf-1.json" \
		"$OUT/doc-bpf-2.json" >"$work/docs_compare.txt" 2>&1
	drc=$?
	cat "$work/docs_compare.txt"
	check "the module's and the BPF iterator's documents agree (one schema, same processes, same figures)" [ "$drc" = 0 ]
else
	partial "module/BPF document comparison: $bpfdoc_why"
fi

removed=$(q "SELECT count(*) FROM records WHERE type='decision' AND action='removed'")
check "containers were removed ($removed)" [ "${removed:-0}" -gt 0 ]
# the protected burners (guest-run.sh) and the decisions a safety rail held
# (servicio's rails.c appends why to the policy's reason: "; protected
# (label ...)", "; grace: ...", "; cap of N removals per cycle reached")
nburn=$(grep -c '^[0-9a-f]\{64\}$' "$OUT/burners.id" 2>/dev/null)
check "the two protected burners were started (${nburn:-0})" [ "${nburn:-0}" = 2 ]
burn_in=$(grep '^[0-9a-f]\{64\}$' "$OUT/burners.id" 2>/dev/null | sed "s/.*/'&'/" | paste -sd, -)
burn_in=${burn_in:-"''"}
HELD="type='decision' AND action='kept' AND (json_extract(body, '\$.reason') LIKE '%; protected (label %'
	OR json_extract(body, '\$.reason') LIKE '%; grace: %' OR json_extract(body, '\$.reason') LIKE '%; cap of %')"
held=$(q "SELECT count(*) FROM records WHERE $HELD")
heldbad=$(q "SELECT cycle || ' ' || container_name || ': ' || json_extract(body, '\$.reason') FROM records WHERE $HELD
	AND (container_id NOT IN ($burn_in) OR json_extract(body, '\$.reason') NOT LIKE '%; protected (label gestor.protect=true)%')")
echo "# decisions held by a safety rail: ${held:-?} (all must be the protected burners')"
check "every decision a rail held is a protected burner's, held by the protect rail${heldbad:+: $heldbad}" \
	bash -c '[ -n "$1" ] && [ -z "$2" ]' _ "$held" "$heldbad"
bdec=$(q "SELECT count(*) FROM records WHERE type='decision' AND container_id IN ($burn_in)")
bgone=$(q "SELECT count(*) FROM records WHERE type='decision' AND container_id IN ($burn_in) AND action IS NOT 'kept'")
bheld=$(q "SELECT count(*) FROM records WHERE $HELD AND container_id IN ($burn_in)")
echo "# decisions about the protected burners: ${bdec:-?}, ${bheld:-?} of them held by the protect rail"
check "the protected burners were decided on and never removed (${bdec:-0} decisions, ${bgone:-?} not kept)" \
	bash -c "[ '${bdec:-0}' -gt 0 ] && [ '$bgone' = 0 ]"
# exactly where the policy removed one: a burner's decision is held iff its
# rank is past its class's quota (the policy ranks its keeps first)
bexact=$(q "SELECT cycle || ' ' || container_name || ' ' || class || ' #' || json_extract(body, '\$.rank') || ': '
	|| json_extract(body, '\$.reason') FROM records WHERE type='decision' AND container_id IN ($burn_in)
	AND (json_extract(body, '\$.rank') > CASE class WHEN 'high' THEN 2 WHEN 'low' THEN 3 END) IS NOT ($HELD)")
check "a protected burner was held exactly when the policy ranked it past the quota${bexact:+: $bexact}" [ -z "$bexact" ]
brun=$(grep -c -E "^[0-9a-f]{64} chain-burner-[12] running true" "$OUT/containers.after")
check "the protected burners still run at the end ($brun of 2)" [ "$brun" = 2 ]
over=$(q "SELECT cycle, class, count(*) FROM records WHERE type='decision' AND action='kept' AND NOT ($HELD)
	GROUP BY cycle, class HAVING (class='high' AND count(*) > 2) OR (class='low' AND count(*) > 3)")
check "every cycle kept at most 2 high and 3 low (the rails' holds apart)${over:+: $over}" [ -z "$over" ]
# where a class lost some in a cycle, the policy kept exactly its quota
# there: that quota check was not vacuous, and nothing went while it had room
full=$(q "SELECT r.cycle || '/' || r.class || ':' || (SELECT count(*) FROM records k WHERE k.type='decision'
	AND k.action='kept' AND k.cycle=r.cycle AND k.class=r.class AND NOT ($HELD)) FROM records r
	WHERE r.type='decision' AND r.action='removed' GROUP BY r.cycle, r.class")
echo "# cycle/class with removals: policy's keeps there: ${full//$'\n'/ }"
notfull=$(printf '%s\n' "$full" | awk -F: '$1 ~ /\/high$/ && $2 != 2 || $1 ~ /\/low$/ && $2 != 3' | paste -sd' ' -)
check "a cycle removed some with its quota full (${full:+$(printf '%s\n' "$full" | grep -c .)} cycle/class)" [ -n "$full" ]
check "no class lost a container while the quota had room${notfull:+: $notfull}" [ -z "$notfull" ]
failed=$(q "SELECT count(*) FROM records WHERE type='decision' AND action NOT IN ('kept','removed')")
check "no failed removals ($failed)" [ "$failed" = 0 ]
# a container removed in cycle k is in no later sample
back=$(q "SELECT count(*) FROM records d JOIN sample_containers sc ON sc.cid = d.container_id
	JOIN records s ON s.id = sc.record WHERE d.type='decision' AND d.action='removed' AND s.cycle > d.cycle")
check "no removed container appears in a later sample ($back)" [ "$back" = 0 ]
fi
alive=$(awk '$4 == "true" && $3 == "running"' "$OUT/containers.after" | wc -l)
echo "# managed containers running after the run: $alive"

plain=$(cut -c1-64 "$OUT/plain.id" 2>/dev/null)
check "the unlabelled container was started" [ -n "$plain" ]
check "the unlabelled container still runs" grep -q "^$plain plain-unlabelled running" "$OUT/containers.after"
check "no decision about the unlabelled container" [ "$(q "SELECT count(*) FROM records WHERE container_id='$plain'")" = 0 ]
check "the admin_logs container is gone" bash -c "! awk '\$5 == \"admin_logs\"' '$OUT/containers.after' | grep -q ."

REPORT=$OUT/admin_logs/report
for g in memory cpu container_cpu container_mem container_cpu_heatmap container_mem_heatmap \
	removed_by_class removed_cumulative running_by_class; do
	check "graph $g: PNG, SVG and CSV" bash -c "[ -s '$REPORT/$g.png' ] && [ -s '$REPORT/$g.svg' ] && [ -s '$REPORT/$g.csv' ]"
done
check "index.html shows the graphs" bash -c "[ \$(grep -o '<img' '$REPORT/index.html' | wc -l) -ge 9 ]"

check "the crontab is as before the run" cmp "$OUT/crontab.before" "$OUT/crontab.after"
check "the user's lines were there" grep -q 'user job' "$OUT/crontab.before"
check "rmmod sysinfo works after the run" grep -q '^module: unloaded' "$OUT/module-unload.txt"
check "the module is gone from /proc/modules and its file with it" [ "$(cat "$OUT/module-after.txt")" = 0 ]
# (loading an unsigned out-of-tree module taints the kernel: expected)
bad=$(grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection|RIP:|sysinfo.*error' "$OUT/dmesg.txt")
[ -n "$bad" ] && printf '%s\n' "$bad" | head -n 20
check "dmesg has no WARN, BUG or oops" [ -z "$bad" ]
[ "$rc" = 0 ] || tail -n 60 "$work/vm.log"
finish
