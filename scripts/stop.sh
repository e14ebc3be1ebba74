#!/usr/bin/env bash
# stop.sh — `make stop`: clean up after a run that was killed.
#
# Stops a servicio that is still running (SIGTERM, so it cleans up itself),
# then removes what a run leaves behind: the containers it manages (label
# gestor.managed=true), the admin_logs container (label gestor.role=admin_logs),
# and the project's cron lines (scripts/cron.sh remove, which keeps every other
# line of the crontab). Nothing else is touched: not unlabelled containers,
# not the images, not the data in /var/lib/gestor (logs database and report).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$PWD/build}

pids=$(pgrep -f "^$BUILD/bin/servicio( |\$)" || true)
if [ -n "$pids" ]; then
	echo "stop: asking servicio ($pids) to stop"
	kill -TERM $pids 2>/dev/null || true
	for _ in $(seq 1 100); do
		pgrep -f "^$BUILD/bin/servicio( |\$)" >/dev/null || break
		sleep 0.1
	done
	pgrep -f "^$BUILD/bin/servicio( |\$)" >/dev/null && { echo "stop: servicio did not stop in 10 s; killing it"; pkill -KILL -f "^$BUILD/bin/servicio( |\$)"; }
fi

scripts/cron.sh remove

if curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1; then
	for filter in label=gestor.managed=true label=gestor.role=admin_logs; do
		ids=$(docker ps -aq --filter "$filter")
		if [ -n "$ids" ]; then
			n=$(wc -w <<<"$ids")
			docker rm -f $ids >/dev/null && echo "stop: removed $n container(s) with $filter"
		fi
	done
else
	echo "stop: Docker is not answering; no containers removed"
fi
echo "stop: done (data kept in /var/lib/gestor)"
