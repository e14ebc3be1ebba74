#!/usr/bin/env bash
# coverage.sh — the coverage table of a COV=1 build after its tests ran
# (make coverage runs it): line and branch coverage per product file of
# servicio/, admin_logs/ and lib/ (their tests/ excluded), a total per
# directory, and the files under 60 % of lines. gcovr (Debian's) reads the
# .gcda files gcov wrote beside the objects in $BUILD/asan.
#
# The branch figures count UBSan's checks too (the COV=1 build keeps the
# sanitizers: one run tests as strictly as make test and measures): those
# branches are never taken while the tests pass, so the branch % is a lower
# bound (lib/util.c: 144 branches with UBSan, 120 without). ASan adds none.
#
# Written: $BUILD/coverage.txt (the table) and $BUILD/coverage.json
# (gcovr's summary). Exits 0 when it could make the table (the figures are
# reported, not judged here), 1 when it could not.
#
# usage: tests/coverage.sh BUILD
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${1:?usage: tests/coverage.sh BUILD}
command -v gcovr >/dev/null || { echo "coverage: gcovr is not installed (scripts/setup.sh --for test)"; exit 1; }
ls "$B"/asan/*/*.gcda >/dev/null 2>&1 || { echo "coverage: no .gcda under $B/asan (not a COV=1 build, or nothing ran)"; exit 1; }
gcovr -r "$TOP" "$B/asan" --filter "$TOP/(servicio|admin_logs|lib)/" --exclude '.*/tests/.*' \
	--json-summary-pretty -o "$B/coverage.json" 2>"$B/coverage.err" ||
	{ cat "$B/coverage.err"; exit 1; }
python3 - "$B/coverage.json" <<'EOF' | tee "$B/coverage.txt"
import json, sys
d = json.load(open(sys.argv[1]))
def pct(c, t):
    return f"{100.0 * c / t:5.1f} %" if t else "    - "
print(f"{'file':<28} {'lines':>15} {'%':>7}   {'branches':>15} {'%':>7}")
dirs = {}
low = []
for f in sorted(d["files"], key=lambda f: f["filename"]):
    n = f["filename"]
    lc, lt, bc, bt = f["line_covered"], f["line_total"], f["branch_covered"], f["branch_total"]
    print(f"{n:<28} {lc:>7} / {lt:<6} {pct(lc, lt)}   {bc:>7} / {bt:<6} {pct(bc, bt)}")
    s = dirs.setdefault(n.split("/")[0], [0, 0, 0, 0])
    for i, v in enumerate((lc, lt, bc, bt)):
        s[i] += v
    if lt and lc < 0.6 * lt:
        low.append(f"{n} ({pct(lc, lt).strip()})")
print()
for k, (lc, lt, bc, bt) in sorted(dirs.items()):
    print(f"{k + '/ total':<28} {lc:>7} / {lt:<6} {pct(lc, lt)}   {bc:>7} / {bt:<6} {pct(bc, bt)}")
print(f"{'all':<28} {d['line_covered']:>7} / {d['line_total']:<6} {pct(d['line_covered'], d['line_total'])}"
      f"   {d['branch_covered']:>7} / {d['branch_total']:<6} {pct(d['branch_covered'], d['branch_total'])}")
print(f"files under 60 % of lines: {len(low)}" + (": " + ", ".join(low) if low else ""))
print("note: the programs keep UBSan, whose checks gcov counts as branches never taken while the"
      " tests pass (lib/util.c: 144 branches with UBSan, 120 without): the branch % is a lower bound")
EOF
