# docker-up.sh — sourced, not run: docker_up [SECONDS] is true when a Docker
# daemon answers its API's /_ping on /var/run/docker.sock within SECONDS
# (default 3). Bounded on purpose: `docker info` was seen to hang for minutes
# on a busy daemon while the API answered, and a caller must never hang.
# One definition for scripts/setup.sh, scripts/stop.sh, tests/lib.sh and
# tests/run.sh.
# shellcheck shell=bash
docker_up() {
	[ -S /var/run/docker.sock ] &&
		curl -sf --max-time "${1:-3}" --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1
}
