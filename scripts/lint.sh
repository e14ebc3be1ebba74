#!/usr/bin/env bash
# lint.sh — static checks on the user-space C code (everything but kernel/):
# clang-format (the root .clang-format), cppcheck, and clang-tidy with the
# checked-in .clang-tidy when there is one. Exits non-zero on any finding.
#
# Usage: scripts/lint.sh [--no-tidy] [--update-baseline]
set -uo pipefail
cd "$(dirname "$0")/.."
tidy=1 update_baseline=0
for a in "$@"; do
	case "$a" in
	--no-tidy) tidy=0 ;;
	--update-baseline) update_baseline=1 ;;
	*) echo "usage: scripts/lint.sh [--no-tidy] [--update-baseline]" >&2; exit 2 ;;
	esac
done

mapfile -t files < <(git ls-files -co --exclude-standard '*.c' '*.h' | grep -v '^kernel/' | grep -v '^tests/fuzz/corpus' | sort)
[ "${#files[@]}" -gt 0 ] || { echo "lint: no C files"; exit 0; }
bad=0

if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/gestor-format.$$; then
	echo "lint: clang-format differs (fix with: clang-format -i <file>):"
	grep -o '^[^:]*\.[ch]' /tmp/gestor-format.$$ | sort -u | sed 's/^/  /'
	bad=1
fi
rm -f /tmp/gestor-format.$$

incs=()
for d in lib $(git ls-files '*.h' | xargs -r -n1 dirname | sort -u); do incs+=("-I$d"); done
# the BPF source's generated skeleton (servicio/bpfsrc.c includes it)
make -s -C kernel/bpf >/dev/null 2>&1 && incs+=("-I${BUILD:-build}/bpf")
# cppcheck reads the skeletons with their embedded BPF objects (a 725 KB
# string literal each, 2.4 MB of header) emptied: the same declarations
# and code, the object's bytes (data, not code) left out. With them it
# spent about 4 minutes of CPU in bpfsrc.c alone, under a second without.
skel=$(mktemp -d /tmp/gestor-lint-skel.XXXXXX)
cincs=()
for i in "${incs[@]}"; do
	if [ "$i" = "-I${BUILD:-build}/bpf" ]; then
		for h in "${BUILD:-build}"/bpf/*.skel.h; do
			[ -f "$h" ] || continue
			awk '/return \(const void \*\)"\\$/ { print "\treturn (const void *)\"\";"; skip = 1; next }
				skip { if (/";$/) skip = 0; next } { print }' "$h" >"$skel/$(basename "$h")"
		done
		cincs+=("-I$skel" "$i")
	else
		cincs+=("$i")
	fi
done
if ! cppcheck -q --error-exitcode=1 --enable=warning,portability,performance \
	--inline-suppr --std=c11 -D_GNU_SOURCE --suppress=missingIncludeSystem \
	"${cincs[@]}" "${files[@]}"; then
	echo "lint: cppcheck found problems"
	bad=1
fi
rm -rf "$skel"

if [ "$tidy" = 1 ] && [ -f .clang-tidy ]; then
	# the module's escaper that escape_test compiles (made by servicio's
	# Makefile; cppcheck does not read it: kernel code)
	[ -f "${BUILD:-build}/gen/gsi_json.inc" ] && incs+=("-I${BUILD:-build}/gen")
	# clang-tidy, two files at a time; a finding is "path:check". Those listed
	# in scripts/tidy-baseline.txt (known when .clang-tidy was written) are
	# shown but do not fail; any other does. --update-baseline rewrites it.
	cflags=$(pkg-config --cflags libcurl jansson libmicrohttpd sqlite3 cmocka inih libbpf libpq 2>/dev/null)
	out=$(mktemp /tmp/gestor-tidy.XXXXXX)
	printf '%s\n' "${files[@]}" | grep '\.c$' |
		xargs -r -P2 -I{} sh -c 'clang-tidy --quiet "$1" -- -std=c17 -D_GNU_SOURCE $2 2>/dev/null | grep -E "(warning|error):"' _ {} "${incs[*]} $cflags" |
		sed "s|^$PWD/||" | grep -v '^build/' | sort -u >"$out"
	keys=$(sed -nE 's/^([^:]+):[0-9]+:[0-9]+: (warning|error): .*\[([^]]+)\]$/\1:\3/p' "$out" | sort -u)
	if [ "$update_baseline" = 1 ]; then
		printf '%s\n' "$keys" | sed '/^$/d' >scripts/tidy-baseline.txt
		echo "lint: scripts/tidy-baseline.txt rewritten ($(wc -l <scripts/tidy-baseline.txt) entries)"
	fi
	new=$(comm -23 <(printf '%s\n' "$keys" | sed '/^$/d') <(sort -u scripts/tidy-baseline.txt 2>/dev/null))
	known=$(comm -12 <(printf '%s\n' "$keys" | sed '/^$/d') <(sort -u scripts/tidy-baseline.txt 2>/dev/null) | wc -l)
	[ "$known" -gt 0 ] && echo "lint: clang-tidy: $known known findings (scripts/tidy-baseline.txt)"
	if [ -n "$new" ]; then
		echo "lint: clang-tidy found new problems:"
		while IFS= read -r k; do
			grep -F "${k%%:*}:" "$out" | grep -F "[${k#*:}]"
		done <<<"$new"
		bad=1
	fi
	rm -f "$out"
fi
[ "$bad" = 0 ] && echo "lint: clean (${#files[@]} files)"
exit "$bad"
