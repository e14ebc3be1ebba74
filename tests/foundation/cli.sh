#!/usr/bin/env bash
# cli.sh — the command line ends alike in every gestor program (lib/opts.h
# opts_prog_exit): --help and -h print the usage on stdout (nothing on
# stderr) in one layout ("Usage: NAME ...", a blank line, the description,
# a blank line, "Options ...:" then the options) and exit 0, even beside a
# bad value; a usage error (unknown option, bad value, stray argument)
# prints "NAME: why" on stderr (nothing on stdout) and exits 2; --version
# prints "NAME VERSION" and exits 0. Checked on servicio, servicio stats,
# servicio top and admin_logs with the same function.
# parallel: yes
# timeout: 120
. "$(dirname "$0")/../lib.sh"
SV=$GESTOR_BUILD/asan/bin/servicio
[ -x "$SV" ] || SV=$GESTOR_BIN/servicio
AL=$GESTOR_BUILD/asan/bin/admin_logs
[ -x "$AL" ] || AL=$GESTOR_BIN/admin_logs
[ -x "$SV" ] && [ -x "$AL" ] || fail "no servicio or admin_logs binary (make test-bins)"
tmp=$(mktemp -d /tmp/gestor-cli.XXXXXX)
on_exit "rm -rf '$tmp'"
# the environment must not decide: no INI file, no variables
export GESTOR_CONFIG=/dev/null ADMIN_LOGS_CONFIG=/dev/null

run() { "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; echo $? >"$tmp/rc"; }
rc_is() { [ "$(cat "$tmp/rc")" = "$1" ]; }

# help NAME CMD...: CMD --help (and -h, and --help after a bad value) as described above
help_ok() {
	local name=$1 flag
	shift
	for flag in --help -h; do
		run "$@" "$flag"
		rc_is 0 && [ ! -s "$tmp/err" ] || return 1
		# the synopsis (its first line "Usage: NAME [OPTION]...", more indented),
		# a blank line, the description, a blank line, "Options...:", the options
		awk -v name="$name" '
			st == 0 { if (index($0, "Usage: " name " [OPTION]...") != 1) exit 1; st = 1; next }
			st == 1 && /^ / { next }
			st == 1 && $0 == "" { st = 2; next }
			st == 2 && /^[^ ]/ { st = 3; next }
			st == 3 && /^[^ ]/ { next }
			st == 3 && $0 == "" { st = 4; next }
			st == 4 { if ($0 !~ /^Options( \(precedence: .*\))?:$/) exit 1; st = 5; next }
			st == 5 && /^  --help  +print this help and exit$/ { st = 6 }
			END { exit st != 6 }' "$tmp/out" || return 1
	done
	# --help wins over a bad value elsewhere on the line
	run "$@" --interval nonsense --help
	rc_is 0 && grep -q "^Usage: $name " "$tmp/out"
}

# usage_err NAME CMD...: CMD's unknown option, stray argument, bad value
usage_err() {
	local name=$1 bad
	shift
	for bad in --no-such-option stray '--interval=nonsense'; do
		run "$@" "$bad"
		rc_is 2 && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
			grep -q "^$name: " "$tmp/err" || { cat "$tmp/err" >&2; return 1; }
	done
}

# admin_logs has no --interval: its bad value is --port's
al() { "$AL" "${@/--interval/--port}"; }

check "servicio --help: usage on stdout, exit 0, the common layout" help_ok servicio "$SV"
check "admin_logs --help: the same" help_ok admin_logs al
check "servicio stats --help: the same" help_ok "servicio stats" "$SV" stats
check "servicio top --help: the same" help_ok "servicio top" "$SV" top
check "servicio: a usage error is one line 'servicio: why' on stderr, exit 2" usage_err servicio "$SV"
check "admin_logs: the same" usage_err admin_logs al
check "servicio stats: the same" usage_err "servicio stats" "$SV" stats
check "servicio top: the same" usage_err "servicio top" "$SV" top
v=$(sed -n '1s/.*(\([^)]*\)).*/\1/p' "$GESTOR_TOP/debian/changelog")
check "--version: 'servicio $v' and 'admin_logs $v'" \
	bash -c "[ \"\$('$SV' --version)\" = 'servicio $v' ] && [ \"\$('$AL' --version)\" = 'admin_logs $v' ]"
check "both list their environment variables in the precedence line" bash -c "
	'$SV' --help | grep -qx 'Options (precedence: flag > environment GESTOR_<NAME> > INI file > default):' &&
	'$AL' --help | grep -qx 'Options (precedence: flag > environment ADMIN_LOGS_<NAME> > INI file > default):'"
finish
