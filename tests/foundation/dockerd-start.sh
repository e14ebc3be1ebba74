#!/usr/bin/env bash
# dockerd-start suite — with dockerd stopped, scripts/setup.sh starts it
# and `docker info` answers. Stopping the daemon stops every container on
# the machine, so it runs only in CI or with GESTOR_DISRUPTIVE=1.
# timeout: 300
# alone: yes
. "$(dirname "$0")/../lib.sh"
need_root
[ "${CI:-}" = true ] || [ "${GESTOR_DISRUPTIVE:-}" = 1 ] ||
	skip "stops dockerd: runs only in CI or with GESTOR_DISRUPTIVE=1"
need_docker

pid=$(pgrep -xo dockerd) || skip "dockerd is not a process here (managed elsewhere)"
kill "$pid"
wait_for 30 bash -c '! pgrep -x dockerd >/dev/null' || fail "dockerd did not stop"
check "daemon is down" bash -c '! curl -sf --max-time 2 --unix-socket /var/run/docker.sock http://d/_ping'
"$GESTOR_TOP/scripts/setup.sh" --quiet
check "setup.sh succeeded" [ $? = 0 ]
check "docker info answers" docker info
finish
