#!/usr/bin/env bash
# setup.sh — make this Debian 12 machine ready to build, test and run gestor.
#
# Idempotent: installs with apt-get only the packages that are missing (one
# `apt-get update` at most, and only when something is missing), starts
# dockerd in the background when nothing answers on /var/run/docker.sock
# (waiting up to 60 s), and starts cron when it is not running. On a ready
# machine it changes nothing and returns in well under 2 s.
#
# Usage: scripts/setup.sh [--no-docker] [--no-cron] [--quiet]
set -euo pipefail

want_docker=1 want_cron=1 quiet=0
for a in "$@"; do
	case "$a" in
	--no-docker) want_docker=0 ;;
	--no-cron) want_cron=0 ;;
	--quiet) quiet=1 ;;
	-h | --help)
		sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "setup: unknown option '$a'" >&2
		exit 2
		;;
	esac
done

say() { [ "$quiet" = 1 ] || echo "setup: $*"; }
die() {
	echo "setup: error: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (try: sudo $0)"
command -v dpkg-query >/dev/null || die "this script needs Debian (dpkg-query not found)"

# Every Debian package the project uses, by purpose.
PKGS=(
	# build
	build-essential pkg-config clang llvm libclang-rt-14-dev
	# libraries
	libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev libsqlite3-dev
	libcmocka-dev libinih-dev sqlite3 jq
	# runtime: docker, cron, graphs, http
	docker.io cron gnuplot-nox curl ca-certificates procps kmod iproute2
	# kernel module: headers, a real kernel to boot, initramfs tools
	linux-headers-amd64 linux-image-amd64 qemu-system-x86 busybox-static cpio
	# local Debian base image for admin_logs
	debootstrap
	# linters and checkers
	cppcheck clang-tidy clang-format valgrind sparse linux-source-6.1
	# benchmark reference implementation (the original Python design)
	python3-fastapi python3-uvicorn wrk hyperfine python3-matplotlib
)

# One dpkg-query for all of them; a package dpkg has never heard of prints
# nothing, so "missing" is every name not reported as installed.
installed=" $(dpkg-query -W -f='${db:Status-Status}:${Package}\n' "${PKGS[@]}" 2>/dev/null |
	sed -n 's/^installed://p' | tr '\n' ' ') "
missing=()
for p in "${PKGS[@]}"; do
	[[ "$installed" == *" $p "* ]] || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	say "installing ${#missing[@]} missing package(s): ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed (is a Debian mirror reachable?)"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install failed for: ${missing[*]}"
else
	say "all ${#PKGS[@]} packages present"
fi

docker_up() { [ -S /var/run/docker.sock ] && curl -sf --max-time 2 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1; }

if [ "$want_docker" = 1 ] && ! docker_up; then
	say "starting dockerd (log: /var/log/gestor-dockerd.log)"
	mkdir -p /var/log
	# Prefer Debian's daemon; setsid so it survives the caller's session.
	dockerd_bin=$(command -v /usr/sbin/dockerd dockerd 2>/dev/null | head -n1)
	[ -n "$dockerd_bin" ] || die "dockerd not found after install"
	setsid "$dockerd_bin" >>/var/log/gestor-dockerd.log 2>&1 </dev/null &
	for _ in $(seq 1 120); do
		docker_up && break
		sleep 0.5
	done
	docker_up || die "dockerd did not answer on /var/run/docker.sock within 60 s; see /var/log/gestor-dockerd.log"
	say "dockerd is up"
fi

if [ "$want_cron" = 1 ] && ! pgrep -x cron >/dev/null 2>&1; then
	say "starting cron"
	if command -v service >/dev/null 2>&1 && service cron start >/dev/null 2>&1; then :; else
		setsid /usr/sbin/cron </dev/null >/dev/null 2>&1 || die "could not start cron"
	fi
	pgrep -x cron >/dev/null || die "cron did not start"
fi
exit 0
