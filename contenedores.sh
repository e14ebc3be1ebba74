#!/usr/bin/env bash
# contenedores.sh — creates K random load containers for gestor to manage.
#
# Each container comes from one of gestor/high-cpu, gestor/high-ram or
# gestor/low (picked at random), is named gestor-<class>-<8 hex digits>, has
# no network, a memory limit (high-ram: MEM_MB + 64 MiB, others 64 MiB, no
# swap), at most one CPU, a small pids limit, no capabilities, a read-only
# root, and the labels gestor.managed=true and gestor.class=<class> that the
# manager relies on. One line per created container goes to stdout:
#   <UTC time> created <name> class=<class> id=<12 hex> mem=<limit>
# Cron keeps adding containers whether or not the manager removes them, so
# two guards keep the host safe: no more than GESTOR_MAX_CONTAINERS managed
# containers run at once (it creates fewer, or none), and a high-ram
# container is replaced by a low one when the host's MemAvailable would fall
# below GESTOR_MEM_RESERVE_MB. Either prints a "<UTC time> note: ..." line.
# cron runs it every 30 s (scripts/cron.sh), so it sets its own PATH, needs
# no tty and bounds every docker call with a timeout.
#
# Usage: contenedores.sh [-n K] [-h|--help] [--version]
# Environment:
#   GESTOR_COUNT       K when -n is not given (default 10; 1..100)
#   GESTOR_MEM_MB      MiB that high-ram containers hold (default 256; 1..4096)
#   GESTOR_CPU_PCT     share of one core high-cpu containers use (default 100)
#   GESTOR_MAX_CONTAINERS  most managed containers running at once (default 60)
#   GESTOR_MEM_RESERVE_MB  MiB of MemAvailable that high-ram leaves (default 1024)
#   GESTOR_TEST_LABEL  adds the label gestor.test=<value> (test cleanup)
#   GESTOR_CRON_GUARD  set by the cron lines (scripts/cron.sh) to their marker,
#                      e.g. gestor-cron: before each container the run checks
#                      that root's crontab still holds a line ending in
#                      "# <marker>", and stops (with a note) when it does not:
#                      the manager stopped and removed the job mid-run
#   GESTOR_IMAGE_PREFIX  repository prefix of the images (default gestor/)
#   GESTOR_DOCKER_TIMEOUT  seconds allowed per docker call (default 20)
#   DOCKER_HOST        the daemon to talk to (docker's own variable)
# Exit status: 0 all created; 1 some creations failed; 2 bad usage;
# 3 Docker unreachable; 4 an image is missing.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}
export LC_ALL=C

prog=contenedores.sh
top=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
classes=(high-cpu high-ram low)

die() {
	local rc=$1
	shift
	printf '%s: %s\n' "$prog" "$*" >&2
	exit "$rc"
}
usage() {
	sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}
# int_in NAME VALUE MIN MAX: VALUE is a plain decimal integer in [MIN, MAX]
int_in() {
	[[ "$2" =~ ^[0-9]{1,6}$ ]] && ((10#$2 >= $3 && 10#$2 <= $4)) ||
		die 2 "$1 must be an integer from $3 to $4 (got '$2')"
}

count=${GESTOR_COUNT:-10}
case "${1:-}" in
--help)
	usage
	exit 0
	;;
--version) # the one version: <prefix>/lib/gestor/VERSION installed, debian/changelog in the tree
	v=$(cat "$top/VERSION" 2>/dev/null) ||
		v=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$top/debian/changelog" 2>/dev/null)
	echo "$prog ${v:-unknown}"
	exit 0
	;;
esac
while getopts ':n:h' opt; do
	case $opt in
	n) count=$OPTARG ;;
	h)
		usage
		exit 0
		;;
	:) die 2 "option -$OPTARG needs a value (try -h)" ;;
	*) die 2 "unknown option -$OPTARG (try -h)" ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 0 ] || die 2 "unexpected argument '$1' (try -h)"
int_in "the container count" "$count" 1 100
count=$((10#$count))
mem_mb=${GESTOR_MEM_MB:-256}
int_in GESTOR_MEM_MB "$mem_mb" 1 4096
mem_mb=$((10#$mem_mb))
cpu_pct=${GESTOR_CPU_PCT:-100}
int_in GESTOR_CPU_PCT "$cpu_pct" 1 100
cpu_pct=$((10#$cpu_pct))
tmo=${GESTOR_DOCKER_TIMEOUT:-20}
int_in GESTOR_DOCKER_TIMEOUT "$tmo" 1 600
max=${GESTOR_MAX_CONTAINERS:-60}
int_in GESTOR_MAX_CONTAINERS "$max" 1 1000
max=$((10#$max))
reserve=${GESTOR_MEM_RESERVE_MB:-1024}
int_in GESTOR_MEM_RESERVE_MB "$reserve" 0 999999
reserve=$((10#$reserve))
prefix=${GESTOR_IMAGE_PREFIX:-gestor/}
[[ "$prefix" =~ ^[a-z0-9._/-]{1,64}$ ]] || die 2 "GESTOR_IMAGE_PREFIX must be 1-64 characters of [a-z0-9._/-]"
guard=${GESTOR_CRON_GUARD:-}
[ -z "$guard" ] || [[ "$guard" =~ ^gestor-cron(:[A-Za-z0-9._-]{1,64})?$ ]] ||
	die 2 "GESTOR_CRON_GUARD must be gestor-cron or gestor-cron:<id>"
test_label=${GESTOR_TEST_LABEL:-}
[ -z "$test_label" ] || [[ "$test_label" =~ ^[A-Za-z0-9._-]{1,64}$ ]] ||
	die 2 "GESTOR_TEST_LABEL must be 1-64 characters of [A-Za-z0-9._-]"

command -v docker >/dev/null 2>&1 || die 3 "the docker command is not installed"
dk() { timeout -k 5 "$tmo" docker "$@"; }

# The daemon must answer, and every image must exist locally (never pulled).
if ! out=$(dk version --format '{{.Server.Version}}' 2>&1); then
	die 3 "cannot reach the Docker daemon at ${DOCKER_HOST:-unix:///var/run/docker.sock}: $(printf '%s' "$out" | tail -n1)"
fi
missing=()
for c in "${classes[@]}"; do
	dk image inspect --format '{{.Id}}' "$prefix$c:latest" >/dev/null 2>&1 || missing+=("$prefix$c:latest")
done
[ ${#missing[@]} = 0 ] ||
	die 4 "missing image(s): ${missing[*]}; build them with: cd $top && sudo make images"

errf=$(mktemp "${TMPDIR:-/tmp}/contenedores.XXXXXX") || die 1 "cannot create a temporary file"
trap 'rm -f "$errf"' EXIT
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
note() { printf '%s note: %s\n' "$(now)" "$*"; }
rand_hex() { od -An -N4 -tx1 /dev/urandom | tr -d ' \n'; }
# cron_job_gone: started by cron (GESTOR_CRON_GUARD) and the job's lines are gone
cron_job_gone() {
	[ -n "$guard" ] || return 1
	! crontab -l 2>/dev/null | awk -v m=" # $guard" \
		'length($0) >= length(m) && substr($0, length($0) - length(m) + 1) == m { f = 1 }
		 END { exit !f }'
}

running=$(dk ps -q --filter label=gestor.managed=true --filter status=running 2>"$errf") ||
	die 3 "cannot list the running containers: $(tail -n1 "$errf")"
running=$(printf '%s' "$running" | grep -c .)
room=$((max - running))
if ((room <= 0)); then
	note "$running managed containers run (GESTOR_MAX_CONTAINERS=$max): creating none"
	exit 0
elif ((count > room)); then
	note "$running managed containers run (GESTOR_MAX_CONTAINERS=$max): creating $room of $count"
	count=$room
fi

made=0 failed=0
for ((i = 0; i < count; i++)); do
	if cron_job_gone; then
		note "the cron job was removed (gestor stopped): created $made of $count, stopping"
		break
	fi
	class=${classes[$(od -An -N1 -tu1 /dev/urandom | tr -d ' ') % 3]}
	if [ "$class" = high-ram ]; then
		avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
		if [ "${avail:-0}" -lt $((mem_mb + 64 + reserve)) ]; then
			note "only ${avail:-?} MiB available (GESTOR_MEM_RESERVE_MB=$reserve): low instead of high-ram"
			class=low
		fi
	fi
	case $class in
	high-ram) mem=$((mem_mb + 64))m ;;
	*) mem=64m ;;
	esac
	args=(run -d --network none --memory "$mem" --memory-swap "$mem" --cpus 1
		--pids-limit 16 --read-only --cap-drop ALL --security-opt no-new-privileges
		--restart no --label gestor.managed=true --label "gestor.class=$class"
		-e "MEM_MB=$mem_mb" -e "CPU_PCT=$cpu_pct")
	[ -z "$test_label" ] || args+=(--label "gestor.test=$test_label")
	ok=0
	for _ in 1 2 3; do # a fresh name if one is taken
		name=gestor-$class-$(rand_hex)
		if id=$(dk "${args[@]}" --name "$name" "$prefix$class:latest" 2>"$errf") &&
			[[ "$id" =~ ^[0-9a-f]{64}$ ]]; then
			ok=1
			break
		fi
		err=$(grep -v '^WARNING' "$errf" | tail -n1)
		[[ "$err" == *"is already in use"* ]] || break
	done
	if [ $ok = 1 ]; then
		made=$((made + 1))
		printf '%s created %s class=%s id=%.12s mem=%s\n' "$(now)" "$name" "$class" "$id" "$mem"
	else
		failed=$((failed + 1))
		printf '%s: could not create %s: %s\n' "$prog" "$name" "${err:-unexpected output '$id'}" >&2
	fi
done
[ $failed = 0 ] || die 1 "created $made of $count containers ($failed failed)"
exit 0
