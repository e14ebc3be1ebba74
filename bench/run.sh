#!/usr/bin/env bash
# run.sh — `make bench`: run every benchmark bench/*.sh (or those whose
# name contains $1). Each prints its own table; figures are recorded in
# docs/BENCHMARKS.md with the command that reproduces them.
set -uo pipefail
cd "$(dirname "$0")/.."
n=0
for b in bench/*.sh; do
	[ -e "$b" ] || continue
	[ "$b" = bench/run.sh ] && continue
	[ -n "${1:-}" ] && [[ "$b" != *"$1"* ]] && continue
	echo "=== $b"
	bash "$b" || echo "bench: $b failed (exit $?)"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || echo "bench: no benchmarks yet"
