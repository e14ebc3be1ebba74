#!/bin/bash
# admin_logs-pg.sh — the entry point of the stack's admin_logs (a Docker
# config mounted into gestor/admin_logs, deploy/stack.yml): admin_logs on
# the stack's PostgreSQL, its password from the Docker secret.
#
# The password goes into a pgpass file (mode 0600, on the container's own
# /tmp) that libpq reads (PGPASSFILE); the database URL, without it, into
# --db-file: the password is in no argv, environment or log.
# Environment: GESTOR_DB_HOST (postgres), GESTOR_DB_PORT (5432),
# GESTOR_DB_NAME, GESTOR_DB_USER (gestor), GESTOR_DB_PASSWORD_FILE
# (/run/secrets/gestor_db_password). Arguments go to admin_logs. It waits
# (up to 120 s) for the database to accept connections before it starts.
set -euo pipefail
host=${GESTOR_DB_HOST:-postgres} port=${GESTOR_DB_PORT:-5432}
db=${GESTOR_DB_NAME:-gestor} user=${GESTOR_DB_USER:-gestor}
pwfile=${GESTOR_DB_PASSWORD_FILE:-/run/secrets/gestor_db_password}
for v in "$host" "$port" "$db" "$user"; do
	[[ "$v" =~ ^[A-Za-z0-9._-]{1,63}$ ]] || {
		echo "admin_logs-pg: bad database host, port, name or user '$v'" >&2
		exit 1
	}
done
pw=$(head -n 1 "$pwfile") || { echo "admin_logs-pg: cannot read $pwfile" >&2; exit 1; }
umask 077
dir=$(mktemp -d /tmp/admin_logs-pg.XXXXXX)
# pgpass: ':' and '\' in the password are escaped with '\'
esc=${pw//\\/\\\\}
esc=${esc//:/\\:}
printf '*:*:*:%s:%s\n' "$user" "$esc" >"$dir/pgpass"
unset pw esc
printf 'postgresql://%s@%s:%s/%s\n' "$user" "$host" "$port" "$db" >"$dir/db-url"
export PGPASSFILE=$dir/pgpass
# PostgreSQL may still be making its cluster (a first deploy): wait up to
# 120 s for it to accept TCP connections rather than exit and be restarted
for _ in $(seq 1 120); do
	(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && break
	sleep 1
done
exec /usr/local/bin/admin_logs --db-file "$dir/db-url" "$@"
