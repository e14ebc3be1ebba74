#!/usr/bin/env bash
# lint.sh — static checks on the user-space C code (everything but kernel/):
# clang-format (the root .clang-format), cppcheck, and clang-tidy with the
# checked-in .clang-tidy when there is one. Exits non-zero on any finding.
#
# Usage: scripts/lint.sh [--no-tidy]
set -uo pipefail
cd "$(dirname "$0")/.."
tidy=1
[ "${1:-}" = --no-tidy ] && tidy=0

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
if ! cppcheck -q --error-exitcode=1 --enable=warning,portability,performance \
	--inline-suppr --std=c11 -D_GNU_SOURCE --suppress=missingIncludeSystem \
	"${incs[@]}" "${files[@]}"; then
	echo "lint: cppcheck found problems"
	bad=1
fi

if [ "$tidy" = 1 ] && [ -f .clang-tidy ]; then
	cflags=$(pkg-config --cflags libcurl jansson libmicrohttpd sqlite3 cmocka inih 2>/dev/null)
	for f in "${files[@]}"; do
		[[ "$f" == *.c ]] || continue
		clang-tidy --quiet "$f" -- -std=c17 -D_GNU_SOURCE "${incs[@]}" $cflags 2>/dev/null |
			grep -E 'warning:|error:' && bad=1
	done
fi
[ "$bad" = 0 ] && echo "lint: clean (${#files[@]} files)"
exit "$bad"
