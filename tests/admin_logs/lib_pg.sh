# shellcheck shell=bash
# lib_pg.sh — a real PostgreSQL server for the suites, started by the test
# (source it after tests/lib.sh): initdb + pg_ctl in a temporary directory,
# as the user postgres when the suite runs as root (the server refuses
# root), listening on 127.0.0.1 on a free port and on a unix socket in that
# directory. Trust authentication, local only; fsync on (the defaults).
#
#   pg_need                   skip the suite when PostgreSQL is not installed
#   pg_start                  initdb (once) and start; sets PG_URL, PG_PORT, PG_DIR
#   pg_stop [MODE]            pg_ctl stop -m MODE (fast by default)
#   pg_psql SQL               run SQL in the test database, unaligned output
# The cluster is removed when the suite exits.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
PG_DIR=
PG_PORT=
PG_URL=
PG_USER=

pg_need() {
	[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] ||
		skip "PostgreSQL server binaries are not installed (postgresql-15)"
	need_cmd psql /usr/bin/python3
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || skip "running as root and there is no user postgres"
		PG_USER=postgres
	fi
}

# pg_as CMD...: run as the cluster's owner
pg_as() {
	if [ -n "$PG_USER" ]; then
		runuser -u "$PG_USER" -- "$@"
	else
		"$@"
	fi
}


pg_start() {
	if [ -z "$PG_DIR" ]; then
		PG_DIR=$(mktemp -d /tmp/gestor-fleet-pg.XXXXXX) || fail "mktemp"
		on_exit "pg_stop immediate; rm -rf '$PG_DIR'"
		chmod 755 "$PG_DIR"
		[ -z "$PG_USER" ] || chown "$PG_USER" "$PG_DIR"
		pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U gestor --auth=trust -E UTF8 \
			>"$PG_DIR/initdb.log" 2>&1 || {
			cat "$PG_DIR/initdb.log"
			fail "initdb failed"
		}
		PG_PORT=$(free_port)
	fi
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_DIR -c max_connections=200" \
		start >/dev/null || {
		tail -n 20 "$PG_DIR/server.log"
		fail "PostgreSQL did not start"
	}
	PG_URL=postgresql://gestor@127.0.0.1:$PG_PORT/gestor
	if ! pg_psql_db postgres "SELECT 1 FROM pg_database WHERE datname = 'gestor'" | grep -q 1; then
		pg_psql_db postgres "CREATE DATABASE gestor" >/dev/null || fail "createdb failed"
	fi
}

pg_stop() {
	[ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "${1:-fast}" -w -t 30 stop >/dev/null 2>&1
}

pg_psql_db() {
	psql -X -q -At -v ON_ERROR_STOP=1 "postgresql://gestor@127.0.0.1:$PG_PORT/$1" -c "$2"
}
pg_psql() { pg_psql_db gestor "$1"; }

# pg_backend: the back end a suite of the Log API runs on, from AL_BACKEND:
# sqlite (the default) or postgresql (a server started here; AL_DB is its URL)
pg_backend() {
	case ${AL_BACKEND:=sqlite} in
	sqlite) ;;
	postgresql)
		pg_need
		pg_start
		AL_DB=$PG_URL
		;;
	*) fail "AL_BACKEND: sqlite or postgresql, not '$AL_BACKEND'" ;;
	esac
}
