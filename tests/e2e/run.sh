#!/usr/bin/env bash
# e2e suite — `make run DURATION=90` from a clean state runs the whole system:
# servicio starts admin_logs in its container and installs the cron job;
# cron fires contenedores.sh at least twice; every cycle keeps at most
# keep_high high and keep_low low containers and really removes the rest;
# admin_logs stores the samples and decisions; at the end the report holds
# every graph, the cron lines are gone (the user's own lines intact), the
# admin_logs container is gone, and `make stop` leaves no container of the
# run. The log server's data and servicio's spool go to a temporary
# directory, so the user's /var/lib/gestor is not touched; the module, when
# make run loaded it, is unloaded again when it was not loaded before; and the run is scoped to this suite's own
# label (contenedores.sh from cron adds gestor.test=<tag>, servicio manages
# only those), so managed containers that are not the test's are never touched.
# timeout: 480
. "$(dirname "$0")/../lib.sh"
export GESTOR_TABLE=true # servicio prints its per-cycle table off a terminal too: read below
need_root
need_docker
need_cmd crontab sqlite3

DUR=${GESTOR_E2E_DURATION:-90}
TAG=e2e-$$
export GESTOR_TEST_LABEL=$TAG
TMP=$(mktemp -d /tmp/gestor-e2e.XXXXXX)
DATA=$TMP/data
LOG=$TMP/run.log
CRONLOG=/var/log/gestor/contenedores.log
on_exit "rm -rf '$TMP'"
# make run loads the module where this kernel allows: leave it as it was
# (cleanups run last first: this one after servicio has stopped)
if [ ! -d /sys/module/sysinfo ]; then
	on_exit "cd '$GESTOR_TOP' && scripts/module.sh unload"
fi

# the user's crontab, with two lines of their own, must come back intact
saved=$TMP/crontab.saved
crontab -l >"$saved" 2>/dev/null || : >"$saved"
on_exit "if [ -s '$saved' ]; then crontab '$saved'; else crontab -r; fi"
{ grep -v 'gestor-cron' "$saved"; echo '# a line of the user, kept by gestor'; echo '17 3 * * * /bin/true # user job'; } >"$TMP/crontab.user"
crontab "$TMP/crontab.user"
on_exit "cd '$GESTOR_TOP' && scripts/stop.sh"
# a contenedores.sh run from cron may be between two containers when servicio
# removes the job: it stops before the next one; let it finish, then clean up
on_exit "for i in \$(seq 40); do pgrep -f '$GESTOR_TOP/contenedores.sh' >/dev/null || break; sleep 1; done;
	docker_rm_label gestor.test=$TAG"

cd "$GESTOR_TOP" || fail "no repository"
scripts/stop.sh >/dev/null 2>&1
check "clean start: no cron lines of gestor" bash -c "! crontab -l 2>/dev/null | grep -q 'gestor-cron'"
cron_before=$(wc -l <"$CRONLOG" 2>/dev/null || echo 0)
t0=$(date +%s)

GESTOR_ADMIN_DATA=$DATA timeout -k 10 $((DUR + 240)) make -s run DURATION="$DUR" \
	SERVICIO_ARGS="--scope gestor.test=$TAG --spool $TMP/spool/spool" >"$LOG" 2>&1
rc=$?
t1=$(date +%s)
echo "make run: exit $rc after $((t1 - t0)) s; log tail:"
tail -n 15 "$LOG"
check "make run DURATION=$DUR exits 0" [ "$rc" = 0 ]
check "it stopped by itself (took $((t1 - t0)) s)" [ $((t1 - t0)) -ge "$DUR" ]
check "servicio started the admin_logs container" grep -q 'admin_logs container .* created and started' "$LOG"
check "the metrics source was announced" grep -q 'metrics source:' "$LOG"
# auto's choice on this host: the module when make run loaded it, else BPF
# where the iterator loads, else procfs. Whether it loads is asked of
# `servicio sysinfo` (it loads the iterator and prints its document).
# (its whole output is taken first: with pipefail, a reader that stops
# early would fail the pipeline through servicio's SIGPIPE)
bpf_loads() {
	local doc
	doc=$("$GESTOR_BIN/servicio" sysinfo 2>/dev/null) || return 1
	[[ "${doc:0:64}" == *'"version":1'* ]]
}
if grep -q '^module: \(loaded\|already loaded\)' "$LOG"; then
	want=module
elif bpf_loads; then
	want=bpf
else
	want=procfs
fi
check "the metrics source is auto's choice here: $want" grep -q "metrics source: $want" "$LOG"
cycles=$(grep -c '^cycle [0-9]* ' "$LOG")
echo "cycles printed: $cycles"
check "at least 5 cycles ran ($cycles)" [ "$cycles" -ge 5 ]

# cron really fired contenedores.sh, twice at least, during the run. A run
# writes a "created" or "note" line per container; runs start 30 s apart, so
# a gap of 10 s or more between lines starts a new run. On a busy machine a
# docker run takes seconds and one run's lines reach the next run's: then
# the count of containers proves it, as one run creates at most
# GESTOR_COUNT (10) of them.
tail -n +"$((cron_before + 1))" "$CRONLOG" 2>/dev/null >"$TMP/cron.lines"
runs=$(awk '/ (created|note:) /{print $1}' "$TMP/cron.lines" |
	while read -r ts; do date -d "$ts" +%s; done | sort -n |
	awk 'NR == 1 || $1 - prev >= 10 { n++ } { prev = $1 } END { print n + 0 }')
made=$(grep -c ' created ' "$TMP/cron.lines")
by_count=$(((made + 9) / 10))
[ "$by_count" -le "$runs" ] || runs=$by_count
echo "cron runs seen in $CRONLOG: $runs ($made containers created)"
check "cron fired contenedores.sh at least twice ($runs)" [ "$runs" -ge 2 ]

DB=$DATA/gestor.db
check "the log database exists" [ -s "$DB" ]
q() { sqlite3 -readonly -batch -noheader "$DB" "$1"; }
samples=$(q "SELECT count(*) FROM records WHERE type='sample'")
decisions=$(q "SELECT count(*) FROM records WHERE type='decision'")
removed=$(q "SELECT count(*) FROM records WHERE type='decision' AND action='removed'")
echo "stored: $samples samples, $decisions decisions, $removed removals"
check "one sample per cycle stored ($samples for $cycles cycles)" [ "$samples" -ge "$cycles" ]
check "decisions stored" [ "$decisions" -gt 0 ]
check "containers were removed" [ "$removed" -gt 0 ]
over=$(q "SELECT cycle, class, count(*) FROM records WHERE type='decision' AND action='kept'
	GROUP BY cycle, class HAVING (class='high' AND count(*) > 2) OR (class='low' AND count(*) > 3)")
check "no cycle kept more than 2 high and 3 low${over:+: $over}" [ -z "$over" ]
still=0
for id in $(q "SELECT container_id FROM records WHERE type='decision' AND action='removed'"); do
	docker inspect "$id" >/dev/null 2>&1 && still=$((still + 1))
done
check "every container decided 'removed' is gone ($still left)" [ "$still" = 0 ]
bad=$(q "SELECT count(*) FROM records WHERE type='decision' AND action NOT IN ('kept','removed')")
check "no failed removals ($bad)" [ "$bad" = 0 ]
reqs=$(q "SELECT count(*) FROM access_log WHERE path='/logs' AND method='POST'")
check "admin_logs recorded the HTTP requests ($reqs POSTs)" [ "$reqs" -ge "$cycles" ]

REPORT=$DATA/report
check "the report path was printed" grep -q "report: $REPORT" "$LOG"
for g in memory cpu container_cpu container_mem container_cpu_heatmap container_mem_heatmap \
	removed_by_class removed_cumulative running_by_class; do
	check "graph $g: PNG, SVG and CSV" bash -c "[ -s '$REPORT/$g.png' ] && [ -s '$REPORT/$g.svg' ] && [ -s '$REPORT/$g.csv' ]"
done
check "index.html shows the graphs" bash -c "[ \$(grep -o '<img' '$REPORT/index.html' | wc -l) -ge 9 ]"

check "cron lines removed" bash -c "! crontab -l 2>/dev/null | grep -q 'gestor-cron'"
check "the user's cron lines are intact" diff <(crontab -l 2>/dev/null) "$TMP/crontab.user"
check "the admin_logs container is gone" [ -z "$(docker ps -aq --filter label=gestor.role=admin_logs)" ]
left=$(docker ps -aq --filter label=gestor.test=$TAG | wc -l)
echo "containers of the run left: $left (the kept ones, plus any cron started after the last cycle)"
check "cron made only labelled, managed containers" [ -z "$(docker ps -a --filter label=gestor.test=$TAG --format '{{.Label "gestor.managed"}}' | grep -vx true)" ]
check "make stop succeeds after the run" make -s stop
finish
