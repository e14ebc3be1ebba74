#!/usr/bin/env bash
# image_host.sh — gestor/servicio in a container measures the HOST: the same
# figures taken at the same moment by servicio on the host and by the image
# (given the host's /proc at /host/proc, its cgroup tree and Docker socket,
# as deploy/stack.yml gives them; no host pid namespace, which a swarm
# service cannot have) agree, container by container; and the daemon itself
# (--proc-root from GESTOR_PROC_ROOT, the image's default) sees and decides on
# the host's managed containers. Everything it creates is named swimg-$$.
# parallel: yes docker
# timeout: 400
. "$(dirname "$0")/../lib.sh"
need_root
need_docker
need_cmd jq python3

IMAGE=${IMAGE:-gestor/servicio:latest}
P=swimg-$$
HOSTBIN=$GESTOR_BUILD/asan/bin/servicio
[ -x "$HOSTBIN" ] || HOSTBIN=$GESTOR_BIN/servicio
for i in low high-ram; do
	docker image inspect "gestor/$i:latest" >/dev/null 2>&1 || skip "no gestor/$i:latest (make images)"
done

out=$("$GESTOR_TOP/deploy/build-images.sh" servicio 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "the servicio image builds without a registry" test "$rc" = 0
docker image inspect "$IMAGE" >/dev/null 2>&1 || fail "no $IMAGE"

on_exit "docker rm -f $P-low $P-ram $P-svc >/dev/null 2>&1"
for c in low:low ram:high-ram; do
	docker run -d --name "$P-${c%%:*}" -l gestor.managed=true -l "gestor.test=$P" \
		"gestor/${c#*:}:latest" >/dev/null || fail "cannot start $P-${c%%:*}"
done
sleep 3 # the loads reach their steady size

MOUNTS=(-v /proc:/host/proc:ro -v /sys/fs/cgroup:/sys/fs/cgroup:ro
	-v /var/run/docker.sock:/var/run/docker.sock)
host_json=$(mktemp /tmp/$P-host.XXXXXX)
ctr_json=$(mktemp /tmp/$P-ctr.XXXXXX)
on_exit "rm -f '$host_json' '$ctr_json'"
# both at once: the same 2 s interval, measured from the two sides
"$HOSTBIN" stats --json --source procfs --interval 2 >"$host_json" &
hp=$!
docker run --rm --name "$P-svc" "${MOUNTS[@]}" "$IMAGE" stats --json --source procfs \
	--proc-root /host/proc --interval 2 >"$ctr_json"
crc=$?
wait "$hp"
hrc=$?
check "servicio stats ran on the host" test "$hrc" = 0
check "servicio stats ran in the container" test "$crc" = 0

cmp_figures() {
	python3 - "$host_json" "$ctr_json" "$P" <<'PY'
import json, sys
h, c, p = (json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3])
def mine(doc):
    # the two loads (not the measuring container itself, in one view only)
    return {x["name"]: x for x in doc["containers"] if x["name"] in (p + "-low", p + "-ram")}
hm, cm = mine(h), mine(c)
print(f"# host sees {sorted(hm)}, container sees {sorted(cm)}")
ok = sorted(hm) == sorted(cm) == sorted([p + "-low", p + "-ram"])
for n in sorted(hm):
    a, b = hm[n], cm.get(n, {})
    for k in ("procs", "rss_kb", "mem_kb"):
        va, vb = a.get(k), b.get(k)
        close = va == vb if k == "procs" else (va and vb and abs(va - vb) <= max(0.05 * va, 256))
        print(f"# {n} {k}: host {va} container {vb} {'ok' if close else 'DIFFER'}")
        ok = ok and bool(close)
# the machine-wide figures: the same kernel's
for k in ("cpus",):
    print(f"# {k}: host {h[k]} container {c[k]}")
    ok = ok and h[k] == c[k]
mt_h, mt_c = h["memory"]["total_kb"], c["memory"]["total_kb"]
print(f"# memory total: host {mt_h} container {mt_c}")
ok = ok and mt_h == mt_c
# the host's processes, not the container's handful
print(f"# processes: host {h['processes']} container {c['processes']}")
ok = ok and c["processes"] > 10 and abs(h["processes"] - c["processes"]) <= max(0.2 * h["processes"], 20)
sys.exit(0 if ok else 1)
PY
}
check "the container's figures are the host's (procs, RSS, cgroup memory, totals)" cmp_figures

# the daemon: one cycle, dry run, in the image with its defaults
# (GESTOR_PROC_ROOT=/host/proc), scoped to this suite's containers; the
# log server is unreachable on purpose: the batch goes to the spool
log=$(mktemp /tmp/$P-log.XXXXXX)
on_exit "rm -f '$log'"
docker run --rm --name "$P-svc" "${MOUNTS[@]}" --network none "$IMAGE" --once --dry-run \
	--scope "gestor.test=$P" --keep-high 0 --keep-low 0 --table --color never \
	--log-url http://127.0.0.1:9/ --source procfs >"$log" 2>&1
sed 's/^/# /' "$log" | head -40
check "the daemon in the container sees both host containers" \
	bash -c "grep -q '$P-low' '$log' && grep -q '$P-ram' '$log'"
check "it classes the high-ram load high and the low one low (host figures)" \
	bash -c "grep '$P-ram' '$log' | grep -qi high && grep '$P-low' '$log' | grep -qi low"
check "it would remove both (keep 0), removing nothing (dry run)" \
	bash -c "docker inspect $P-low $P-ram >/dev/null && test \$(grep -c '$P-.*would_remove' '$log') = 2"
finish
