#!/usr/bin/env bash
# contenedores/crontab suite — scripts/cron.sh install|remove|status.
# On a crontab file full of awkward lines (comments, blanks, tabs, CR, '%',
# lines that merely mention the marker, another pair's marker): install puts
# one pair of 30-second lines, install again still one pair, remove gives back
# the file byte for byte, status tells installed/not installed by exit code,
# settings pass into the lines, unsafe ones are refused, and 12 concurrent
# callers (flock) leave one pair. Then on root's real crontab, with a pair of
# its own (GESTOR_CRON_ID, so the manager's pair is never touched) and lines
# of a "user" added first: the user's lines stay while installed and are
# exactly the same after remove. At the end (also on failure) our pair and
# our user lines are removed, leaving root's crontab as it was.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd flock awk cmp

cron=$GESTOR_TOP/scripts/cron.sh
run_id=test-crontab-$$
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"

# --- on a file --------------------------------------------------------------
f=$tmp/crontab
printf '%s\n' 'SHELL=/bin/bash' 'MAILTO=""' '# a comment that mentions # gestor-cron in the middle' '' \
	'# gestor-cron' >"$f"
printf '0 0 31 2 *\t/bin/echo 100%% done\r\n' >>"$f"
printf '  \t  \n* * * * * /bin/true # gestor-cron:someone-else\n# last line\n' >>"$f"
cp "$f" "$tmp/orig"
export GESTOR_CRONTAB_FILE=$f GESTOR_CRON_LOG=$tmp/log/run.log
marked() { grep -c ' # gestor-cron$' "$f"; }

"$cron" status >/dev/null
check "status before install: not installed (exit 1)" [ $? = 1 ]
check "install succeeds" "$cron" install
check "install writes one pair of marked lines" [ "$(marked)" = 2 ]
check "one line runs at the minute, one after sleep 30" bash -c "
	grep -q '^\* \* \* \* \* GESTOR_CRON_GUARD=gestor-cron $GESTOR_TOP/contenedores.sh >>$tmp/log/run.log 2>&1 # gestor-cron\$' '$f' &&
	grep -qxF -- \"* * * * * sleep 30; crontab -l 2>/dev/null | grep -qE -- ' # gestor-cron\\\$' && GESTOR_CRON_GUARD=gestor-cron $GESTOR_TOP/contenedores.sh >>$tmp/log/run.log 2>&1 # gestor-cron\" '$f'"
# The half-minute line was started by cron at the minute; when the pair is
# removed during its sleep (servicio stopped), it must not run. Root's real
# crontab does not hold the marked pair here, so its command runs nothing.
half=$(grep 'sleep 30;' "$f" | sed 's/^\* \* \* \* \* sleep 30;/true;/')
before=$(cat "$tmp/log/run.log" 2>/dev/null | wc -l)
crontab -l 2>/dev/null | grep -qE ' # gestor-cron$' && skip "root's crontab holds the gestor pair (a run is going on)"
bash -c "$half"
check "the half-minute line runs nothing once the pair is gone" [ "$(cat "$tmp/log/run.log" 2>/dev/null | wc -l)" = "$before" ]
check "install creates the log directory" [ -d "$tmp/log" ]
check "the other lines are untouched while installed" \
	cmp -s <(grep -v ' # gestor-cron$' "$f") "$tmp/orig"
check "install again succeeds" "$cron" install
check "install twice leaves one pair" [ "$(marked)" = 2 ]
check "status: installed (exit 0)" "$cron" status
check "remove succeeds" "$cron" remove
check "after remove the file is byte for byte the original" cmp "$f" "$tmp/orig"
"$cron" status >/dev/null
check "status after remove: not installed (exit 1)" [ $? = 1 ]
check "remove again is a no-op" bash -c "'$cron' remove && cmp '$f' '$tmp/orig'"

check "GESTOR_COUNT and GESTOR_TEST_LABEL pass into the lines" bash -c "
	GESTOR_COUNT=4 GESTOR_TEST_LABEL=x.y '$cron' install >/dev/null &&
	[ \$(grep -c '^\* \* \* \* \* .*GESTOR_COUNT=4 GESTOR_TEST_LABEL=x.y GESTOR_CRON_GUARD=gestor-cron $GESTOR_TOP/contenedores.sh' '$f') = 2 ]"
cp "$f" "$tmp/installed"
GESTOR_COUNT='4; rm -rf /' "$cron" install >/dev/null 2>&1
check "an unsafe value is refused (exit 2)" [ $? = 2 ]
GESTOR_CRON_LOG='/tmp/a%b' "$cron" install >/dev/null 2>&1
check "a log path with % is refused (exit 2)" [ $? = 2 ]
check "a refused install leaves the file alone" cmp -s "$f" "$tmp/installed"
GESTOR_CRON_ID=other "$cron" install >/dev/null
check "another GESTOR_CRON_ID adds an independent pair" [ "$(grep -c ' # gestor-cron:other$' "$f")" = 2 ]
GESTOR_CRON_ID=other "$cron" remove >/dev/null
check "removing it leaves our pair" bash -c "cmp -s '$f' '$tmp/installed'"
"$cron" remove >/dev/null

# 12 concurrent callers: installs and removes interleaved, then installs
for i in $(seq 1 12); do
	if [ $((i % 3)) = 0 ]; then "$cron" remove >/dev/null & else GESTOR_COUNT=$i "$cron" install >/dev/null & fi
done
wait
"$cron" install >/dev/null
check "after 12 concurrent callers there is exactly one pair" [ "$(marked)" = 2 ]
"$cron" remove >/dev/null
check "and remove still gives back the original" cmp "$f" "$tmp/orig"
unset GESTOR_CRONTAB_FILE

# --- on root's real crontab --------------------------------------------------
command -v crontab >/dev/null || {
	echo "# crontab(1) missing: real-crontab part not run"
	finish
}
lockf=/run/gestor/cron.lock # scripts/cron.sh's default
export GESTOR_CRON_ID=$run_id
# filter out the manager's own pair (default marker), which another program
# may install or remove while we run; everything else must match exactly
norm() { awk '{ n = length($0) - 13 } !(n >= 1 && substr($0, n) == " # gestor-cron")'; }
cur() { crontab -u root -l 2>/dev/null; }
cur >"$tmp/saved"
echo "# root's crontab before the test: $(wc -l <"$tmp/saved") lines"
# our "user" lines: added and dropped under the same lock as cron.sh
add_user_lines() {
	flock -w 60 "$lockf" bash -c "
		{ crontab -u root -l 2>/dev/null
		  printf '# %s: a line of the user, kept byte for byte\n' '$run_id'
		  printf '0 0 31 2 *\t/bin/echo never runs 100%%%% %s  \n' '$run_id'
		} >'$tmp/with-user' && crontab -u root '$tmp/with-user'"
}
drop_ours() {
	flock -w 60 "$lockf" bash -c "
		crontab -u root -l 2>/dev/null | grep -vF -- '$run_id' >'$tmp/dropped'
		if [ -s '$tmp/dropped' ]; then crontab -u root '$tmp/dropped'; else crontab -u root -r 2>/dev/null; fi; true"
}
on_exit drop_ours
on_exit "'$cron' remove"
check "user lines are added to root's crontab" add_user_lines
cur >"$tmp/before"
check "root's crontab now has the user's lines" [ "$(grep -cF "$run_id" "$tmp/before")" = 2 ]
# a run that cron might start meanwhile must be harmless: an unreachable
# daemon, and a log in a directory removed at the end
export GESTOR_COUNT=2 DOCKER_HOST=unix:///nonexistent GESTOR_CRON_LOG=$tmp/log/real.log
check "real install succeeds" "$cron" install
cur >"$tmp/installed"
check "crontab -l shows our pair" [ "$(grep -c " # gestor-cron:$run_id\$" "$tmp/installed")" = 2 ]
check "the pair runs contenedores.sh with its settings into the log" \
	[ "$(grep -c "GESTOR_COUNT=2 DOCKER_HOST=unix:///nonexistent GESTOR_CRON_GUARD=gestor-cron:$run_id $GESTOR_TOP/contenedores.sh >>$tmp/log/real.log 2>&1 # gestor-cron:$run_id\$" "$tmp/installed")" = 2 ]
check "the user's lines are all there while installed" \
	cmp <(grep -v " # gestor-cron:$run_id\$" "$tmp/installed" | norm) <(norm <"$tmp/before")
check "real install again succeeds" "$cron" install
check "still exactly one pair" [ "$(cur | grep -c " # gestor-cron:$run_id\$")" = 2 ]
check "real status: installed (exit 0)" "$cron" status
check "real remove succeeds" "$cron" remove
check "after remove root's crontab is byte for byte what it was" cmp <(cur | norm) <(norm <"$tmp/before")
"$cron" status >/dev/null
check "real status after remove: not installed (exit 1)" [ $? = 1 ]
drop_ours
check "after cleanup root's crontab is as before the test" cmp <(cur | norm) <(norm <"$tmp/saved")
finish
