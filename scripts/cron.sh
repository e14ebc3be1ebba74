#!/usr/bin/env bash
# cron.sh — puts into root's crontab (or takes out) the job that runs
# contenedores.sh every 30 seconds.
#
# cron has minute granularity, so the job is two lines: one runs at the
# minute, the other after `sleep 30`. Both end with the marker "# gestor-cron"
# (the shell that cron starts reads it as a comment) so they can be found
# again; every other line of the crontab is left exactly as it was. install
# refuses a contenedores.sh that root does not own, or that sits under a
# directory another user could change (scripts/trust.sh says which and why). Each run
# appends its output to a log file, and gets the marker in GESTOR_CRON_GUARD so
# that it stops creating containers as soon as the pair is removed. Edits are serialized with flock(1), since
# the manager, the tests and a user may call this at the same time.
#
# Usage: scripts/cron.sh install|remove|status
#   install  (re)writes the pair of lines (twice leaves one pair); creates the
#            log directory; prints the lines
#   remove   deletes the marked lines only; a crontab left empty is removed
#   status   prints "installed" and the lines (exit 0) or "not installed"
#            (exit 1)
# Environment:
#   GESTOR_CRON_LOG   log file of the runs (default /var/log/gestor/contenedores.log)
#   GESTOR_CRON_ID    names one independent pair: marker "# gestor-cron:<id>"
#                     (tests use it so they never touch the manager's pair)
#   GESTOR_CRONTAB_FILE  edit this file instead of root's crontab (tests)
#   GESTOR_CRON_LOCK  lock file (default /run/gestor/cron.lock, in root's 0700
#                     run directory: no other user can create or hold it)
#   GESTOR_COUNT, GESTOR_MEM_MB, GESTOR_CPU_PCT, GESTOR_TEST_LABEL,
#   GESTOR_MAX_CONTAINERS, GESTOR_MEM_RESERVE_MB, GESTOR_IMAGE_PREFIX,
#   GESTOR_DOCKER_TIMEOUT, DOCKER_HOST: when set at
#                     install time they are written into the cron lines and so
#                     passed to every run of contenedores.sh
# Exit status: 0 done (status: installed); 1 status: not installed;
# 2 usage or environment error.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}
export LC_ALL=C

prog=cron.sh
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
job=$top/contenedores.sh
# shellcheck source=scripts/trust.sh
. "$top/scripts/trust.sh" || exit 2
passthrough=(GESTOR_COUNT GESTOR_MEM_MB GESTOR_CPU_PCT GESTOR_TEST_LABEL
	GESTOR_MAX_CONTAINERS GESTOR_MEM_RESERVE_MB GESTOR_IMAGE_PREFIX
	GESTOR_DOCKER_TIMEOUT DOCKER_HOST)

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 2
}
usage() {
	sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}
# Words written into a cron line must need no quoting for /bin/sh and must
# not hold '%' (cron turns it into a newline).
safe_word() { [[ "$1" =~ ^[A-Za-z0-9._/:,+=@-]+$ ]]; }

cmd=${1:-}
case $cmd in
install | remove | status) ;;
-h | --help | help)
	usage
	exit 0
	;;
'') die "usage: $prog install|remove|status (try -h)" ;;
*) die "unknown command '$cmd' (try -h)" ;;
esac
[ $# -le 1 ] || die "unexpected argument '$2'"

marker="# gestor-cron"
if [ -n "${GESTOR_CRON_ID:-}" ]; then
	[[ "$GESTOR_CRON_ID" =~ ^[A-Za-z0-9._-]{1,64}$ ]] ||
		die "GESTOR_CRON_ID must be 1-64 characters of [A-Za-z0-9._-]"
	marker="# gestor-cron:$GESTOR_CRON_ID"
fi
logfile=${GESTOR_CRON_LOG:-/var/log/gestor/contenedores.log}
file=${GESTOR_CRONTAB_FILE:-}
lock=${GESTOR_CRON_LOCK:-${file:+$file.lock}}

if [ -z "$file" ]; then
	[ "$(id -u)" = 0 ] || die "only root may edit root's crontab (run with sudo)"
	command -v crontab >/dev/null 2>&1 || die "crontab is not installed (apt-get install cron)"
fi
command -v flock >/dev/null 2>&1 || die "flock is not installed (util-linux)"

if [ -z "$lock" ]; then
	why=$(gestor_rundir) || die "$why"
	lock=$GESTOR_RUN_DIR/cron.lock
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gestor-cron.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$(dirname "$lock")" 2>/dev/null
exec 9>>"$lock" || die "cannot open the lock file $lock"
flock -w 60 9 || die "another edit of the crontab holds $lock for over 60 s"

# read_crontab: the current crontab into $tmp/cur; had=1 when there is one
had=0
read_crontab() {
	if [ -n "$file" ]; then
		if [ -e "$file" ]; then
			cat -- "$file" >"$tmp/cur" || die "cannot read $file"
			had=1
		else
			: >"$tmp/cur"
		fi
		return
	fi
	if crontab -u root -l >"$tmp/cur" 2>"$tmp/err"; then
		had=1
	elif grep -q '^no crontab for' "$tmp/err"; then
		: >"$tmp/cur"
	else
		die "cannot read root's crontab: $(tail -n1 "$tmp/err")"
	fi
}
# write_crontab FILE: makes FILE the crontab (an empty FILE removes it)
write_crontab() {
	if [ -n "$file" ]; then
		if [ -s "$1" ] || [ "$had" = 1 ]; then
			cp -- "$1" "$file.gestor-tmp" && mv -f -- "$file.gestor-tmp" "$file" ||
				die "cannot write $file"
		fi
		return 0
	fi
	if [ -s "$1" ]; then
		crontab -u root "$1" 2>"$tmp/err" || die "crontab refused the new table: $(tail -n1 "$tmp/err")"
	elif [ "$had" = 1 ]; then
		crontab -u root -r 2>"$tmp/err" || die "cannot remove root's crontab: $(tail -n1 "$tmp/err")"
	fi
}
# without_marker IN OUT: IN minus the lines that end with " $marker", every
# other line byte for byte
without_marker() {
	awk -v m=" $marker" '
		{ n = length($0) - length(m) + 1 }
		n >= 1 && substr($0, n) == m { next }
		{ print }' "$1" >"$2"
}

read_crontab
case $cmd in
status)
	awk -v m=" $marker" '{ n = length($0) - length(m) + 1 } n >= 1 && substr($0, n) == m' \
		"$tmp/cur" >"$tmp/ours"
	n=$(wc -l <"$tmp/ours")
	if [ "$n" = 2 ]; then
		echo "installed"
		cat "$tmp/ours"
		exit 0
	elif [ "$n" = 0 ]; then
		echo "not installed"
	else
		echo "partially installed ($n marked lines; run install or remove)"
		cat "$tmp/ours"
	fi
	exit 1
	;;
remove)
	without_marker "$tmp/cur" "$tmp/new"
	if cmp -s "$tmp/cur" "$tmp/new"; then
		echo "not installed: nothing to remove"
		exit 0
	fi
	write_crontab "$tmp/new"
	echo "removed the gestor cron lines ($marker)"
	exit 0
	;;
esac

# install
[ -x "$job" ] || die "$job is missing or not executable"
why=$(gestor_trusted "$job") || die "$why"
safe_word "$job" || die "the path $job cannot go into a cron line (use only [A-Za-z0-9._/-])"
safe_word "$logfile" || die "GESTOR_CRON_LOG=$logfile cannot go into a cron line"
[[ "$logfile" == /* ]] || die "GESTOR_CRON_LOG must be an absolute path"
env_words=""
for v in "${passthrough[@]}"; do
	[ -n "${!v:-}" ] || continue
	safe_word "${!v}" || die "$v='${!v}' cannot go into a cron line"
	env_words+="$v=${!v} "
done
mkdir -p "$(dirname "$logfile")" || die "cannot create the log directory $(dirname "$logfile")"
# GESTOR_CRON_GUARD: the run itself stops between two containers once the
# pair is gone (a run still going on when servicio stops adds nothing more)
run="${env_words}GESTOR_CRON_GUARD=${marker#\# } $job >>$logfile 2>&1"
without_marker "$tmp/cur" "$tmp/new"
{
	printf '* * * * * %s %s\n' "$run" "$marker"
	# cron started the sleep at the minute: if the pair was removed meanwhile
	# (servicio stopped), the second half must not run any more
	printf "* * * * * sleep 30; crontab -l 2>/dev/null | grep -qE -- ' %s\$' && %s %s\n" \
		"$marker" "$run" "$marker"
} >>"$tmp/new"
write_crontab "$tmp/new"
echo "installed: contenedores.sh runs every 30 s, log $logfile"
tail -n 2 "$tmp/new"
[ -n "$file" ] || pgrep -x cron >/dev/null 2>&1 || echo "$prog: warning: no cron daemon is running" >&2
exit 0
