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
# Usage: deploy/build-images.sh [servicio] [postgres]   (none: both)
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
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(servicio postgres)

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
