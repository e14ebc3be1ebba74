#!/usr/bin/env bash
# contenedores/cron_run suite — the real cron daemon really runs the job:
# scripts/cron.sh install (with a pair of its own, GESTOR_CRON_ID, one
# container per run, a test label and a log of its own), then wait for the
# next minute's run and the one 30 s later: each appends a "created" line to
# the log, the two are about 30 s apart, and the containers they made exist
# with the manager's labels. Waits up to ~2 minutes. At the end (also on
# failure) the pair is removed from root's crontab and every container with
# our test label is removed.
# timeout: 150
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd crontab flock docker
need_docker
pgrep -x cron >/dev/null || skip "no cron daemon is running"

run_id=contenedores-cronrun-$$
cron=$GESTOR_TOP/scripts/cron.sh
tmp=$(mktemp -d)
log=$tmp/log/contenedores.log
export GESTOR_CRON_ID=test-cronrun-$$ GESTOR_COUNT=1 GESTOR_TEST_LABEL=$run_id GESTOR_CRON_LOG=$log \
	GESTOR_MAX_CONTAINERS=1000
on_exit "rm -rf '$tmp'"
# a run already started by cron (the one after sleep 30) may still create a
# container after the pair is gone: remove ours again once that could be over
on_exit "docker_rm_label gestor.test=$run_id"
on_exit "'$cron' remove"
make -s -C "$GESTOR_TOP/contenedores" images >/dev/null || fail "make images failed"

check "install succeeds" "$cron" install
check "status: installed" "$cron" status
echo "# installed at $(date -u +%T); waiting for cron"
check "cron runs contenedores.sh at the next minute" wait_for 75 bash -c "[ \$(cat '$log' 2>/dev/null | grep -c ' created gestor-') -ge 1 ]"
check "and again about 30 s later" wait_for 45 bash -c "[ \$(cat '$log' 2>/dev/null | grep -c ' created gestor-') -ge 2 ]"
cat "$log" 2>/dev/null
check "the log holds only well-formed lines" bash -c "! grep -Evq '^[0-9T:-]+Z created gestor-(high-cpu|high-ram|low)-[0-9a-f]{8} class=[a-z-]+ id=[0-9a-f]{12} mem=[0-9]+m\$' '$log'"
gap=$(awk '/ created gestor-/ { gsub(/[TZ:-]/, " ", $1); split($1, t, " ");
	s = t[4] * 3600 + t[5] * 60 + t[6]; if (n++) { print s - p; exit } p = s }' "$log")
echo "# runs ${gap:-?} s apart"
# what the gap tells apart (not a timing claim; the figure is printed above):
# over 25 s, the second line's "sleep 30" ran (a pair without it would run
# both at once); under 55 s, it is the half-minute run, not the next minute's
# (a single line per minute would give 60)
check "the two runs are the half-minute pair (${gap:-?} s apart: > 25, < 55)" [ "${gap:-0}" -gt 25 -a "${gap:-0}" -lt 55 ]
id=$(awk '/ created gestor-/ { sub("id=", "", $5); print $5; exit }' "$log")
check "the container of the first run carries gestor.managed=true and gestor.class" bash -c "
	docker inspect -f '{{index .Config.Labels \"gestor.managed\"}} {{index .Config.Labels \"gestor.class\"}} {{index .Config.Labels \"gestor.test\"}}' '$id' |
	grep -Eq '^true (high-cpu|high-ram|low) $run_id\$'"
check "remove succeeds" "$cron" remove
"$cron" status >/dev/null
check "status after remove: not installed" [ $? = 1 ]
check "no line of ours is left in root's crontab" bash -c "! crontab -l 2>/dev/null | grep -qF '$GESTOR_CRON_ID'"
finish
