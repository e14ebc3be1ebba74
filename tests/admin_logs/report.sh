#!/usr/bin/env bash
# report.sh — what the report shows (tests/admin_logs/report_gen.py's data:
# 100 samples in two segments 30 minutes apart): a container seen in one
# sample only is drawn as a point although the chart has more than 60 rows
# (its CSV column has exactly one value, its plot clause is "with points");
# the busiest-container charts hold managed containers only (not the
# admin_logs container, not an unmanaged one busier than all); the
# running-per-class chart splits "unknown" into admin_logs, unmanaged and
# undecided; the time series have one row without values in the 30-minute
# gap and a blank line after it, where gnuplot breaks a line instead of
# joining the two segments. Then two runs (batches with "run") in the same
# database give two reports: POST /graficar?run=A draws A only, POST
# /graficar the latest run; each is kept under runs/run-<id>/ and the
# index pages link each other.
# The back end is AL_BACKEND: sqlite (default) or postgresql (a server
# started by the suite, lib_pg.sh; report_pg.sh runs this suite so).
# timeout: 240
# parallel: yes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_server.sh"
. "$(dirname "$0")/lib_pg.sh"
need_cmd curl jq gnuplot /usr/bin/python3

W=$(mktemp -d /tmp/gestor-al-report.XXXXXX)
on_exit "rm -rf '$W'"
on_exit 'al_kill9'
pg_backend
al_start "$W" --quiet --report-dir "$W/report"
here=$(dirname "$0")
check "the data is posted" test "$(/usr/bin/python3 "$here/report_gen.py" "$AL_URL")" = 100
r=$(al_curl -X POST "$AL_URL/graficar")
check "POST /graficar -> 200" test "$(al_status "$r")" = 200
R=$W/report

# col CSV NAME: the values of column NAME, one a line (empty ones too)
col() { /usr/bin/python3 -c 'import csv,sys; [print(r[sys.argv[2]]) for r in csv.DictReader(open(sys.argv[1]))]' "$1" "$2"; }
for c in container_cpu container_mem; do
	rows=$(($(wc -l <"$R/$c.csv") - 1))
	check "$c.csv has more than 60 rows ($rows)" [ "$rows" -gt 60 ]
	check "$c.csv has a column for the one-sample container" bash -c "head -n1 '$R/$c.csv' | tr , '\n' | grep -qx gestor-high-cpu-once"
	check "... with exactly one value" [ "$(col "$R/$c.csv" gestor-high-cpu-once | grep -c .)" = 1 ]
	check "$c.gp draws it with points" grep -q "with points pt 7 ps 1.2 lw 2 title 'gestor-high-cpu-once' noenhanced" "$R/$c.gp"
	check "$c.gp draws the long-lived one with lines" grep -q "with lines lw 2 title 'gestor-high-cpu-m1' noenhanced" "$R/$c.gp"
	check "$c.csv: no unmanaged container (however busy)" bash -c "! head -n1 '$R/$c.csv' | grep -q busy-unmanaged"
	check "$c.csv: not the admin_logs container" bash -c "! head -n1 '$R/$c.csv' | grep -q admin"
	check "${c}_heatmap.csv: managed containers only" bash -c "! cut -d, -f5 '$R/${c}_heatmap.csv' | grep -q 'busy-unmanaged\|admin'"
done

check "running_by_class.csv splits unknown" [ "$(head -n1 "$R/running_by_class.csv")" = "time_utc,epoch_s,high,low,admin_logs,unmanaged,undecided" ]
check "one admin_logs container in every sample" [ "$(col "$R/running_by_class.csv" admin_logs | grep -c '^1.000$')" = 100 ]
check "one unmanaged container in every sample" [ "$(col "$R/running_by_class.csv" unmanaged | grep -c '^1.000$')" = 100 ]
check "one undecided container, in one sample" [ "$(col "$R/running_by_class.csv" undecided | grep -c '^1.000$')" = 1 ]

for c in cpu memory running_by_class; do
	check "$c.csv: one row without values, in the gap" [ "$(col "$R/$c.csv" epoch_s | wc -l)" = 101 ]
	gap=$(awk -F, 'NR > 1 && $3 == "" { print $2 }' "$R/$c.csv")
	check "$c.csv: the gap row lies between the segments ($gap)" \
		awk -v g="$gap" 'BEGIN { exit !(g > 1764338400 + 790 && g < 1764338400 + 790 + 1800) }'
	check "$c.csv: a blank line after it, where gnuplot breaks the line" [ "$(grep -c '^$' "$R/$c.csv")" = 1 ]
done
check "container_cpu.csv: the gap breaks the containers' lines too (a blank line)" [ "$(grep -c '^$' "$R/container_cpu.csv")" = 1 ]
check "no gnuplot error logs left" bash -c '! ls "$1"/.gnuplot-*.log 2>/dev/null | grep -q .' _ "$R"
check "CSV values equal the stored data" /usr/bin/python3 "$here/check_report.py" "${AL_DB:-$W/gestor.db}" "$R"

# runs: two more runs of servicio in the same database, each drawn on its own
A=s18a.101 B=s18b.202
check "run $A is posted" test "$(/usr/bin/python3 "$here/report_gen.py" "$AL_URL" "$A" 1764349200)" = 100
check "run $B is posted" test "$(/usr/bin/python3 "$here/report_gen.py" "$AL_URL" "$B" 1764360000)" = 100
r=$(al_curl -X POST "$AL_URL/graficar?run=$A")
check "POST /graficar?run=$A -> 200, that run" test "$(al_status "$r"):$(al_body "$r" | jq -r .run)" = "200:$A"
check "its CSV holds that run's 100 samples only" [ "$(col "$R/cpu.csv" epoch_s | awk -v a=1764349200 -v b=$((1764349200 + 3000)) '$1 >= a && $1 < b' | wc -l)" = 101 ]
check "... and no row of another run (outside its time)" [ "$(col "$R/cpu.csv" epoch_s | awk -v a=1764349200 -v b=$((1764349200 + 3000)) '$1 != "" && ($1 < a || $1 >= b)' | wc -l)" = 0 ]
check "... and that run's containers only" bash -c "head -n1 '$R/container_cpu.csv' | grep -q 'gestor-high-cpu-m1$A' && ! head -n1 '$R/container_cpu.csv' | grep -q '$B'"
check "its report is kept in runs/run-$A/" test -s "$R/runs/run-$A/cpu.csv" -a -s "$R/runs/run-$A/cpu.png" -a -s "$R/runs/run-$A/index.html"
r=$(al_curl -X POST "$AL_URL/graficar")
check "POST /graficar draws the latest run, $B" test "$(al_status "$r"):$(al_body "$r" | jq -r .run)" = "200:$B"
check "the report is run $B's: 100 samples, none of $A's" [ "$(col "$R/cpu.csv" epoch_s | awk -v a=1764360000 '$1 >= a' | wc -l)" = 101 ]
check "... and no row before run $B" [ "$(col "$R/cpu.csv" epoch_s | awk -v a=1764360000 '$1 != "" && $1 < a' | wc -l)" = 0 ]
check "two reports: run $A's is still there, with its own data" bash -c "cmp -s '$R/runs/run-$B/cpu.csv' '$R/cpu.csv' && ! cmp -s '$R/runs/run-$A/cpu.csv' '$R/cpu.csv'"
check "index.html names the run drawn" grep -q "<b class=\"run\">$B</b>" "$R/index.html"
check "index.html links run $A's report" grep -q "href=\"runs/run-$A/index.html\"" "$R/index.html"
check "run $A's page links back to run $B's" grep -q "href=\"../run-$B/index.html\"" "$R/runs/run-$A/index.html"
r=$(al_curl -X POST "$AL_URL/graficar?run=no/such")
check "a malformed run -> 400" test "$(al_status "$r")" = 400
find "$R" -printf '%P %s %T@\n' | sort >"$W/before"
r=$(al_curl -X POST "$AL_URL/graficar?run=no.such.run")
check "a run that does not exist -> 404" test "$(al_status "$r")" = 404
r=$(al_curl "$AL_URL/graficar?run=no.such.run")
check "GET of it -> 405" test "$(al_status "$r")" = 405
find "$R" -printf '%P %s %T@\n' | sort >"$W/after"
check "... and neither wrote a byte in the report directory" cmp -s "$W/before" "$W/after"
al_stop
finish
