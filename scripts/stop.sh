#!/usr/bin/env bash
# stop.sh — `make stop`: clean up after a run that was killed.
#
# Refuses while a servicio is still running (Ctrl+C cleans up by itself);
# otherwise removes what a run leaves behind: the containers it manages
# (label gestor.managed=true), servicio's admin_logs container (the one
# named as servicio's --admin-name, default gestor-admin_logs, and labelled
# gestor.role=admin_logs: another servicio's log server is not this run's),
# and the project's cron lines (scripts/cron.sh
# remove, which keeps every other line of the crontab). Nothing else is
# touched: not unlabelled containers, not containers of a running test suite
# (label gestor.test), not the images, not the data in /var/lib/gestor (logs
# database and report), and not the managed containers outside servicio's
# scope: the same LABEL=VALUE servicio was given (--scope in SERVICIO_ARGS,
# else GESTOR_SCOPE, else `scope` in GESTOR_CONFIG or /etc/gestor/servicio.ini)
# narrows the removal as it narrows servicio's decisions. Removal keeps the
# containers' anonymous volumes, as `docker rm` does, unless
# --remove-volumes is in SERVICIO_ARGS or GESTOR_REMOVE_VOLUMES=true.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$PWD/build}

pids=$(pgrep -d ' ' -f "^$BUILD/bin/servicio( |\$)" || true)
if [ -n "$pids" ]; then
	echo "stop: servicio is still running (pid $pids): stop it with Ctrl+C (or kill -INT $pids)," >&2
	echo "stop: which cleans up by itself; make stop is for a run that was killed" >&2
	exit 1
fi

scripts/cron.sh remove

# servicio's scope, from the same places servicio reads it (flag > env > INI)
scope='' rmv='' aname=''
ini=${GESTOR_CONFIG:-/etc/gestor/servicio.ini}
if [ -r "$ini" ]; then
	scope=$(sed -n 's/^[[:space:]]*scope[[:space:]]*=[[:space:]]*\([^[:space:];#]*\).*/\1/p' "$ini" | tail -n1)
	rmv=$(sed -n 's/^[[:space:]]*remove[-_]volumes[[:space:]]*=[[:space:]]*\([a-z0-9]*\).*/\1/p' "$ini" | tail -n1)
	aname=$(sed -n 's/^[[:space:]]*admin[-_]name[[:space:]]*=[[:space:]]*\([^[:space:];#]*\).*/\1/p' "$ini" | tail -n1)
fi
scope=${GESTOR_SCOPE:-$scope}
rmv=${GESTOR_REMOVE_VOLUMES:-$rmv}
aname=${GESTOR_ADMIN_NAME:-$aname}
# shellcheck disable=SC2206 # servicio's flags, split as run.sh splits them
args=(${SERVICIO_ARGS:-})
for ((i = 0; i < ${#args[@]}; i++)); do
	case ${args[i]} in
	--scope) scope=${args[i + 1]:-} ;;
	--scope=*) scope=${args[i]#--scope=} ;;
	--remove-volumes) rmv=true ;;
	--admin-name) aname=${args[i + 1]:-} ;;
	--admin-name=*) aname=${args[i]#--admin-name=} ;;
	esac
done
aname=${aname:-gestor-admin_logs}
[[ "$aname" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || { echo "stop: admin name '$aname' is not a container name" >&2; exit 2; }
case $rmv in true | yes | on | 1) rmflags=(-f -v) ;; *) rmflags=(-f) ;; esac
if [ -n "$scope" ]; then
	[[ "$scope" == ?*=* ]] || { echo "stop: scope '$scope' is not LABEL=VALUE" >&2; exit 2; }
	echo "stop: scope $scope: only managed containers with that label are removed"
fi

. scripts/docker-up.sh
if docker_up; then
	for filter in label=gestor.managed=true label=gestor.role=admin_logs; do
		sel=(--filter "$filter")
		# the scope narrows the managed containers (as servicio's --scope);
		# the admin_logs container is servicio's own: its name and its role
		[ "$filter" = label=gestor.managed=true ] && [ -n "$scope" ] && sel+=(--filter "label=$scope")
		# containers of a test suite (label gestor.test) are the suite's to
		# remove, unless the scope names them
		ids=$(docker ps -a "${sel[@]}" --format '{{.ID}} {{.Names}} {{.Label "gestor.test"}}' |
			awk -v s="${scope%%=*}" -v f="$filter" -v a="$aname" \
				'(f != "label=gestor.role=admin_logs" || $2 == a) && (NF == 2 || s == "gestor.test") { print $1 }')
		if [ -n "$ids" ]; then
			n=$(wc -w <<<"$ids")
			what="$filter${scope:+ and label=$scope}"
			[ "$filter" = label=gestor.role=admin_logs ] && what="$filter named $aname"
			# shellcheck disable=SC2086 # one word per id
			docker rm "${rmflags[@]}" $ids >/dev/null && echo "stop: removed $n container(s) with $what"
		fi
	done
else
	echo "stop: Docker is not answering; no containers removed"
fi
echo "stop: done (data kept in /var/lib/gestor)"
