# lib_server.sh — start/stop an admin_logs server for the suites (source it
# after tests/lib.sh). The server listens on 127.0.0.1 port 0; the bound
# port comes back through --port-file. Its stdout (the access log) and
# stderr go to files in the suite's work directory.
#
#   al_start DIR [flags...]   start on $AL_DB (default DIR/gestor.db; a
#                             postgresql:// URL for PostgreSQL); sets AL_PID,
#                             AL_PORT, AL_URL
#   al_sql DIR SQL            run SQL in the server's database (sqlite3 or psql)
#   al_stop                   SIGTERM and wait; returns the server's exit status
#   al_kill9                  SIGKILL and reap
# AL_BIN picks the binary (default: the ASan build when present).

AL_BIN=${AL_BIN:-}
if [ -z "$AL_BIN" ]; then
	if [ -x "$GESTOR_BUILD/asan/bin/admin_logs" ]; then
		AL_BIN=$GESTOR_BUILD/asan/bin/admin_logs
	else
		AL_BIN=$GESTOR_BIN/admin_logs
	fi
fi
AL_PID=
AL_PORT=
AL_URL=

al_start() {
	local dir=$1
	shift
	[ -x "$AL_BIN" ] || fail "admin_logs is not built ($AL_BIN): run make"
	rm -f "$dir/port"
	"$AL_BIN" --port 0 --port-file "$dir/port" --db "${AL_DB:-$dir/gestor.db}" "$@" \
		>>"$dir/stdout.log" 2>>"$dir/stderr.log" &
	AL_PID=$!
	wait_for 20 test -s "$dir/port" || {
		cat "$dir/stderr.log"
		fail "admin_logs did not start"
	}
	AL_PORT=$(cat "$dir/port")
	AL_URL=http://127.0.0.1:$AL_PORT
}

al_sql() {
	case ${AL_DB:-} in
	postgres*) psql -X -q -At -v ON_ERROR_STOP=1 "$AL_DB" -c "$2" ;;
	*) sqlite3 "${AL_DB:-$1/gestor.db}" "$2" ;;
	esac
}

al_stop() {
	local rc=0
	[ -n "$AL_PID" ] || return 0
	kill -TERM "$AL_PID" 2>/dev/null
	wait "$AL_PID" || rc=$?
	AL_PID=
	return $rc
}

al_kill9() {
	[ -n "$AL_PID" ] || return 0
	kill -KILL "$AL_PID" 2>/dev/null
	wait "$AL_PID" 2>/dev/null
	AL_PID=
}

# al_curl ARGS...: curl with a time limit, body to stdout; "\n<status>" appended
al_curl() {
	curl -s --max-time 20 -w '\n%{http_code}' "$@"
}
# status of the last line of al_curl output; body is the rest
al_status() { tail -n1 <<<"$1"; }
al_body() { sed '$d' <<<"$1"; }
