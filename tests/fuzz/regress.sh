#!/usr/bin/env bash
# regress.sh — the fuzz targets as a regression suite (run by `make test`):
# build them (clang-14, libFuzzer + ASan + UBSan) and run each over every
# file of its corpus, tests/fuzz/corpus/<target>/ (seeds and crash-*
# reproducers), once, with no new fuzzing. Fails when any input crashes,
# leaks, trips UBSan or runs over 10 s.
# timeout: 300
# parallel: yes
. "$(dirname "$0")/../lib.sh"
HERE=$GESTOR_TOP/tests/fuzz
command -v clang-14 >/dev/null 2>&1 || skip "clang-14 is not installed (apt-get install clang-14 libclang-rt-14-dev)"
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
	skip "libclang-rt-14-dev (libFuzzer runtime) is not installed"
make -s -C "$HERE" -j2 BUILD="$GESTOR_BUILD" >"$GESTOR_BUILD/fuzz-build.log" 2>&1 ||
	{ tail -n 20 "$GESTOR_BUILD/fuzz-build.log"; fail "fuzz targets do not build"; }
export TMPDIR=$(mktemp -d /tmp/gestor-fuzzreg.XXXXXX)
on_exit rm -rf "$TMPDIR"
for t in $(make -s -C "$HERE" targets); do
	mapfile -t inputs < <(find "$HERE/corpus/$t" -type f | sort)
	leaks=1
	[ "$t" = http ] && leaks=0 # server threads hold live allocations between inputs
	start=$(date +%s.%N)
	ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=0 \
		"$GESTOR_BUILD/fuzz/bin/${t}_fuzz" -timeout=10 -rss_limit_mb=2048 "${inputs[@]}" \
		>"$TMPDIR/$t.log" 2>&1
	rc=$?
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
	[ "$rc" = 0 ] || tail -n 30 "$TMPDIR/$t.log"
	check "$t: ${#inputs[@]} corpus inputs run clean (${secs}s)" [ "$rc" = 0 ]
done
finish
