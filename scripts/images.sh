#!/usr/bin/env bash
# images.sh — make gestor's images present in Docker on an installed system
# (make install, the Debian packages), with no network and no registry.
#
# The installed tree (<prefix>/lib/gestor) holds, per image NAME
# (admin_logs, high-cpu, high-ram, low), either images/NAME.tar.gz (`docker
# save` output, as the packages ship the log server's image) or a build
# context images/NAME/ (Dockerfile and what it copies, as `make install`
# installs it). The image is gestor/NAME:VERSION (VERSION: the installed
# VERSION file); when Docker lacks it, the tarball is loaded, or else the
# context built (admin_logs' context needs the base image
# gestor/bookworm-base:latest, which `make images` made); then
# gestor/NAME:latest, which servicio and contenedores.sh run, is tagged to it.
#
# Usage: images.sh [--quiet] [--force] NAME...   (no NAME: every one installed)
# Exit status: 0 all present; 1 one could not be made (the message says why).
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
quiet=0 force=0
say() { [ "$quiet" = 1 ] || echo "images: $*"; }
die() {
	echo "images: error: $*" >&2
	exit 1
}
while [ $# -gt 0 ]; do
	case "$1" in
	--quiet) quiet=1 ;;
	--force) force=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
		exit 0
		;;
	-*) die "unknown option '$1'" ;;
	*) break ;;
	esac
	shift
done
version=$(cat "$top/VERSION" 2>/dev/null) || version=unknown
names=("$@")
if [ ${#names[@]} = 0 ]; then
	for f in "$top"/images/*; do
		n=$(basename "$f")
		n=${n%.tar.gz}
		[[ " ${names[*]:-} " == *" $n "* ]] || names+=("$n")
	done
fi
command -v docker >/dev/null || die "the docker command is not installed"
for n in "${names[@]}"; do
	[[ "$n" =~ ^[a-z0-9_-]{1,32}$ ]] || die "bad image name '$n'"
	tag=gestor/$n:$version
	if [ "$force" = 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
		say "$tag is present"
	elif [ -f "$top/images/$n.tar.gz" ]; then
		say "loading $tag from $top/images/$n.tar.gz"
		docker load -q -i "$top/images/$n.tar.gz" >/dev/null || die "docker load of $top/images/$n.tar.gz failed"
		docker image inspect "$tag" >/dev/null 2>&1 || die "$top/images/$n.tar.gz does not hold $tag"
	elif [ -f "$top/images/$n/Dockerfile" ]; then
		args=()
		if [ "$n" = admin_logs ]; then
			docker image inspect gestor/bookworm-base:latest >/dev/null 2>&1 ||
				die "$tag needs the base image gestor/bookworm-base:latest: run 'sudo make images' in the source tree"
			args+=(--build-arg BASE=gestor/bookworm-base:latest)
		fi
		say "building $tag from $top/images/$n"
		# the legacy builder's deprecation banner (docker CLI >= 23 without
		# buildx) is noise: only the build's own errors reach stderr
		err=$(mktemp /tmp/gestor-images.XXXXXX)
		rc=0
		docker build -q "${args[@]}" -t "$tag" "$top/images/$n" >/dev/null 2>"$err" || rc=$?
		grep -v -e '^DEPRECATED: The legacy builder' -e 'Install the buildx component' \
			-e 'docs.docker.com/go/buildx' -e '^ *$' "$err" >&2 || true
		rm -f "$err"
		[ "$rc" = 0 ] || die "docker build of $tag failed (exit $rc)"
	else
		die "no image $n installed in $top/images"
	fi
	# servicio and contenedores.sh run :latest
	docker tag "$tag" "gestor/$n:latest" || die "docker tag $tag gestor/$n:latest failed"
done
