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

# al_kill9_rounds DIR PREFIX WAIT [SENDERS]: three rounds of load (load.py,
# SENDERS senders, default 8, 10 records per batch) on the server's
# database, each killed with -9 once 50, 100, 150 more batches were
# acknowledged (waiting up to WAIT s), at 0.3, 0.6, 0.9 s of load;
# DIR/acked collects every acknowledged batch_id
al_kill9_rounds() {
	local dir=$1 prefix=$2 wait=$3 senders=${4:-8} round lp base
	touch "$dir/acked"
	base=$(wc -l <"$dir/acked")
	for round in 1 2 3; do
		al_start "$dir" --quiet
		/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/load.py" --port "$AL_PORT" --threads "$senders" \
			--records 10 --seconds 30 --acked "$dir/acked" --prefix "$prefix$round" >"$dir/load.$prefix$round" &
		lp=$!
		sleep "0.$((round * 3))"
		wait_for "$wait" bash -c '[ "$(wc -l <"$1")" -ge $2 ]' _ "$dir/acked" $((base + round * 50))
		al_kill9
		wait "$lp"
		echo "# round $prefix$round ($senders concurrent): $(cat "$dir/load.$prefix$round"), acked so far $(wc -l <"$dir/acked")"
	done
}

# al_curl ARGS...: curl with a time limit, body to stdout; "\n<status>" appended
al_curl() {
	curl -s --max-time 20 -w '\n%{http_code}' "$@"
}
# status of the last line of al_curl output; body is the rest
al_status() { tail -n1 <<<"$1"; }
al_body() { sed '$d' <<<"$1"; }
