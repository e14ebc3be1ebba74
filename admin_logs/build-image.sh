#!/usr/bin/env bash
# build-image.sh — build gestor/admin_logs:latest without any image registry.
#
# 1. The base: when BASE (default gestor/bookworm-base:latest) is not in the
#    local image store, or lacks one of the runtime packages (an older base
#    made before libpq5 was needed), make it with debootstrap (minbase, bookworm, from
#    the Debian mirror in /etc/apt/sources.list.d/debian.sources) including the
#    runtime libraries the server needs, and `docker import` it.
# 2. The server binary is built on the host (same bookworm ABI) and COPYed in
#    by admin_logs/Dockerfile, so the image build needs no network; so is the
#    live dashboard (admin_logs/www/ and Debian's dygraphs: www-dir.sh).
#
# Usage: admin_logs/build-image.sh [--base-only]
#   BASE=...   base image to build FROM (made locally when missing)
#   TAG=...    image name (default gestor/admin_logs:latest)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BASE=${BASE:-gestor/bookworm-base:latest}
TAG=${TAG:-gestor/admin_logs:latest}
BUILD=${BUILD:-$top/build}

say() { echo "build-image: $*"; }
die() {
	echo "build-image: error: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and docker)"
command -v docker >/dev/null || die "docker is not installed"

# Runtime packages the binary and gnuplot need inside the image.
RUNTIME_PKGS=libmicrohttpd12,libsqlite3-0,libjansson4,libpq5,gnuplot-nox,fonts-dejavu-core,ca-certificates

mirror() { "$top/scripts/debian-mirror.sh"; }

make_base() {
	local root tarball
	command -v debootstrap >/dev/null || die "debootstrap is not installed (scripts/setup.sh)"
	root=$(mktemp -d /tmp/gestor-admin_logs-rootfs.XXXXXX)
	tarball=$root.tar
	trap 'rm -rf "$root" "$tarball"' RETURN
	say "making $BASE with debootstrap from $(mirror) (once, ~1 min)"
	debootstrap --variant=minbase --include="$RUNTIME_PKGS" bookworm "$root" "$(mirror)" \
		>"$root.log" 2>&1 || {
		tail -n 20 "$root.log" >&2
		rm -f "$root.log"
		die "debootstrap failed"
	}
	rm -f "$root.log"
	# Keep the image small: no apt lists, caches, docs or man pages.
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
		"$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*
	tar -C "$root" -cf "$tarball" .
	docker import -c 'CMD ["/bin/bash"]' "$tarball" "$BASE" >/dev/null
	say "imported $BASE"
}

# true when every runtime package is installed in the base image
base_complete() {
	docker run --rm --network none --entrypoint dpkg-query "$BASE" -W ${RUNTIME_PKGS//,/ } \
		>/dev/null 2>&1
}

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
	make_base
elif ! base_complete; then
	say "base $BASE lacks some of $RUNTIME_PKGS: making it again"
	make_base
else
	say "base $BASE exists"
fi
[ "${1:-}" = --base-only ] && exit 0

make -s -C "$here" all
ctx=$(mktemp -d /tmp/gestor-admin_logs-ctx.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
cp "$BUILD/bin/admin_logs" "$here/Dockerfile" "$ctx/"
"$here/www-dir.sh" "$ctx/www" || die "the dashboard's files (www-dir.sh) failed"
# the legacy builder's deprecation banner (docker CLI >= 23 without buildx)
# is noise: only the build's own errors reach stderr
err=$(mktemp /tmp/gestor-admin_logs-build.XXXXXX)
trap 'rm -rf "$ctx" "$err"' EXIT
rc=0
docker build -q --build-arg BASE="$BASE" -t "$TAG" "$ctx" >/dev/null 2>"$err" || rc=$?
grep -v -e '^DEPRECATED: The legacy builder' -e 'Install the buildx component' \
	-e 'docs.docker.com/go/buildx' -e '^ *$' "$err" >&2 || true
[ "$rc" = 0 ] || die "docker build of $TAG failed (exit $rc)"
say "built $TAG"
