# debs.sh — gestor's Debian packages, built on a bare Debian 12, for the
# shellcheck shell=bash
# suites that need them (source it after tests/lib.sh and
# tests/foundation/bare.sh).
#
# debs_build WORK builds them: WORK/src.tar (the checkout, bare_src) is
# unpacked in a new container from the bare image, `apt-get build-dep ./`
# installs the build dependencies, `dpkg-buildpackage -us -uc -b` builds
# (the images through the host's dockerd, whose socket the container gets),
# lintian runs; WORK/out gets the .deb, .changes and lintian.txt, WORK/log
# the container's output with "@@STEP name status seconds" lines. The
# container is gestor-debbuild-$$ (the suite's pid: its on_exit removes it).
#
# debs_cached OUT puts the four packages of this very checkout in OUT: from
# $GESTOR_DEB_CACHE/<key> (default /var/cache/gestor/debs) when a suite
# built them from the same files already (install/deb_build keeps its
# packages there when they passed), else by debs_build, then kept there.
# The key is a hash of the checkout's tar (bare_src: every file git lists,
# with its contents and times), so any change to the tree builds anew and
# no suite depends on another having run first. Builds take a lock: two
# suites never build at once (they would tag the same images).
GESTOR_DEB_CACHE=${GESTOR_DEB_CACHE:-/var/cache/gestor/debs}

debs_version() { sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$GESTOR_TOP/debian/changelog"; }
debs_names() {
	local v
	v=$(debs_version)
	echo "gestor_${v}_amd64.deb gestor-logs_${v}_amd64.deb gestor-dkms_${v}_all.deb gestor-demo_${v}_amd64.deb"
}
debs_key() { sha256sum "$1" | cut -c1-16; }

debs_lock() {
	mkdir -p "$GESTOR_DEB_CACHE"
	exec 7>"$GESTOR_DEB_CACHE/.lock"
	flock 7
}
debs_unlock() { exec 7>&-; }

debs_build() {
	local work=$1 name rc
	name=gestor-debbuild-$$
	rm -rf "$work/src" "$work/out"
	mkdir -p "$work/src" "$work/out"
	tar -C "$work/src" -xf "$work/src.tar"
	local script='
set -o pipefail
step() {
	local n=$1 t0=$(date +%s) rc; shift
	echo "@@BEGIN $n"
	"$@"; rc=$?
	echo "@@STEP $n $rc $(( $(date +%s) - t0 ))"
	[ "$rc" = 0 ] || exit "$rc"
}
export DEBIAN_FRONTEND=noninteractive
step update apt-get update -q
step tools apt-get install -y -q --no-install-recommends dpkg-dev ca-certificates
cd /build/gestor
step build-dep apt-get build-dep -y -q ./
step build dpkg-buildpackage -us -uc -b
step lintian-install apt-get install -y -q --no-install-recommends lintian
lintian --allow-root ../*.changes >/out/lintian.txt 2>&1; echo "@@LINTIAN $?"
cp ../*.deb ../*.changes /out/
'
	local cache=()
	[ -n "$BARE_APT_CACHE" ] && mkdir -p "$BARE_APT_CACHE" && cache=(-v "$BARE_APT_CACHE:/var/cache/apt/archives")
	docker run --rm --name "$name" --label gestor.test=debbuild "${cache[@]}" \
		-v /var/run/docker.sock:/var/run/docker.sock \
		-v "$work/src:/build/gestor" -v "$work/out:/out" -w /build/gestor \
		"$BARE_IMAGE" bash -c "$BARE_DPKG_FAST$script" >"$work/log" 2>&1
	rc=$?
	rm -rf "$work/src"
	return "$rc"
}

# debs_store DIR KEY: keep DIR's four packages as KEY's (the newest two keys stay)
debs_store() {
	local dir=$1 key=$2 d f
	d=$GESTOR_DEB_CACHE/$key
	for f in $(debs_names); do [ -f "$dir/$f" ] || return 1; done
	mkdir -p "$d.tmp"
	for f in $(debs_names); do cp "$dir/$f" "$d.tmp/" || return 1; done
	rm -rf "$d" && mv "$d.tmp" "$d"
	# shellcheck disable=SC2012
	ls -1dt "$GESTOR_DEB_CACHE"/*/ 2>/dev/null | tail -n +3 | xargs -r rm -rf
}

# debs_cached OUT: 0 with the packages in OUT; else 1 (WORK's log printed)
debs_cached() {
	local out=$1 work key f t0
	work=$(mktemp -d /tmp/gestor-debs.XXXXXX)
	bare_src "" "$work/src.tar" || { rm -rf "$work"; return 1; }
	key=$(debs_key "$work/src.tar")
	debs_lock
	if [ ! -d "$GESTOR_DEB_CACHE/$key" ]; then
		echo "# building the packages of this checkout (key $key) in a bare Debian 12 container"
		t0=$(date +%s)
		bare_image || { debs_unlock; rm -rf "$work"; echo "# could not make the bare image"; return 1; }
		if debs_build "$work"; then
			echo "# built in $(($(date +%s) - t0)) s"
			debs_store "$work/out" "$key"
		else
			grep -E '^@@' "$work/log"
			tail -n 30 "$work/log"
		fi
	else
		echo "# the packages of this checkout (key $key) were built already: $GESTOR_DEB_CACHE/$key"
	fi
	debs_unlock
	mkdir -p "$out"
	for f in $(debs_names); do
		cp "$GESTOR_DEB_CACHE/$key/$f" "$out/" 2>/dev/null || { rm -rf "$work"; return 1; }
	done
	rm -rf "$work"
}
