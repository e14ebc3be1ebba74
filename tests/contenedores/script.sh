#!/usr/bin/env bash
# contenedores/script suite — contenedores.sh against the real engine: -n K
# and GESTOR_COUNT create exactly K containers, each named
# gestor-<class>-<hex>, labelled gestor.managed=true and gestor.class=<class>
# matching its image, with a memory limit (no swap), --network none and at
# most one CPU, printing one line per container; it runs with an empty
# environment and no tty, as cron runs it; with Docker unreachable
# (DOCKER_HOST at a socket that does not exist — dockerd itself is never
# stopped) or an image missing it fails with a clear message and creates
# nothing. Every container carries gestor.test=<this run> and is removed at
# the end, also on failure. The guards: with GESTOR_MAX_CONTAINERS reached it
# creates fewer (or none) and says so; with too little memory to spare a
# high-ram container becomes a low one; started by cron after its job was
# removed it creates nothing more.
# timeout: 300
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd docker jq
need_docker

run_id=contenedores-script-$$
script=$GESTOR_TOP/contenedores.sh
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"
on_exit "docker_rm_label gestor.test=$run_id"
make -s -C "$GESTOR_TOP/contenedores" images >/dev/null || fail "make images failed"
# other engineers' managed containers must not make ours hit the cap
export GESTOR_MAX_CONTAINERS=1000

line_re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z created gestor-(high-cpu|high-ram|low)-[0-9a-f]{8} class=(high-cpu|high-ram|low) id=[0-9a-f]{12} mem=[0-9]+m$'

# creates LOG ARGS...: runs the script (with our test label) into LOG
creates() {
	local log=$1
	shift
	GESTOR_TEST_LABEL=$run_id "$@" >"$log.out" 2>"$log.err"
}
# well_formed LOG K: K output lines, each a well-formed "created" line
well_formed() {
	[ "$(wc -l <"$1.out")" = "$2" ] && ! grep -Evq "$line_re" "$1.out"
}
# well_formed_notes LOG K: K well-formed "created" lines, the rest notes
well_formed_notes() {
	[ "$(grep -c ' created ' "$1.out")" = "$2" ] &&
		! grep -v ' note: ' "$1.out" | grep -Evq "$line_re"
}
# container_ok ID: what the manager relies on, read back from the engine
container_ok() {
	local j name class image mem
	j=$(docker inspect "$1" | jq '.[0]') || return 1
	name=$(jq -r '.Name' <<<"$j")
	class=$(jq -r '.Config.Labels["gestor.class"]' <<<"$j")
	image=$(jq -r '.Config.Image' <<<"$j")
	mem=$(jq -r '.HostConfig.Memory' <<<"$j")
	[[ "$name" =~ ^/gestor-(high-cpu|high-ram|low)-[0-9a-f]{8}$ ]] &&
		[ "${BASH_REMATCH[1]}" = "$class" ] &&
		[ "$image" = "gestor/$class:latest" ] &&
		[ "$(jq -r '.Config.Labels["gestor.managed"]' <<<"$j")" = true ] &&
		[ "$(jq -r '.Config.Labels["gestor.test"]' <<<"$j")" = "$run_id" ] &&
		[ "$mem" -gt 0 ] && [ "$mem" -le $((512 << 20)) ] &&
		[ "$(jq -r '.HostConfig.MemorySwap' <<<"$j")" = "$mem" ] &&
		[ "$(jq -r '.HostConfig.NetworkMode' <<<"$j")" = none ] &&
		[ "$(jq -r '.HostConfig.NanoCpus' <<<"$j")" = 1000000000 ] ||
		{
			echo "# bad container $1: name=$name class=$class image=$image mem=$mem"
			return 1
		}
}
all_ok() {
	local id
	for id in $(awk '$2 == "created" { sub("id=", "", $5); print $5 }' "$1.out"); do
		container_ok "$id" || return 1
	done
}
ours() { docker ps -aq --filter "label=gestor.test=$run_id" | wc -l; }

check "contenedores.sh -n 6 succeeds" creates "$tmp/a" "$script" -n 6
cat "$tmp/a.out" "$tmp/a.err"
check "it prints 6 well-formed lines" well_formed "$tmp/a" 6
check "the 6 containers are labelled, limited, network-less" all_ok "$tmp/a"
check "the engine has exactly 6 of them" [ "$(ours)" = 6 ]

check "GESTOR_COUNT=3 creates 3" creates "$tmp/b" env GESTOR_COUNT=3 "$script"
check "it prints 3 well-formed lines" well_formed "$tmp/b" 3
check "the 3 containers are labelled, limited, network-less" all_ok "$tmp/b"

# as cron runs it: no environment but what cron gives, no tty, cwd /
check "it runs with an empty environment and no tty (cron-like)" \
	bash -c "cd / && env -i HOME=/root SHELL=/bin/sh GESTOR_TEST_LABEL=$run_id GESTOR_COUNT=3 GESTOR_MAX_CONTAINERS=1000 \
		'$script' >'$tmp/c.out' 2>'$tmp/c.err' </dev/null"
check "it prints 3 well-formed lines" well_formed "$tmp/c" 3
check "the 12 containers have 12 distinct names" \
	[ "$(docker ps -a --filter "label=gestor.test=$run_id" --format '{{.Names}}' | sort -u | wc -l)" = 12 ]
check "the mix holds more than one class" \
	[ "$(cat "$tmp"/[abc].out | awk '{ print $4 }' | sort -u | wc -l)" -ge 2 ]
check "a high-ram container gets MEM_MB + 64 MiB" bash -c "
	grep -h 'class=high-ram' '$tmp'/[abc].out | grep -qv 'mem=320m\$' && exit 1
	! grep -h 'class=high-cpu\|class=low' '$tmp'/[abc].out | grep -qv 'mem=64m\$'"

# the guards (our 12 containers run, so a cap of 1 is reached whatever
# other engineers start or stop meanwhile)
GESTOR_MAX_CONTAINERS=1 creates "$tmp/g" "$script" -n 2
rc=$?
cat "$tmp/g.out"
check "at GESTOR_MAX_CONTAINERS it creates none, exit 0" [ "$rc" = 0 -a ! -s "$tmp/g.err" ]
check "and says so in one note line" bash -c "[ \$(wc -l <'$tmp/g.out') = 1 ] &&
	grep -Eq '^[0-9T:-]+Z note: [0-9]+ managed containers run \(GESTOR_MAX_CONTAINERS=1\): creating none\$' '$tmp/g.out'"
cap=$(($(docker ps -q --filter label=gestor.managed=true --filter status=running | wc -l) + 1))
GESTOR_MAX_CONTAINERS=$cap creates "$tmp/h" "$script" -n 3
cat "$tmp/h.out"
# the note gives the count the script saw: it must create exactly cap - count
cap_kept() {
	local seen made
	seen=$(sed -n 's/.* note: \([0-9]*\) managed containers run .*/\1/p' "$tmp/h.out")
	made=$(grep -c ' created ' "$tmp/h.out")
	[ -n "$seen" ] && [ "$made" = $((cap - seen > 0 ? (cap - seen < 3 ? cap - seen : 3) : 0)) ]
}
check "near the cap it creates only up to the cap" cap_kept
GESTOR_MEM_RESERVE_MB=999999 creates "$tmp/i" "$script" -n 6
check "with no memory to spare it still creates 6" well_formed_notes "$tmp/i" 6
check "but none of them high-ram" bash -c "! grep -q 'class=high-ram' '$tmp/i.out'"
# a run from cron whose job was removed meanwhile (servicio stopped) stops:
# no line of root's crontab ends in this marker (the cron suites show that
# runs whose job is there do create)
GESTOR_CRON_GUARD=gestor-cron:gone-$$ creates "$tmp/k" "$script" -n 3
rc=$?
cat "$tmp/k.out"
check "a cron run whose job is gone creates none, exit 0" [ "$rc" = 0 -a ! -s "$tmp/k.err" ]
check "and says so in one note line" bash -c "[ \$(wc -l <'$tmp/k.out') = 1 ] &&
	grep -Eq '^[0-9T:-]+Z note: the cron job was removed \(gestor stopped\): created 0 of 3, stopping\$' '$tmp/k.out'"
GESTOR_CRON_GUARD='gestor-cron;rm' "$script" -n 1 >/dev/null 2>&1
check "a malformed GESTOR_CRON_GUARD is refused (exit 2)" [ $? = 2 ]

before=$(ours)
DOCKER_HOST=unix:///nonexistent GESTOR_TEST_LABEL=$run_id "$script" -n 2 >"$tmp/d.out" 2>"$tmp/d.err"
rc=$?
cat "$tmp/d.err"
check "with Docker unreachable it exits 3" [ "$rc" = 3 ]
check "and says it cannot reach the daemon" grep -q 'cannot reach the Docker daemon at unix:///nonexistent' "$tmp/d.err"
check "and prints nothing on stdout" [ ! -s "$tmp/d.out" ]

GESTOR_IMAGE_PREFIX=gestor-missing-$$/ GESTOR_TEST_LABEL=$run_id "$script" -n 2 >"$tmp/e.out" 2>"$tmp/e.err"
rc=$?
cat "$tmp/e.err"
check "with an image missing it exits 4" [ "$rc" = 4 ]
check "and says which image and how to build it" \
	grep -q "missing image(s): gestor-missing-$$/high-cpu:latest.*sudo make images" "$tmp/e.err"

"$script" -n 0 >/dev/null 2>"$tmp/f.err"
check "-n 0 is refused (exit 2)" [ $? = 2 ]
GESTOR_COUNT=abc "$script" >/dev/null 2>&1
check "GESTOR_COUNT=abc is refused (exit 2)" [ $? = 2 ]
check "the failures created nothing" [ "$(ours)" = "$before" ]
finish
