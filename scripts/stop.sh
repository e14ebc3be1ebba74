#!/usr/bin/env bash
# stop.sh — `make stop`: clean up after a run that was killed.
#
# Refuses while a servicio is still running (Ctrl+C cleans up by itself);
# otherwise removes what a run leaves behind: the containers it manages
# (label gestor.managed=true), the admin_logs container (label
# gestor.role=admin_logs), and the project's cron lines (scripts/cron.sh
# remove, which keeps every other line of the crontab). Nothing else is
# touched: not unlabelled containers, not containers of a running test suite
# (label gestor.test), not the images, not the data in /var/lib/gestor (logs
# database and report).
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

if curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1; then
	for filter in label=gestor.managed=true label=gestor.role=admin_logs; do
		# containers of a test suite (label gestor.test) are the suite's to remove
		ids=$(docker ps -a --filter "$filter" --format '{{.ID}} {{.Label "gestor.test"}}' | awk 'NF == 1 { print $1 }')
		if [ -n "$ids" ]; then
			n=$(wc -w <<<"$ids")
			# shellcheck disable=SC2086 # one word per id
			docker rm -f $ids >/dev/null && echo "stop: removed $n container(s) with $filter"
		fi
	done
else
	echo "stop: Docker is not answering; no containers removed"
fi
echo "stop: done (data kept in /var/lib/gestor)"
