# bare.sh — a bare Debian 12 to try the project's set-up in (source it).
#
# bare_image makes gestor/bare-bookworm:latest once: `debootstrap
# --variant=minbase bookworm` with nothing added, imported with `docker
# import`. It holds only Debian's base system: no compiler, no curl, no
# docker, no apt lists, as a new machine has. Reusing the image between runs
# is safe because nothing the project installs ever goes into it; every run
# starts a new container from it.
#
# bare_src REV FILE writes the checkout to test into FILE (a tar): the
# working tree's files as git lists them (tracked and untracked, not ignored)
# when REV is empty, else `git archive REV`.
#
# bare_run NAME TAR [--docker-host] -- SCRIPT runs SCRIPT with bash in a new
# container from the bare image, the tar unpacked in /src (the working
# directory). The container may run its own dockerd (all capabilities this
# host grants but CAP_SYS_RESOURCE, which it lacks, no seccomp or AppArmor
# profile, /var/lib/docker on a tmpfs). It shares the host's pid namespace,
# as a machine has one: the BPF source's tests read every process the
# kernel has, numbered as /proc numbers them. With --docker-host it also gets the
# host's cgroup tree writable so that its dockerd can start containers.
# Downloads are kept between runs in $BARE_APT_CACHE (the container's
# /var/cache/apt/archives) unless BARE_APT_CACHE is empty; the packages are
# installed afresh in every container. A suite that may run beside another
# one using a bare container calls bare_cache NAME for a cache of its own.
BARE_IMAGE=${BARE_IMAGE:-gestor/bare-bookworm:latest}
BARE_APT_CACHE_SET=${BARE_APT_CACHE+1}
BARE_APT_CACHE=${BARE_APT_CACHE-/var/cache/gestor/bare-apt}

# bare_cache NAME: the downloads of a cache of NAME's own,
# /var/cache/gestor/bare-apt-NAME (unless BARE_APT_CACHE was given): apt
# in a container holds its archives directory's lock for the whole install,
# so two suites that run at once (foundation/fresh and install/deb_build,
# both in the parallel lane) must not share one. A new one starts with
# hard links to the shared cache's .deb files (apt never rewrites a .deb in
# place; its lock and partial downloads are not shared).
bare_cache() {
	[ -n "$BARE_APT_CACHE_SET" ] && return 0
	local own=/var/cache/gestor/bare-apt-$1 shared=/var/cache/gestor/bare-apt
	if [ ! -d "$own" ]; then
		mkdir -p "$own.$$/partial" &&
			{ [ ! -d "$shared" ] || find "$shared" -maxdepth 1 -name '*.deb' -exec cp -al -t "$own.$$" {} +; } &&
			mv -T "$own.$$" "$own" 2>/dev/null
		rm -rf "$own.$$"
	fi
	BARE_APT_CACHE=$own
}

# BARE_DPKG_FAST: a shell line that makes dpkg in a bare container write
# without fsync (force-unsafe-io), as Debian's own Docker image does
# (/etc/dpkg/dpkg.cfg.d/docker-apt-speedup): a container that is thrown
# away needs no package database that survives a power cut, and dpkg
# syncs every file it unpacks. What is installed, and how apt resolves it,
# is the same. Measured on this project's 2 cores, loaded (load average
# ~15): build-essential, linux-headers-amd64 and libcurl4-openssl-dev from
# the cache into the bare image took 53 and 60 s, 25 and 26 s with it.
BARE_DPKG_FAST='echo force-unsafe-io >/etc/dpkg/dpkg.cfg.d/gestor-test-unsafe-io && '

bare_mirror() { "$GESTOR_TOP/scripts/debian-mirror.sh"; }

# bare_mirror_up: the Debian mirror answers (else nothing can be installed)
bare_mirror_up() {
	curl -sf --max-time 20 -o /dev/null "$(bare_mirror)/dists/bookworm/Release"
}

bare_image() {
	docker image inspect "$BARE_IMAGE" >/dev/null 2>&1 && return 0
	local root rc
	command -v debootstrap >/dev/null || { echo "bare: debootstrap is not installed" >&2; return 1; }
	root=$(mktemp -d /tmp/gestor-bare.XXXXXX)
	echo "bare: making $BARE_IMAGE with debootstrap --variant=minbase (once)"
	debootstrap --variant=minbase bookworm "$root" "$(bare_mirror)" >"$root.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		tar -C "$root" -c . | docker import -c 'CMD ["/bin/bash"]' \
			-c 'LABEL gestor.bare=minbase' - "$BARE_IMAGE" >/dev/null
		rc=$?
	else
		tail -n 20 "$root.log" >&2
	fi
	rm -rf "$root" "$root.log"
	return "$rc"
}

bare_src() {
	local rev=$1 file=$2
	if [ -z "$rev" ]; then
		(cd "$GESTOR_TOP" && git ls-files -z -co --exclude-standard |
			xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _ |
			tar --null -T - -cf "$file")
	else
		git -C "$GESTOR_TOP" archive -o "$file" "$rev"
	fi
}

bare_run() {
	local name=$1 tar=$2 cg=()
	shift 2
	if [ "${1:-}" = --docker-host ]; then
		cg=(--cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw)
		shift
	fi
	[ "${1:-}" = -- ] && shift
	local cache=()
	if [ -n "$BARE_APT_CACHE" ]; then
		mkdir -p "$BARE_APT_CACHE"
		cache=(-v "$BARE_APT_CACHE:/var/cache/apt/archives")
	fi
	docker run --rm --name "$name" --label gestor.test=bare --pid host \
		--cap-add ALL --cap-drop SYS_RESOURCE \
		--security-opt seccomp=unconfined --security-opt apparmor=unconfined \
		--tmpfs /var/lib/docker:exec "${cg[@]}" "${cache[@]}" \
		-v "$tar:/src.tar:ro" "$BARE_IMAGE" \
		bash -c "$BARE_DPKG_FAST"'mkdir /src && tar -C /src -xf /src.tar && cd /src && exec bash -c "$1"' _ "$1"
}
