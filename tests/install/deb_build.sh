#!/usr/bin/env bash
# install/deb_build suite — the Debian packages build on a bare Debian 12
# and are lintian-clean.
#
# In a new container from the bare image of tests/foundation/bare.sh (only
# Debian's base system), from a copy of this checkout: `apt-get build-dep
# ./` installs the build dependencies, `dpkg-buildpackage -us -uc -b` builds
# the four packages (the images are built through the host's dockerd, whose
# socket the container gets, and shipped as docker-load tarballs), then
# lintian must report no error and no warning. The packages are copied out
# and checked: each holds what its .install file says, the image tarballs
# are `docker load` archives of gestor/<name>:<version>.
# timeout: 2400
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../foundation/bare.sh"
need_root
need_docker
need_cmd git curl
bare_mirror_up || skip "the Debian mirror $(bare_mirror) does not answer: nothing can be installed"
bare_image || fail "could not make the bare image $BARE_IMAGE"

work=$(mktemp -d /tmp/gestor-debbuild.XXXXXX)
name=gestor-debbuild-$$
on_exit "docker rm -f $name >/dev/null 2>&1; rm -rf $work"
mkdir -p "$work/src" "$work/out"
bare_src "${GESTOR_DEB_REV:-}" "$work/src.tar" || fail "could not copy the checkout"
tar -C "$work/src" -xf "$work/src.tar"
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$GESTOR_TOP/debian/changelog")

script='
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
cache=()
[ -n "$BARE_APT_CACHE" ] && mkdir -p "$BARE_APT_CACHE" && cache=(-v "$BARE_APT_CACHE:/var/cache/apt/archives")
log=$work/log
docker run --rm --name "$name" --label gestor.test=debbuild "${cache[@]}" \
	-v /var/run/docker.sock:/var/run/docker.sock \
	-v "$work/src:/build/gestor" -v "$work/out:/out" -w /build/gestor \
	"$BARE_IMAGE" bash -c "$script" >"$log" 2>&1
rc=$?
grep -E '^@@' "$log"
step_ok() { grep -qE "^@@STEP $1 0 " "$log"; }
check "apt-get build-dep ./ installs the build dependencies on a bare Debian 12" step_ok build-dep
check "dpkg-buildpackage -us -uc -b builds" step_ok build
[ "$rc" = 0 ] || { echo "--- last lines from the container:"; tail -n 30 "$log"; }
check "lintian ran" grep -q '^@@LINTIAN ' "$log"
sed 's/^/# lintian: /' "$work/out/lintian.txt" 2>/dev/null
check "lintian: 0 errors, 0 warnings" bash -c "! grep -qE '^(E|W): ' '$work/out/lintian.txt'"
for p in gestor gestor-logs gestor-demo; do
	check "${p}_${version}_amd64.deb was built" test -f "$work/out/${p}_${version}_amd64.deb"
done
check "gestor-dkms_${version}_all.deb was built" test -f "$work/out/gestor-dkms_${version}_all.deb"
for p in gestor gestor-logs gestor-demo; do
	deb=$work/out/${p}_${version}_amd64.deb
	check "$p holds every file of debian/$p.install" bash -c "
		have=\$(dpkg-deb -c '$deb' | awk '{print \$6}' | sed 's|^\./||')
		while read -r f; do grep -q \"^\$f\" <<<\"\$have\" || { echo \"missing \$f\"; exit 1; }; done <'$GESTOR_TOP/debian/$p.install'"
done
check "gestor-dkms holds the module's source for DKMS" bash -c "dpkg-deb -c '$work/out/gestor-dkms_${version}_all.deb' | grep -q 'usr/src/sysinfo-.*/dkms.conf'"
for img in admin_logs:gestor-logs high-cpu:gestor-demo low:gestor-demo; do
	n=${img%%:*} p=${img#*:}
	check "$p's $n.tar.gz is a docker-load archive of gestor/$n:$version" bash -c "
		dpkg-deb --fsys-tarfile '$work/out/${p}_${version}_amd64.deb' | tar -xO ./usr/lib/gestor/images/$n.tar.gz |
			tar -xzO manifest.json | grep -q '\"gestor/$n:$version\"'"
done
finish
