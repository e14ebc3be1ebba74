#!/usr/bin/env bash
# graphs.sh — an hour of generated samples and decisions (one every 5 s,
# 6 containers, removals) posted over HTTP; POST /graficar then draws every
# chart as a non-empty PNG and SVG with its CSV and an index.html showing
# them, and the CSV values equal the stored data. Before any record, and for
# a host with none, there is nothing to draw: 404, and nothing is written.
# GET /graficar is a 405 (Allow: POST) that writes nothing.
# The back end is AL_BACKEND: sqlite (default) or postgresql (a server
# started by the suite, lib_pg.sh; graphs_pg.sh runs this suite so).
# timeout: 180
# parallel: yes
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib_server.sh"
. "$(dirname "$0")/lib_pg.sh"
need_cmd curl jq gnuplot /usr/bin/python3

W=$(mktemp -d /tmp/gestor-al-graphs.XXXXXX)
on_exit "rm -rf '$W'"
on_exit 'al_kill9'
pg_backend
al_start "$W" --quiet --report-dir "$W/report" --top 4
here=$(dirname "$0")

# an empty database: no run to draw, nothing written
r=$(al_curl -X POST "$AL_URL/graficar")
check "POST /graficar on an empty database -> 404" test "$(al_status "$r")" = 404
check "... and the report directory was not even made" test ! -e "$W/report"

gen=$(/usr/bin/python3 "$here/gen.py" --url "$AL_URL" --samples 720 --interval 5 --containers 6 --batch 50)
echo "# generated: $gen"
check "one hour stored" test "$(echo "$gen" | jq .samples)" = 720
r=$(curl -s --max-time 20 -D "$W/get.h" -o /dev/null -w '%{http_code}' "$AL_URL/graficar")
check "GET /graficar -> 405, Allow: POST" bash -c '[ "$1" = 405 ] && grep -qi "^allow: POST" "$2"' _ "$r" "$W/get.h"
check "... and nothing was written" test ! -e "$W/report"
r=$(al_curl -X POST "$AL_URL/graficar")
check "POST /graficar -> 200" test "$(al_status "$r")" = 200
body=$(al_body "$r")
check "answer names the report directory" test "$(jq -r .dir <<<"$body")" = "$W/report"
charts="memory cpu container_cpu container_mem container_cpu_heatmap container_mem_heatmap removed_by_class removed_cumulative running_by_class"
for c in $charts; do
	for e in png svg csv; do
		check "$c.$e listed" bash -c 'jq -e --arg f "$2" ".files | index(\$f)" <<<"$1" >/dev/null' _ "$body" "$c.$e"
	done
	check "$c.png is a real PNG" bash -c '[ "$(head -c 8 "$1" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ] && [ "$(stat -c %s "$1")" -gt 5000 ]' _ "$W/report/$c.png"
	check "$c.svg is an SVG" bash -c 'grep -q "<svg" "$1" && [ "$(stat -c %s "$1")" -gt 5000 ]' _ "$W/report/$c.svg"
	check "$c.csv has data rows" test "$(wc -l <"$W/report/$c.csv")" -ge 3
	check "$c.png is shown in index.html" grep -q "src=\"$c.png\"" "$W/report/index.html"
	check "$c has a title and axis labels" bash -c 'grep -q "^set title" "$1" && grep -q "^set ylabel" "$1" && grep -q "^set xlabel" "$1"' _ "$W/report/$c.gp"
done
check "time axes are real time (UTC)" grep -q 'set xdata time' "$W/report/memory.gp"
check "SVG carries the title" grep -q 'System memory used' "$W/report/memory.svg"
check "no gnuplot error logs left" bash -c '! ls "$1"/.gnuplot-*.log 2>/dev/null | grep -q .' _ "$W/report"
check "CSV values equal the stored data" /usr/bin/python3 "$here/check_report.py" "${AL_DB:-$W/gestor.db}" "$W/report"
removed_all=$(cat "$W/report/removed_by_class.csv")
check "removed per class matches what was generated" test \
	"$(awk -F, '$1=="high"{h=$2} $1=="low"{l=$2} END{print "{\"high\": " h ", \"low\": " l "}"}' "$W/report/removed_by_class.csv")" = "$(echo "$gen" | jq -c .removed | sed 's/,/, /; s/:/: /g')"
t=$(jq .seconds <<<"$body")
echo "# drawn in $t s"

# per host: a second host's 50 samples; ?host= draws one host's, the default all
/usr/bin/python3 "$here/gen.py" --url "$AL_URL" --samples 50 --interval 5 --containers 3 --batch 50 \
	--host other --prefix oth --seed 2 --start-ns 1764345600000000000 >/dev/null
# data rows: not the header, not a gap's empty row or blank line (the two
# hosts' samples are hours apart, so the drawing of both breaks its lines)
rows() { awk -F, 'NR > 1 && $3 != ""' "$W/report/$1.csv" | wc -l; }
r=$(al_curl -X POST "$AL_URL/graficar?host=other")
check "POST /graficar?host=other -> 200" test "$(al_status "$r")" = 200
check "?host=other: memory has that host's 50 samples" test "$(rows memory)" = 50
curl -s "$AL_URL/logs?host=other&type=sample&limit=10000" | jq -r '.records[].containers[].name' | sort -u >"$W/other.names"
head -n1 "$W/report/container_cpu.csv" | tr ',' '\n' | tail -n +3 | sort -u >"$W/charted.names"
check "?host=other: only its containers are charted ($(wc -l <"$W/charted.names") of $(wc -l <"$W/other.names"))" \
	bash -c '[ -s "$2" ] && [ -z "$(comm -13 "$1" "$2")" ]' _ "$W/other.names" "$W/charted.names"
al_curl -X POST "$AL_URL/graficar?host=gen" >/dev/null
check "?host=gen: memory has that host's 720 samples" test "$(rows memory)" = 720
check "?host=gen: the same removals as before" test "$(cat "$W/report/removed_by_class.csv" | md5sum)" = "$(cd "$W" && echo "$removed_all" | md5sum)"
al_curl -X POST "$AL_URL/graficar" >/dev/null
check "default: every host's samples (770)" test "$(rows memory)" = 770
find "$W/report" -printf '%P %s %T@\n' | sort >"$W/before"
check "an unknown host -> 404" test "$(al_status "$(al_curl -X POST "$AL_URL/graficar?host=nobody")")" = 404
find "$W/report" -printf '%P %s %T@\n' | sort >"$W/after"
check "... and nothing in the report directory changed" cmp -s "$W/before" "$W/after"
al_stop
check "clean stop" test $? = 0
finish
