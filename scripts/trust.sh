# trust.sh — sourced by the scripts root runs (cron.sh, module.sh, run.sh,
# setup.sh): the shell half of "root runs only root's files" and of the
# private run directory. servicio's half is lib/trust.c; both apply the
# same rules, documented in docs/servicio.md ("What root runs").
#
#   gestor_trusted PATH   exit 0 when PATH (symbolic links resolved) and
#                         every directory above it are owned by root and
#                         not group- or world-writable (a directory above
#                         it may be, with the sticky bit: /tmp); else 1, with one
#                         line on stdout saying which path and why. Prints
#                         the resolved path on fd 3 when fd 3 is open.
#   gestor_rundir         makes $GESTOR_RUN_DIR (default /run/gestor) root's
#                         and 0700, or refuses one that exists with another
#                         owner, mode or type (exit 1, the reason on stdout);
#                         prints nothing on success.
# shellcheck shell=bash

GESTOR_RUN_DIR=${GESTOR_RUN_DIR:-/run/gestor}

gestor_trusted() {
	local p=$1 r d st u m
	r=$(realpath -e -- "$p" 2>/dev/null) || {
		echo "$p: does not exist"
		return 1
	}
	d=$r
	while :; do
		st=$(stat -c '%u %a' -- "$d" 2>/dev/null) || {
			echo "$d: cannot stat it"
			return 1
		}
		u=${st% *} m=${st#* }
		if [ "$u" != 0 ]; then
			echo "refused $r: $d is owned by uid $u, not root (root runs only root's files:" \
				"put gestor in a root-owned directory such as /usr/local/lib/gestor and run it from there)"
			return 1
		fi
		# a root-owned sticky directory above the file (/tmp) is fine: others
		# cannot rename or remove root's entries in it
		if (((8#$m & 8#022) != 0)) && ! { [ "$d" != "$r" ] && (((8#$m & 8#1000) != 0)); }; then
			echo "refused $r: $d is group- or world-writable (mode $m; root runs only files" \
				"no other user can change: chmod go-w it, or install gestor to /usr/local/lib/gestor)"
			return 1
		fi
		[ "$d" = / ] && break
		d=$(dirname -- "$d")
	done
	{ printf '%s\n' "$r" >&3; } 2>/dev/null
	return 0
}

gestor_rundir() {
	local d=$GESTOR_RUN_DIR st
	if [ ! -e "$d" ] && [ ! -L "$d" ]; then
		# /run is root's: nobody else can make the name in between
		mkdir -m 0700 -- "$d" 2>/dev/null || [ -d "$d" ] || {
			echo "cannot create $d"
			return 1
		}
	fi
	if [ -L "$d" ] || [ ! -d "$d" ]; then
		echo "refused $d: it is not a directory (a symbolic link or a file is in its place; remove it)"
		return 1
	fi
	st=$(stat -c '%u %a' -- "$d")
	if [ "$st" != "0 700" ]; then
		echo "refused $d: owned by uid ${st% *} with mode ${st#* }; it must be root's and 0700" \
			"(remove it, or chown root:root and chmod 700 it)"
		return 1
	fi
	return 0
}
