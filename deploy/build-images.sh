#!/usr/bin/env bash
# build-images.sh — build the images the swarm stack (deploy/stack.yml) runs
# besides gestor/admin_logs, with no image registry:
#   gestor/servicio:latest   the manager (deploy/servicio/Dockerfile)
#   gestor/postgres:latest   PostgreSQL 15 from Debian (deploy/postgres/)
# Both are FROM gestor/bookworm-base:latest, made locally with debootstrap by
# admin_logs/build-image.sh --base-only when missing; their packages come
# from the Debian mirror (apt-get in the build, cached by Docker's layers).
# servicio's binary is built on the host ($BUILD/bin/servicio).
#
# It also makes the stack's two secrets when missing, random, mode 0600, in
# deploy/secrets/ (never committed: .gitignore): gestor_token (the bearer
# token admin_logs requires of every write) and gestor_db_password. Put your
# own there before the first `docker stack deploy` to choose them. And
# admin_logs' TLS certificate and key (gestor_tls_cert, gestor_tls_key):
# self-signed for the names logs and admin_logs, which servicio trusts.
#
# Usage: deploy/build-images.sh [--secrets-only] [servicio] [postgres]   (none: both)
#   BASE=...     base image (default gestor/bookworm-base:latest)
#   PREFIX=...   tag prefix (default gestor/), TAG=... (default latest)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BASE=${BASE:-gestor/bookworm-base:latest}
PREFIX=${PREFIX:-gestor/}
TAG=${TAG:-latest}
BUILD=${BUILD:-$top/build}
export BUILD

say() { echo "build-images: $*"; }
die() {
	echo "build-images: error: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "must run as root (docker)"
command -v docker >/dev/null || die "docker is not installed"
secrets_only=0
[ "${1:-}" = --secrets-only ] && secrets_only=1 && shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(servicio postgres)


# the secrets: [A-Za-z0-9] only (a token's characters, and nothing a pgpass
# or URL would need to escape)
secrets=$here/secrets
mkdir -p "$secrets"
chmod 0700 "$secrets"
for f in gestor_token gestor_db_password; do
	[ -s "$secrets/$f" ] && continue
	(umask 077 && head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40 >"$secrets/$f.tmp" && echo >>"$secrets/$f.tmp")
	mv "$secrets/$f.tmp" "$secrets/$f"
	say "made the secret $secrets/$f"
done
# admin_logs' TLS certificate (self-signed, 10 years, for the names the
# stack uses) and key
if [ ! -s "$secrets/gestor_tls_cert" ] || [ ! -s "$secrets/gestor_tls_key" ]; then
	command -v openssl >/dev/null || die "openssl is not installed (scripts/setup.sh)"
	(umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days 3650 -subj /CN=logs \
		-addext "subjectAltName=DNS:logs,DNS:admin_logs,DNS:localhost,IP:127.0.0.1" \
		-keyout "$secrets/gestor_tls_key" -out "$secrets/gestor_tls_cert" 2>/dev/null) ||
		die "openssl could not make the TLS certificate"
	say "made the secrets $secrets/gestor_tls_cert and gestor_tls_key (self-signed, names logs, admin_logs)"
fi

[ "$secrets_only" = 1 ] && exit 0
BASE=$BASE "$top/admin_logs/build-image.sh" --base-only >/dev/null

ctx=$(mktemp -d /tmp/gestor-deploy-ctx.XXXXXX)
err=$(mktemp /tmp/gestor-deploy-build.XXXXXX)
trap 'rm -rf "$ctx" "$err"' EXIT

build() { # NAME: the context is in $ctx/NAME
	local name=$1 rc=0
	docker build -q --build-arg BASE="$BASE" -t "$PREFIX$name:$TAG" "$ctx/$name" \
		>/dev/null 2>"$err" || rc=$?
	# the legacy builder's deprecation banner is noise
	grep -v -e '^DEPRECATED: The legacy builder' -e 'Install the buildx component' \
		-e 'docs.docker.com/go/buildx' -e '^ *$' "$err" >&2 || true
	[ "$rc" = 0 ] || die "docker build of $PREFIX$name:$TAG failed (exit $rc)"
	say "built $PREFIX$name:$TAG"
}

for n in "${names[@]}"; do
	case "$n" in
	servicio)
		make -s -C "$top/servicio" all
		mkdir -p "$ctx/servicio"
		cp "$BUILD/bin/servicio" "$here/servicio/Dockerfile" "$ctx/servicio/"
		;;
	postgres)
		mkdir -p "$ctx/postgres"
		cp "$here/postgres/Dockerfile" "$here/postgres/gestor-postgres.sh" "$ctx/postgres/"
		;;
	*) die "unknown image '$n' (servicio, postgres)" ;;
	esac
	build "$n"
done
