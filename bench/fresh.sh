#!/usr/bin/env bash
# fresh benchmark — from `make run` on a bare Debian 12 to servicio's first
# cycle, with every download (no package cache).
#
# In a container from the bare debootstrap minbase image of the fresh suite
# (tests/foundation/bare.sh), with its own dockerd (started by setup.sh) and
# an empty apt cache, `make run DURATION=20` runs from a copy of the
# checkout; the time is taken at the first "cycle 1 " line servicio prints.
# It also prints how many bytes apt downloaded (the .deb files) and how long
# each part took: set-up, build, images (the debootstrap base included).
# The clock starts before `apt-get install make`, which a new Debian 12
# needs first (README).
#
# Usage: bench/fresh.sh [REV]   REV: a commit to measure instead of the
#   working tree. GESTOR_FRESH_PREP: shell commands run in the copy first
#   (the "before" figure patches the old setup.sh's silent failure with it).
set -uo pipefail
export GESTOR_TABLE=true # servicio prints its per-cycle table off a terminal too: read below
GESTOR_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$GESTOR_TOP/tests/foundation/bare.sh"
die() { echo "bench/fresh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
bare_mirror_up || die "the Debian mirror does not answer"
bare_image || die "could not make $BARE_IMAGE"

work=$(mktemp -d /tmp/gestor-bench-fresh.XXXXXX)
name=gestor-bench-fresh-$$
trap 'docker rm -f "$name" >/dev/null 2>&1; rm -rf "$work"' EXIT
bare_src "${1:-}" "$work/src.tar" || die "could not copy the checkout"

script='
t0=$(date +%s.%N)
stamp() { awk -v a="$t0" -v b="$(date +%s.%N)" "BEGIN{printf \"@@T %s %.1f\\n\", \"$1\", b-a}"; }
'"${GESTOR_FRESH_PREP:-}"'
# a new Debian 12 has no make: the README says to install it first
apt-get update -qq && apt-get install -y -qq make >/dev/null
stamp make-installed
make run DURATION=20 2>&1 | while IFS= read -r l; do
	printf "%s\n" "$l"
	case "$l" in
	"run: starting servicio"*) stamp servicio-start ;;
	"cycle 1 "*) stamp first-cycle ;;
	esac
done
stamp end
echo "@@DEBS $(du -sb /var/cache/apt/archives | cut -f1) $(ls /var/cache/apt/archives/*.deb 2>/dev/null | wc -l)"
'
BARE_APT_CACHE= bare_run "$name" "$work/src.tar" --docker-host -- "$script" >"$work/log" 2>&1
grep -E '^(@@|setup: |build-image: |module: |image )' "$work/log"
first=$(sed -n 's/^@@T first-cycle //p' "$work/log")
start=$(sed -n 's/^@@T servicio-start //p' "$work/log")
read -r bytes debs < <(sed -n 's/^@@DEBS //p' "$work/log")
[ -n "$first" ] || { tail -n 30 "$work/log"; die "servicio never printed its first cycle"; }
printf '\n| from `make run` on bare Debian 12 | seconds |\n|---|---:|\n'
printf '| to servicio started (set-up, build, images) | %s |\n| to the first cycle | %s |\n' "$start" "$first"
awk -v b="${bytes:-0}" -v n="${debs:-0}" 'BEGIN{printf "\ndownloaded: %.0f MB in %d packages\n", b/1e6, n}'
