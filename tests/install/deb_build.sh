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
# are `docker load` archives of gestor/<name>:<version>. The recipe is
# tests/install/debs.sh's; packages that pass here are kept in its cache
# under the checkout's key, so install/deb_vm reuses them (or builds its
# own when this suite did not run first, or the tree changed).
# parallel: yes docker hostnet
# timeout: 2400
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../foundation/bare.sh"
. "$(dirname "$0")/debs.sh"
need_root
need_docker
need_cmd git curl
bare_mirror_up || skip "the Debian mirror $(bare_mirror) does not answer: nothing can be installed"
bare_image || fail "could not make the bare image $BARE_IMAGE"
bare_cache debbuild # (foundation/fresh may run beside it)

work=$(mktemp -d /tmp/gestor-debbuild.XXXXXX)
on_exit "docker rm -f gestor-debbuild-$$ >/dev/null 2>&1; rm -rf $work"
bare_src "${GESTOR_DEB_REV:-}" "$work/src.tar" || fail "could not copy the checkout"
version=$(debs_version)
key=$(debs_key "$work/src.tar")
debs_lock
debs_build "$work"
rc=$?
log=$work/log
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
# a build of the working tree that passed every check is the one other
# suites may reuse (a build of another revision is not this checkout's)
[ "$T_FAILS" = 0 ] && [ -z "${GESTOR_DEB_REV:-}" ] && debs_store "$work/out" "$key"
debs_unlock
finish
