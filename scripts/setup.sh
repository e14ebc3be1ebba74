#!/usr/bin/env bash
# setup.sh — make this Debian 12 machine ready to build, run, test or
# benchmark gestor.
#
# Installs with apt-get only the packages that are missing (one `apt-get
# update` at most, and only when something is missing), starts dockerd in the
# background when nothing answers on /var/run/docker.sock (waiting up to
# 60 s), and starts cron when it is not running. On a ready machine it changes
# nothing and returns in well under 2 s. Every failure says what failed and
# what to do; the script never stops without a word.
#
# Package sets (each includes the one before it):
#   run    what `make run` needs: compilers (clang for the BPF source),
#          libraries (libbpf among them), bpftool, docker.io, cron,
#          debootstrap (the admin_logs base image), and the headers of the
#          running kernel when this kernel can load modules
#   test   + what `make test` needs: cmocka, sanitizers, linters, qemu and
#          Debian's kernel for the module's VM suites, gnuplot, python3, ...
#   bench  + the benchmarks' tools and the reference design (wrk, hyperfine,
#          fastapi/uvicorn, matplotlib)
#
# Usage: scripts/setup.sh [--for run|test|bench] [--no-docker] [--no-cron]
#                         [--quiet] [--list]
#   --list   print the packages of the chosen set and exit
set -euo pipefail

say() { [ "$quiet" = 1 ] || echo "setup: $*"; }
die() {
	echo "setup: error: $*" >&2
	exit 1
}
# Anything that fails without its own message still says where and why.
trap 'rc=$?; echo "setup: error: \"$BASH_COMMAND\" failed (exit $rc) at line $LINENO of $0" >&2; exit $rc' ERR

want_docker=1 want_cron=1 quiet=0 set=test list=0
while [ $# -gt 0 ]; do
	case "$1" in
	--for)
		[ $# -ge 2 ] || die "--for needs run, test or bench"
		set=$2
		shift
		;;
	--for=*) set=${1#--for=} ;;
	--no-docker) want_docker=0 ;;
	--no-cron) want_cron=0 ;;
	--quiet) quiet=1 ;;
	--list) list=1 ;;
	-h | --help)
		sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown option '$1' (see $0 --help)" ;;
	esac
	shift
done
case "$set" in run | test | bench) ;; *) die "--for takes run, test or bench, not '$set'" ;; esac

command -v dpkg-query >/dev/null || die "this script needs Debian 12 (dpkg-query not found)"

# What `make run` needs on the host.
RUN_PKGS=(
	build-essential pkg-config
	libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev libsqlite3-dev libinih-dev
	libpq-dev
	# servicio drops to its own user with only the capabilities it needs
	libcap-dev
	# sd_notify (servicio as a Type=notify systemd service)
	libsystemd-dev
	# servicio top: the live terminal view
	libncurses-dev
	docker.io cron curl ca-certificates procps kmod iproute2
	debootstrap
	# the BPF metrics source (kernel/bpf/): compiler, libbpf, bpftool for
	# vmlinux.h and the skeleton
	clang llvm libbpf-dev bpftool
	# the live dashboard's charts, copied into the admin_logs image
	libjs-dygraphs
)
# What only the test suites and linters need.
TEST_PKGS=(
	libclang-rt-14-dev libcmocka-dev
	# make coverage: line and branch coverage from gcov's counts
	gcovr
	sqlite3 jq gnuplot-nox python3 file
	# tests/servicio/top: servicio top driven in a terminal (send-keys, capture-pane)
	tmux
	# hardening/slow (slow HTTP attacks) and hardening/auth (a self-signed certificate)
	slowhttptest openssl
	# hardening/trust_caps: getpcaps of the dropped servicio
	libcap2-bin
	# the PostgreSQL back end's suites start a server of their own
	postgresql-15
	# the module's VM suites: Debian's kernel, its headers, qemu, busybox
	linux-headers-amd64 linux-image-amd64 qemu-system-x86 busybox-static cpio e2fsprogs
	cppcheck clang-tidy clang-format valgrind sparse linux-source-6.1
	# make test-debug-kernel builds a kernel from linux-source-6.1 (with BTF: pahole)
	flex bison bc libelf-dev dwarves
	# tests/observe: a real Prometheus scraping /metrics (promtool too), the
	# dashboard in a real headless browser
	prometheus chromium chromium-driver python3-selenium
	# tests/install: make install's man pages, the Debian packages and their
	# lint, the unit's systemd-analyze score
	help2man man-db debhelper dh-dkms dkms lintian systemd
)
# What only the benchmarks need (the original Python design among them).
BENCH_PKGS=(python3-fastapi python3-uvicorn python3-matplotlib wrk hyperfine
	# bench/observe.sh: what operators would otherwise run beside servicio
	netdata prometheus-node-exporter)

PKGS=("${RUN_PKGS[@]}")
[ "$set" = run ] || PKGS+=("${TEST_PKGS[@]}")
[ "$set" = bench ] && PKGS+=("${BENCH_PKGS[@]}")

# This kernel's headers, for building the module on the machine that runs it:
# only when this kernel can load modules at all, and only when they are not
# already there (a custom kernel may have them without a package).
can_load_modules() {
	[ -e /proc/modules ] && [ "$(cat /proc/sys/kernel/modules_disabled 2>/dev/null || echo 0)" != 1 ]
}
kheaders=
if can_load_modules && [ ! -e "/lib/modules/$(uname -r)/build" ]; then
	kheaders=linux-headers-$(uname -r)
fi

if [ "$list" = 1 ]; then
	printf '%s\n' "${PKGS[@]}" ${kheaders:+"$kheaders"}
	exit 0
fi
[ "$(id -u)" = 0 ] || die "must run as root (try: sudo $0, or run it as root)"

# One dpkg-query for all of them. It exits 1 when any name is unknown or not
# installed, which is the normal case on a new machine, so its status is not
# an error here: "missing" is every name not reported as installed.
status=$(dpkg-query -W -f='${db:Status-Status}:${Package}\n' "${PKGS[@]}" 2>/dev/null || true)
installed=" $(printf '%s\n' "$status" | sed -n 's/^installed://p' | tr '\n' ' ') "
missing=()
for p in "${PKGS[@]}"; do
	[[ "$installed" == *" $p "* ]] || missing+=("$p")
done

apt_updated=0
apt_update() {
	[ "$apt_updated" = 1 ] && return 0
	# mktemp: root never writes to a name another user could have made first
	local ulog
	ulog=$(mktemp "${TMPDIR:-/tmp}/gestor-apt-update.XXXXXX") || die "cannot create a temporary file"
	apt-get update -qq --error-on=any >"$ulog" 2>&1 || {
		tail -n 5 "$ulog" >&2
		die "apt-get update failed: is a Debian mirror reachable? (/etc/apt/sources.list*; log $ulog)"
	}
	rm -f "$ulog"
	apt_updated=1
}

if [ -n "$kheaders" ]; then
	apt_update
	if apt-cache show "$kheaders" >/dev/null 2>&1; then
		missing+=("$kheaders")
	else
		echo "setup: warning: no package $kheaders for this kernel: the module will not be built, and servicio will use another metrics source" >&2
	fi
fi

# apt's status lines (APT::Status-Fd) as one line per tenth of the download
# and of the installation: a first run takes minutes and says how far it is
apt_progress() {
	local kind pct last_dl=-1 last_pm=-1 p
	while IFS=: read -r kind _ pct _; do
		p=${pct%%.*}
		[[ "$p" =~ ^[0-9]+$ ]] || continue
		case "$kind" in
		dlstatus) ((p / 10 > last_dl)) && last_dl=$((p / 10)) && echo "setup: downloading: $((last_dl * 10)) %" ;;
		pmstatus) ((p / 10 > last_pm)) && last_pm=$((p / 10)) && echo "setup: installing: $((last_pm * 10)) %" ;;
		esac
	done
	# the loop's status is its last test's: under pipefail a false one would
	# fail the pipeline although apt-get succeeded
	return 0
}

if [ "${#missing[@]}" -gt 0 ]; then
	# said even with --quiet: this is the part that takes minutes
	echo "setup: installing ${#missing[@]} missing package(s) for '$set': ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt_update
	# how much: every package apt will add (dependencies too) and the download
	plan=$(apt-get install -s --no-install-recommends "${missing[@]}" 2>/dev/null | grep -c '^Inst ') || plan='?'
	# (--assume-no answers the question and exits 1: not a failure here)
	size=$({ apt-get install --assume-no --no-install-recommends "${missing[@]}" 2>/dev/null || true; } |
		sed -n 's/^Need to get \([^ ]* [kMG]*B\)\(\/[^ ]* [kMG]*B\)\{0,1\} of archives.*/\1/p') || size=
	echo "setup: that is $plan package(s) with their dependencies, ${size:-nothing} to download"
	log=$(mktemp "${TMPDIR:-/tmp}/gestor-apt-install.XXXXXX") || die "cannot create a temporary file"
	if ! apt-get install -y -q --no-install-recommends -o APT::Status-Fd=3 "${missing[@]}" 3>&1 >"$log" 2>&1 |
		apt_progress; then
		tail -n 15 "$log" >&2
		die "apt-get install failed for: ${missing[*]} (full log: $log)"
	fi
	rm -f "$log"
	echo "setup: installed $plan package(s)"
else
	say "all ${#PKGS[@]} packages present (set '$set')"
fi

. "$(dirname "$0")/docker-up.sh"

if [ "$want_docker" = 1 ] && ! docker_up; then
	say "starting dockerd (log: /var/log/gestor-dockerd.log)"
	mkdir -p /var/log
	dockerd_bin=$(command -v /usr/sbin/dockerd dockerd 2>/dev/null | head -n1 || true)
	[ -n "$dockerd_bin" ] || die "dockerd not found after installing docker.io"
	# setsid so it survives the caller's session.
	setsid "$dockerd_bin" >>/var/log/gestor-dockerd.log 2>&1 </dev/null &
	for _ in $(seq 1 120); do
		docker_up && break
		sleep 0.5
	done
	docker_up || {
		tail -n 10 /var/log/gestor-dockerd.log >&2
		die "dockerd did not answer on /var/run/docker.sock within 60 s; see /var/log/gestor-dockerd.log"
	}
	say "dockerd is up"
fi

if [ "$want_cron" = 1 ] && ! pgrep -x cron >/dev/null 2>&1; then
	say "starting cron"
	if command -v service >/dev/null 2>&1 && service cron start >/dev/null 2>&1; then :; else
		setsid /usr/sbin/cron </dev/null >/dev/null 2>&1 || die "could not start cron (/usr/sbin/cron)"
	fi
	for _ in 1 2 3 4 5 6 7 8 9 10; do pgrep -x cron >/dev/null && break; sleep 0.2; done
	pgrep -x cron >/dev/null || die "cron did not start"
fi
exit 0
