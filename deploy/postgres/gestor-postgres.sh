#!/bin/bash
# gestor-postgres.sh — the gestor/postgres image's entry point: make the
# cluster on first start, then run PostgreSQL in the foreground as postgres.
#
# Environment: PGDATA, POSTGRES_USER, POSTGRES_DB, POSTGRES_PASSWORD_FILE
# (the password of POSTGRES_USER; a Docker secret). The password and names
# are data: they reach psql as variables (:'pw', :"user"), never as SQL text.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
say() { echo "gestor-postgres: $*" >&2; }
as_pg() { setpriv --reuid postgres --regid postgres --init-groups -- "$@"; }

[[ "$POSTGRES_USER" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { say "error: bad POSTGRES_USER"; exit 1; }
[[ "$POSTGRES_DB" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { say "error: bad POSTGRES_DB"; exit 1; }
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 0700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	[ -r "$POSTGRES_PASSWORD_FILE" ] || { say "error: no password file $POSTGRES_PASSWORD_FILE"; exit 1; }
	pw=$(head -n 1 "$POSTGRES_PASSWORD_FILE")
	[ -n "$pw" ] || { say "error: the password file is empty"; exit 1; }
	say "first start: making the cluster in $PGDATA"
	as_pg "$bin/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
		--auth-local=peer --auth-host=scram-sha-256 >/dev/null
	{
		echo "listen_addresses = '*'"
		echo "password_encryption = scram-sha-256"
		echo "unix_socket_directories = '/run/postgresql'"
	} >>"$PGDATA/postgresql.conf"
	{
		echo "host all all 0.0.0.0/0 scram-sha-256"
		echo "host all all ::/0 scram-sha-256"
	} >>"$PGDATA/pg_hba.conf"
	as_pg "$bin/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
	as_pg psql -q -v ON_ERROR_STOP=1 -h /run/postgresql -U postgres -d postgres \
		-v user="$POSTGRES_USER" -v db="$POSTGRES_DB" -v pw="$pw" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"user";
SQL
	as_pg "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
	unset pw
	say "cluster ready: role $POSTGRES_USER, database $POSTGRES_DB"
fi
exec setpriv --reuid postgres --regid postgres --init-groups -- "$bin/postgres" -D "$PGDATA"
