#!/usr/bin/env bash
# mutations.sh — do the tests notice a broken product? (make mutations)
#
# A developer tool, not a suite of make test. Each mutation below changes
# one line of one product file (a sed expression on the line that matches
# a pattern) and names the suite(s) expected to catch it. For each one, in
# a scratch clone of HEAD (git clone into mktemp -d; the working tree's
# uncommitted changes are not in it):
#   1. build what the suites need and run them unmutated: they must pass
#      (a suite that fails on HEAD proves nothing about the mutation);
#   2. apply the mutation (exactly one line must change), rebuild, run the
#      same suites with tests/run.sh: CAUGHT when one of them fails (the
#      first failing check line of its log is printed), MISSED when all
#      pass.
# The table (mutation, file:line, suite, result, failing check) is printed
# and written to $BUILD/mutations.tsv. Exit status 0 when every mutation was
# caught, 1 otherwise.
#
# usage: tests/mutations.sh [NAME...]   (default: every mutation)
#   MUTATIONS_BASELINE=0  skip step 1 (the suites are known to pass on HEAD)
#   MUTATIONS_KEEP=1      keep the scratch clones (their paths are printed)
# The kernel mutation runs kernel/module (a qemu boot of the module);
# TEST_LEAKS is passed through to tests/run.sh (warn on a shared machine).
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
baseline=${MUTATIONS_BASELINE:-1}

# name @ file @ line pattern (grep -E, must match one line) @ sed s-expression
# applied to that line @ suites (tests/run.sh patterns, space separated)
MUTATIONS=(
	# a wrong comparison in the policy: a container AT the CPU threshold
	# ("reaches high_cpu", policy.h) is no longer high
	'policy-cmp@servicio/policy.c@if \(c->cpu_pct >= cpu_at\)@s/c->cpu_pct >= cpu_at/c->cpu_pct > cpu_at/@unit/servicio_policy_test'
	# a dropped fsync: an appended batch is no longer fdatasync'd before
	# spool_append() returns (spool.h's durability promise)
	'spool-fsync@servicio/spool.c@if \(ret == 0 && fdatasync\(sp->fd\) != 0\)@s/ret == 0 \&\& fdatasync(sp->fd) != 0/0/@unit/servicio_spool_test'
	# an off-by-one in admin_logs' batch parser: a batch_id of exactly
	# BATCH_ID_MAX (64) characters is refused
	'batch-id-len@admin_logs/batch.c@if \(n == 0 \|\| n > BATCH_ID_MAX\)@s/n > BATCH_ID_MAX/n >= BATCH_ID_MAX/@unit/admin_logs_batch_test'
	# a missing escape: '"' in a process or container name is written raw
	# into the JSON document (lib/jsonesc.c, used by the BPF source)
	'jsonesc-quote@lib/jsonesc.c@fputs\("\\\\\\"", f\);@s/fputs("\\\\\\"", f);/fputs("\\"", f);/@unit/servicio_bpfrec_test'
	# a skipped hidepid check: the module shows every process whatever
	# /proc's hidepid= says
	'hidepid-skip@kernel/sysinfo.c@if \(READ_ONCE\(it->fs_info->hide_pid\) == HIDEPID_OFF\)@s/READ_ONCE(it->fs_info->hide_pid) == HIDEPID_OFF/1/@kernel/module'
)

# the make arguments that build a suite in clone $1 (build $2), or nothing (shell suites build what they need)
build_for() {
	local src=$1 b=$2 s=$3 d n
	case "$s" in
	unit/*)
		n=${s#unit/}
		for d in lib servicio admin_logs; do
			case "$n" in "${d}"_*)
				echo "-C $src/$d $b/test/$n"
				return
				;;
			esac
		done
		;;
	esac
}

# run the suites in clone $1 with build $2; prints "suite<TAB>what" of the
# first suite that did not pass; status 0 when all passed, 1 when one
# failed (what: its first failing check line), 2 when one skipped
run_suites() {
	local src=$1 b=$2 s t log last why where
	shift 2
	for s in "$@"; do
		t=$(build_for "$src" "$b" "$s")
		if [ -n "$t" ]; then
			# shellcheck disable=SC2086 # $t is "-C dir target"
			make -s -j2 BUILD="$b" $t >"$b/mutation-build.log" 2>&1 || {
				printf '%s\t(build failed: %s)\n' "$s" "$(grep -m1 'error' "$b/mutation-build.log")"
				return 1
			}
		fi
		(cd "$src" && BUILD="$b" TEST_LEAKS=${TEST_LEAKS:-warn} tests/run.sh "$s") >"$b/mutation-run.log" 2>&1
		last=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$b/mutation-run.log" | tail -n1)
		log=$b/test-logs/${s//\//_}.log
		case "$last" in
		[1-9]*" passed, 0 failed, 0 skipped") ;;
		*", 0 failed, "*)
			printf '%s\t%s\n' "$s" "$(grep -m1 -o 'skipped: .*' "$log" 2>/dev/null || echo "skipped or not run: $last")"
			return 2
			;;
		*)
			# the first line that says what failed: cmocka's, a check's, a sanitizer's
			# (cmocka: "[  ERROR   ] --- what" then "[   LINE   ] --- file:line: ...")
			why=$(grep -m1 -E '^\[  ERROR   \] --- ' "$log" 2>/dev/null | sed 's/^\[  ERROR   \] --- //')
			where=$(grep -m1 -E '^\[   LINE   \] --- ' "$log" 2>/dev/null | sed -E 's/^\[   LINE   \] --- ([^ ]*): error.*/\1/')
			[ -n "$where" ] && why="$why (${where#"$src"/})"
			[ -n "$why" ] || why=$(grep -m1 -E '^(not ok|FAIL|fail)[: ]|ERROR: AddressSanitizer|runtime error' "$log" 2>/dev/null)
			[ -n "$why" ] || why=$(grep -m1 -E 'FAIL' "$b/mutation-run.log")
			printf '%s\t%s\n' "$s" "$why"
			return 1
			;;
		esac
	done
	return 0
}

want=("$@")
out=$BUILD/mutations.tsv
mkdir -p "$BUILD"
printf 'mutation\tfile:line\tsuite\tresult\tfailing check\n' >"$out"
bad=0
# one row of the table
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$out"; }
for m in "${MUTATIONS[@]}"; do
	IFS='@' read -r name file pat expr suites <<<"$m"
	if [ ${#want[@]} -gt 0 ] && ! printf '%s\n' "${want[@]}" | grep -qx "$name"; then
		continue
	fi
	tmp=$(mktemp -d /tmp/gestor-mutation-XXXXXX)
	src=$tmp/src b=$tmp/build
	git clone -q "$TOP" "$src" || { echo "$name: git clone failed"; exit 1; }
	mkdir -p "$b"
	read -ra sl <<<"$suites"
	echo "== $name: $file (${sl[*]}; scratch $tmp)"
	line=$(grep -nE "$pat" "$src/$file" | cut -d: -f1)
	result=
	if [ "$(printf '%s\n' "$line" | grep -c .)" != 1 ]; then
		result="NOT APPLIED" why="the pattern matches $(printf '%s\n' "$line" | grep -c .) lines"
	elif [ "$baseline" = 1 ] && ! r=$(run_suites "$src" "$b" "${sl[@]}"); then
		result="BASELINE FAILED" why="on HEAD: $r"
	else
		[ "$baseline" = 1 ] && echo "   unmutated: ${sl[*]} passed"
		cp "$src/$file" "$tmp/orig"
		sed -i "${line}{$expr}" "$src/$file"
		if [ "$(diff "$tmp/orig" "$src/$file" | grep -c '^>')" != 1 ]; then
			result="NOT APPLIED" why="the sed expression changed nothing"
		else
			echo "   $file:$line: $(sed -n "${line}p" "$tmp/orig" | sed 's/^[[:space:]]*//')"
			echo "        -> $(sed -n "${line}p" "$src/$file" | sed 's/^[[:space:]]*//')"
			r=$(run_suites "$src" "$b" "${sl[@]}")
			case $? in
			0) result=MISSED why="${sl[*]} passed with the mutation" ;;
			1) result=CAUGHT suites=${r%%$'\t'*} why=${r#*$'\t'} ;;
			*) result=MISSED why="skipped: ${r#*$'\t'}" ;;
			esac
		fi
	fi
	echo "   $result: $why"
	row "$name" "$file:${line:-?}" "$suites" "$result" "$why"
	[ "$result" = CAUGHT ] || bad=$((bad + 1))
	if [ "${MUTATIONS_KEEP:-0}" = 1 ]; then
		echo "   kept: $tmp"
	else
		rm -rf "$tmp"
	fi
done
echo
column -t -s $'\t' "$out"
echo "table: $out"
[ "$bad" = 0 ]
