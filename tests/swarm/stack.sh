#!/usr/bin/env bash
# stack.sh — gestor as a Docker Swarm stack (deploy/stack.yml) on a
# three-node swarm made on this machine: three Docker-in-Docker nodes (each
# its own dockerd from Debian's docker.io, tests/swarm/node/) on a Docker
# network this suite creates, one manager and two workers, the images loaded
# into each (docker save | docker load: no registry). Then:
#   - deploy: every service converges; servicio runs once per node;
#   - each node's managed containers are decided by that node's servicio
#     only (5 started per node, keep-low 3: 2 removed on each, by it);
#   - every node's samples reach PostgreSQL tagged with its host name, and
#     GET /runs (the dashboard's host list) lists the three;
#   - faults: a worker cut off the network then stopped (the others carry
#     on; its records up to the stop are kept in its spool and drain when
#     it is back); an admin_logs task killed (rescheduled, no acknowledged
#     batch lost); a rolling `docker service update --force` of servicio
#     (no cycle's records lost).
# Records lost are counted from the database against servicio's own count:
# every run's samples must hold each cycle from 1 to its last, and a run
# that ended must have stored as many cycles as its "done: N cycles" line.
# Figures (records lost, times to recover) are printed as "figure:" lines
# (docs/RELIABILITY.md). Everything it makes is named gsw<pid>-*; the
# node image is kept between runs (tests/swarm/node-image.sh).
# parallel: yes docker
# timeout: 900
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/node-image.sh"
need_root
need_docker
need_cmd python3 jq openssl

P=gsw$$
NET=$P-net
IMAGES=(gestor/servicio:latest gestor/admin_logs:latest gestor/postgres:latest gestor/low:latest)
INTERVAL=2
T0=$(date +%s)
el() { echo $(($(date +%s) - T0)); }
say() { echo "# [$(el)s] $*"; }
fig() { echo "figure: $*"; }

for i in "${IMAGES[@]}"; do
	docker image inspect "$i" >/dev/null 2>&1 || skip "no image $i (make images)"
done

WORK=$(mktemp -d /tmp/$P.XXXXXX)
on_exit "rm -rf '$WORK'"
on_exit "docker network rm '$NET' >/dev/null 2>&1"
# the three nodes removed at once (each removal deletes its node's image store)
on_exit "for k in 1 2 3; do docker rm -f -v '$P-n'\$k >/dev/null 2>&1 & done; wait"

# --- the nodes -------------------------------------------------------------
say "the node image (Debian's docker.io on gestor/bookworm-base; built when missing)"
# the node image: kept between runs, built when its context changed
# (tests/swarm/node-image.sh; --force-rm leaves no build container behind)
swarm_node_image "$WORK/build.err" || { cat "$WORK/build.err"; fail "the node image does not build"; }
# a subnet of our own (the first free of a few), so that a node comes back
# with the address the swarm knows it by
SUBNET=
for n in $(shuf -i 16-250 -n 8); do
	if docker network create --subnet "10.213.$n.0/24" "$NET" >/dev/null 2>&1; then
		SUBNET=10.213.$n
		break
	fi
done
[ -n "$SUBNET" ] || fail "cannot create the network $NET"
# every capability but CAP_SYS_RESOURCE, which this machine's bounding set
# lacks (so --privileged cannot start), no seccomp/AppArmor, its own cgroup
# namespace; node-start.sh makes the rest of what dockerd needs
NODE_OPTS=(--cap-add ALL --security-opt seccomp=unconfined --security-opt apparmor=unconfined
	--security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm' --cgroupns private
	--network "$NET" -l "gestor.test=$P" --stop-timeout 30)
grep -q '^CapBnd:.*' /proc/self/status &&
	[ $((0x$(awk '/^CapBnd/ {print $2}' /proc/self/status) >> 24 & 1)) = 0 ] &&
	NODE_OPTS+=(--cap-drop SYS_RESOURCE)
nd() { # nd K docker-args...: docker on node K
	local k=$1
	shift
	docker exec -i "$P-n$k" docker "$@"
}
for k in 1 2 3; do
	docker run -d --name "$P-n$k" --hostname "$P-n$k" --ip "$SUBNET.$((10 + k))" \
		"${NODE_OPTS[@]}" "$NODE_IMAGE" >/dev/null ||
		skip "cannot start a Docker-in-Docker node here"
done
# the images to load, saved while the nodes' dockerds start
# (postgres runs on the manager only, pinned there: the others need not hold it)
{ docker save gestor/servicio:latest gestor/admin_logs:latest gestor/low:latest -o "$WORK/images.tar" &&
	docker save gestor/postgres:latest -o "$WORK/pg.tar"; } &
savepid=$!
node_up() { nd "$1" info >/dev/null 2>&1; }
for k in 1 2 3; do
	if ! wait_for 60 node_up "$k"; then
		docker exec "$P-n$k" tail -n 20 /var/log/dockerd.log 2>&1 | sed 's/^/# /'
		docker logs "$P-n$k" 2>&1 | tail -n 5 | sed 's/^/# /'
		skip "no Docker-in-Docker here: node $k's dockerd does not answer"
	fi
done
say "three dockerds up; loading ${IMAGES[*]} into them"
wait "$savepid" || fail "docker save failed"
for k in 1 2 3; do nd "$k" load -q <"$WORK/images.tar" >/dev/null & done
nd 1 load -q <"$WORK/pg.tar" >/dev/null &
lrc=0
for k in 1 2 3 4; do wait -n || lrc=1; done
rm -f "$WORK/images.tar" "$WORK/pg.tar"
check "the images load into the three nodes" test "$lrc" = 0

ip1=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$P-n1")
nd 1 swarm init --advertise-addr "$ip1" >/dev/null || fail "docker swarm init failed"
wtok=$(nd 1 swarm join-token -q worker)
for k in 2 3; do nd "$k" swarm join --token "$wtok" "$ip1:2377" >/dev/null || fail "node $k cannot join"; done
nodes_ready() { [ "$(nd 1 node ls --format '{{.Status}}' | grep -c Ready)" = 3 ]; }
check "a swarm of one manager and two workers" wait_for 60 nodes_ready

# --- the stack -------------------------------------------------------------
mkdir -p "$WORK/stack/secrets"
cp "$GESTOR_TOP/deploy/stack.yml" "$GESTOR_TOP/deploy/admin_logs-pg.sh" "$WORK/stack/"
for f in gestor_token gestor_db_password; do
	head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$WORK/stack/secrets/$f"
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=logs \
	-addext "subjectAltName=DNS:logs,DNS:admin_logs,DNS:localhost,IP:127.0.0.1" \
	-keyout "$WORK/stack/secrets/gestor_tls_key" -out "$WORK/stack/secrets/gestor_tls_cert" \
	2>/dev/null || fail "openssl cannot make the test certificate"
chmod -R go-rwx "$WORK/stack/secrets"
docker cp "$WORK/stack" "$P-n1:/stack" || fail "cannot copy the stack to the manager"
# the certificate on every node, for the suite's own curl
for k in 1 2 3; do docker cp "$WORK/stack/secrets/gestor_tls_cert" "$P-n$k:/logs-ca.crt"; done
TOKEN=$(cat "$WORK/stack/secrets/gestor_token")
say "docker stack deploy -c deploy/stack.yml gestor"
docker exec -e GESTOR_INTERVAL=$INTERVAL -e GESTOR_ADMIN_LOGS_REPLICAS=2 "$P-n1" docker stack deploy -c /stack/stack.yml gestor \
	>"$WORK/deploy.out" 2>&1
drc=$?
sed 's/^/# /' "$WORK/deploy.out"
check "docker stack deploy accepts deploy/stack.yml" test "$drc" = 0
T_DEPLOY=$(date +%s)

replicas() { nd 1 service ls --format '{{.Name}} {{.Replicas}}' | awk -v s="gestor_$1" '$1 == s {print $2}'; }
converged() {
	[ "$(replicas postgres)" = 1/1 ] && [ "$(replicas admin_logs)" = 2/2 ] &&
		[ "$(replicas servicio)" = 3/3 ]
}
check "every service converges (postgres 1/1, admin_logs 2/2, servicio 3/3)" wait_for 180 converged
fig "deploy to converged: $(($(date +%s) - T_DEPLOY)) s"
nd 1 service ls --format '# {{.Name}} {{.Mode}} {{.Replicas}}'
running_on() { # service: the hostnames of its running tasks, sorted
	nd 1 service ps "gestor_$1" --filter desired-state=running --format '{{.Node}} {{.CurrentState}}' |
		awk '$2 == "Running" {print $1}' | sort
}
check "servicio runs once on each node" test "$(running_on servicio | tr '\n' ' ')" = "$P-n1 $P-n2 $P-n3 "

# SQL on the stack's PostgreSQL (on the manager), as its superuser
pgq() {
	local c
	c=$(nd 1 ps -q -f label=com.docker.swarm.service.name=gestor_postgres | head -n 1)
	[ -n "$c" ] && nd 1 exec -u postgres "$c" psql -h /run/postgresql -d gestor -At -F ' ' -c "$1"
}
# the log API, from the manager's own loopback (the node that runs a replica)
api() { # node path
	docker exec "$P-n$1" curl -sf --max-time 5 --cacert /logs-ca.crt -H "Authorization: Bearer $TOKEN" \
		"https://localhost:8000$2"
}
api_node() { running_on admin_logs | head -n 1 | sed "s/^$P-n//"; }

hosts_with_samples() { pgq "SELECT DISTINCT host FROM records WHERE type = 'sample' ORDER BY host" | tr '\n' ' '; }
all_hosts_in() { [ "$(hosts_with_samples)" = "$P-n1 $P-n2 $P-n3 " ]; }
check "every node's samples reach PostgreSQL tagged with its host" wait_for 90 all_hosts_in
say "hosts with samples: $(hosts_with_samples)"

# --- per-node management ---------------------------------------------------
for k in 1 2 3; do
	for j in 1 2 3 4 5; do
		nd "$k" run -d --name "$P-n$k-low$j" -l gestor.managed=true -l "gestor.test=$P" \
			gestor/low:latest >/dev/null
	done
done
left() { nd "$1" ps -q -f "name=$P-n$1-low" | wc -l; }
three_each() { [ "$(left 1)" = 3 ] && [ "$(left 2)" = 3 ] && [ "$(left 3)" = 3 ]; }
check "each node keeps 3 of its 5 low containers (keep-low 3)" wait_for 90 three_each
say "left per node: $(left 1) $(left 2) $(left 3)"
removed_by() { # the "host name" pairs of removal decisions of this suite's loads
	pgq "SELECT host, container_name FROM records WHERE action = 'removed' AND container_name LIKE '$P-n%' ORDER BY 1, 2"
}
removals_logged() { [ "$(removed_by | wc -l)" -ge 6 ]; }
wait_for 60 removals_logged
removed_by | sed 's/^/# removed: /'
own_only() {
	removed_by | awk -v p="$P" '{ split($2, a, "-low"); if (a[1] != $1) bad++; n[$1]++ }
		END { exit !(bad == 0 && n[p "-n1"] == 2 && n[p "-n2"] == 2 && n[p "-n3"] == 2) }'
}
check "each node's 2 removals were decided by its own servicio only" own_only

# the dashboard: GET / serves the page; its host list comes from GET /runs
an=$(api_node)
check "the dashboard is served" bash -c "docker exec $P-n$an curl -sf --max-time 5 --cacert /logs-ca.crt -H 'Authorization: Bearer $TOKEN' https://localhost:8000/ | grep -qi '<html'"
runs_hosts() { api "$an" "/runs?limit=1000" | jq -r '[.runs[].host] | unique | join(" ")'; }
check "GET /runs (the dashboard's host list) lists the three nodes" \
	test "$(runs_hosts)" = "$P-n1 $P-n2 $P-n3"

# --- records lost: every run's cycles, from 1 to its last, stored ----------
# gaps HOST...: for each run of these hosts, cycles missing between 1 and
# the run's highest stored cycle (a lost batch is a hole)
gaps() {
	pgq "SELECT host, run, min(cycle), max(cycle), count(DISTINCT cycle) FROM records
	     WHERE type = 'sample' GROUP BY host, run ORDER BY host, min(ts_ns)" >"$WORK/runs.txt"
	# a run's cycles are numbered from 1: those below its lowest are missing too
	awk '{ lo = $3 < 1 ? $3 : 1; miss += $4 - lo + 1 - $5 } END { print miss + 0 }' "$WORK/runs.txt"
}
# The ledger: for every servicio container that ended, its node and the
# cycles it ran: its "done: N cycles" line, or (a node stopped under it,
# whose containers its dockerd drops) the last "cycle N" of its table read
# just before the stop. A node's ended runs must have stored at least that.
LEDGER=$WORK/ledger
: >"$LEDGER"
svc_ctr() { nd "$1" ps -q -f label=com.docker.swarm.service.name=gestor_servicio | head -n 1; }
ctr_cycles() { # K CTR: done N, else the last cycle N of its table
	local out n
	out=$(nd "$1" logs "$2" 2>&1)
	n=$(sed -n 's/.* done: \([0-9]*\) cycles.*/\1/p' <<<"$out" | tail -n 1)
	[ -n "$n" ] || n=$(sed -n 's/^cycle \([0-9]*\) .*/\1/p' <<<"$out" | tail -n 1)
	echo "${n:-0}"
}
ledger_sum() { awk -v k="$1" '$1 == k { n += $3 } END { print n + 0 }' "$LEDGER"; }
stored_ended_cycles() {
	pgq "SELECT coalesce(sum(n), 0) FROM (SELECT run, count(DISTINCT cycle) AS n, min(ts_ns) AS t
	     FROM records WHERE type = 'sample' AND host = '$P-n$1' GROUP BY run) r
	     WHERE t < (SELECT max(t2) FROM (SELECT min(ts_ns) AS t2 FROM records
	                WHERE type = 'sample' AND host = '$P-n$1' GROUP BY run) q)"
}

# --- fault 1: a worker lost --------------------------------------------------
say "fault: worker 3 cut off the network for $((INTERVAL * 10)) s (its servicio spools), then stopped"
cyc3() { pgq "SELECT coalesce(max(cycle), 0) FROM records WHERE host = '$P-n3' AND type = 'sample'"; }
before3=$(cyc3)
c3=$(svc_ctr 3)
docker network disconnect "$NET" "$P-n3" || fail "cannot disconnect node 3"
T_CUT=$(date +%s)
cyc() { pgq "SELECT coalesce(max(cycle), 0) FROM records WHERE host = '$P-n$1' AND type = 'sample'"; }
b1=$(cyc 1) b2=$(cyc 2)
CUT_S=$((INTERVAL * 10))
sleep "$CUT_S"
n3cut=$(ctr_cycles 3 "$c3")
echo "3 $c3 $n3cut cut-off" >>"$LEDGER"
fig "worker 3 cut off: $((n3cut - before3)) cycles run while cut ($CUT_S s), spooled"
docker stop -t 30 "$P-n3" >/dev/null
T_STOP=$(date +%s)
# nodes 1 and 2 go on cycling, and their cycles keep reaching the store
# (through their spool while an address of node 3's admin_logs still answers
# nothing)
others_go_on() { [ "$(cyc 1)" -ge $((b1 + 10)) ] && [ "$(cyc 2)" -ge $((b2 + 10)) ]; }
check "nodes 1 and 2 carry on while node 3 is away (10 more cycles each stored)" wait_for 120 others_go_on
node3_down() { nd 1 node ls --format '{{.Hostname}} {{.Status}}' | grep -q "^$P-n3 Down"; }
wait_for 60 node3_down
fig "worker 3 seen Down by the manager: $(($(date +%s) - T_CUT)) s after the cut"
# (the manager still counts node 3's task as running while the node is
# down: count the tasks meant to run, and running, on the nodes left)
admin_left() { [ "$(running_on admin_logs | grep -cvx "$P-n3")" = 2 ]; }
admin2() { [ "$(running_on admin_logs | wc -l)" = 2 ]; }
check "admin_logs runs 2 replicas on the two nodes left" wait_for 150 admin_left
fig "worker 3 cut to admin_logs 2 replicas on the nodes left: $(($(date +%s) - T_CUT)) s"
nd 1 service ps gestor_admin_logs --format '# {{.Name}} {{.Node}} {{.DesiredState}} {{.CurrentState}} {{.Error}}' | head -n 6

say "node 3 back (started, reconnected with its address)"
docker start "$P-n3" >/dev/null || fail "cannot start node 3 again"
docker network connect --ip "$SUBNET.13" "$NET" "$P-n3" || fail "cannot reconnect node 3"
T_BACK=$(date +%s)
n3_running() { running_on servicio | grep -qx "$P-n3"; }
check "node 3's servicio runs again" wait_for 120 n3_running
fig "worker 3 back to servicio running: $(($(date +%s) - T_BACK)) s"
spool_drained() { [ "$(stored_ended_cycles 3)" -ge "$(ledger_sum 3)" ]; }
check "node 3's records up to its stop are stored: its spool drained" wait_for 120 spool_drained
fig "worker 3 back to its spool drained: $(($(date +%s) - T_BACK)) s"
c3b=$(svc_ctr 3)
fig "worker 3's new servicio: $(nd 3 logs "$c3b" 2>&1 | sed -n 's/.*spool .*: \([0-9]*\) batches left by an earlier run.*/\1/p' | head -n 1) batches left in its spool, sent first"
say "node 3: cycles stored before the cut $before3; its servicio had run $(ledger_sum 3) at the stop; $(stored_ended_cycles 3) stored now"
check "no cycle is missing from any run (worker loss)" test "$(gaps)" = 0
sed 's/^/# run: /' "$WORK/runs.txt"

# --- fault 2: an admin_logs task killed ------------------------------------
ak=$(api_node)
ac=$(nd "$ak" ps -q -f label=com.docker.swarm.service.name=gestor_admin_logs | head -n 1)
running_ids() {
	nd 1 service ps gestor_admin_logs --filter desired-state=running --format '{{.ID}} {{.CurrentState}}' |
		awk '$2 == "Running" {print $1}' | sort | tr '\n' ' '
}
ids0=$(running_ids)
say "fault: admin_logs task on node $ak killed (SIGKILL)"
nd "$ak" kill "$ac" >/dev/null || fail "cannot kill admin_logs on node $ak"
T_KILL=$(date +%s)
replaced() { [ "$(running_ids)" != "$ids0" ] && admin2; }
check "swarm replaces the killed task: 2 replicas running again" wait_for 120 replaced
fig "admin_logs task killed to 2 replicas running again: $(($(date +%s) - T_KILL)) s"
sleep $((INTERVAL * 3))
check "no cycle is missing from any run (admin_logs task killed)" test "$(gaps)" = 0

# --- fault 3: a rolling update of servicio ---------------------------------
say "docker service update --force gestor_servicio (one node at a time)"
for k in 1 2 3; do echo "$k $(svc_ctr "$k")" >>"$WORK/before-update"; done
T_UPD=$(date +%s)
nd 1 service update -d --force gestor_servicio >/dev/null || fail "docker service update failed"
upd_done() { [ "$(nd 1 service inspect -f '{{.UpdateStatus.State}}' gestor_servicio)" = completed ]; }
check "the rolling update completes" wait_for 240 upd_done
fig "rolling update of servicio over 3 nodes: $(($(date +%s) - T_UPD)) s"
check "servicio runs once on each node after it" test "$(running_on servicio | tr '\n' ' ')" = "$P-n1 $P-n2 $P-n3 "
while read -r k c; do
	echo "$k $c $(ctr_cycles "$k" "$c" </dev/null) replaced" >>"$LEDGER"
done <"$WORK/before-update"
sed 's/^/# ledger: node /' "$LEDGER"
ended_all_stored() {
	local k
	for k in 1 2 3; do
		[ "$(stored_ended_cycles "$k")" -ge "$(ledger_sum "$k")" ] || return 1
	done
}
check "every replaced servicio's cycles are all stored" wait_for 60 ended_all_stored
lost=0
for k in 1 2 3; do
	d=$(ledger_sum "$k")
	s=$(stored_ended_cycles "$k")
	say "node $k: ended servicios ran $d cycles, $s stored"
	[ "$s" -lt "$d" ] && lost=$((lost + d - s))
done
g=$(gaps)
sed 's/^/# run: /' "$WORK/runs.txt"
check "no cycle is missing from any run (rolling update)" test "$g" = 0
fig "cycles lost over the whole suite: $((lost + g)) (missing in runs $g, ended runs short $lost)"
fig "records stored: $(pgq "SELECT count(*) FROM records")"
fig "suite duration: $(el) s"
finish
