#!/usr/bin/env bash
# grafana.sh — the dashboard deploy/grafana/gestor.json against a real
# Prometheus (Debian's, on 127.0.0.1, loading deploy/prometheus/gestor-rules.yml)
# scraping a real servicio (--dry-run) every 2 s on this suite's containers:
# a CPU burner with a CPU quota (--cpus, so it has CFS periods), one that
# wrote and read 8 MiB with O_DIRECT (block I/O series), an idle one on
# Docker's bridge (a network interface). Checked:
# the JSON is a Grafana dashboard model (title, uid, panels with targets on
# the ${datasource} variable); every panel query, with Grafana's variables
# given values ($instance: .*, $__rate_interval: 30s, $__range: 5m), parses
# (promtool check rules on a file with each as a recording rule) and returns
# at least one series from Prometheus's HTTP API within 90 s of the first
# scrape; the host variable's label_values() metric has the instance.
# parallel: yes docker
# timeout: 300
source "$(dirname "$0")/../servicio/common.sh"
svt_need
need_cmd prometheus promtool cc
DASH=$GESTOR_TOP/deploy/grafana/gestor.json
RULES=$GESTOR_TOP/deploy/prometheus/gestor-rules.yml
admin_start

jqe() { jq -e "$@" >/dev/null; }
check "the dashboard is JSON with a title, a uid and panels" \
	jqe '(.title | length > 0) and (.uid | length > 0) and (.panels | length > 0)' "$DASH"
check "every panel has targets on the \${datasource} variable" \
	jqe 'all(.panels[]; (.targets | length > 0) and .datasource.uid == "${datasource}"
		and all(.targets[]; .datasource.uid == "${datasource}" and (.expr | length > 0)))' "$DASH"
check "panel ids are unique" jqe '[.panels[].id] | length == (unique | length)' "$DASH"

# the queries as Prometheus sees them once Grafana has put in its variables
jq -r '.panels[].targets[].expr' "$DASH" |
	sed -e 's/\$instance/.*/g' -e 's/\$__rate_interval/30s/g' -e 's/\$__range/5m/g' >"$SVT_TMP/exprs"
NQ=$(wc -l <"$SVT_TMP/exprs")
check "the dashboard has queries ($NQ)" [ "$NQ" -gt 10 ]
check "no Grafana variable left unset in a query" bash -c "! grep -n '\\\$' '$SVT_TMP/exprs'"
{
	echo "groups:"
	echo "  - name: dashboard"
	echo "    rules:"
	n=0
	while IFS= read -r e; do
		n=$((n + 1))
		printf '      - record: dashboard:q%d\n        expr: %s\n' "$n" "$(jq -Rn --arg e "$e" '$e')"
	done <"$SVT_TMP/exprs"
} >"$SVT_TMP/dash-rules.yml"
check "every dashboard query parses (promtool check rules)" promtool check rules "$SVT_TMP/dash-rules.yml"

# the containers: tests/metrics/ioload.c in a FROM-scratch image built here
img=gestor-dash-load:$$
on_exit "docker rmi -f '$img'"
cc -static -O2 -pthread -o "$SVT_TMP/ioload" "$GESTOR_TOP/tests/metrics/ioload.c" || fail "cannot build the load program"
printf 'FROM scratch\nCOPY ioload /ioload\nENTRYPOINT ["/ioload"]\n' >"$SVT_TMP/Dockerfile"
docker build -q -t "$img" "$SVT_TMP" >"$SVT_TMP/build.log" 2>&1 || { cat "$SVT_TMP/build.log"; fail "docker build"; }
# block I/O is counted on cgroup v1 only on a disk with a throttle rule (tests/metrics/io.sh)
src=$(df --output=source /var/lib/docker | tail -n 1)
disk=/dev/$(lsblk -no pkname "$src" 2>/dev/null | head -n 1)
[ "$disk" != /dev/ ] || disk=$src
run() { # run NAME CLASS [docker args] -- ioload args
	local n=$1 cl=$2 a=()
	shift 2
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	docker run -d --name "$SVT_TAG-$n" --label gestor.managed=true --label "gestor.class=$cl" \
		--label "gestor.test=$SVT_TAG" "${a[@]}" "$img" "$@" >/dev/null || fail "docker run $n"
}
run burn high-cpu --network none --cpus 0.3 -- burn 3600
run disk low --network none --device-write-bps "$disk:10gb" -- disk /f 8
run net low -- idle # on Docker's default bridge: an eth0

MPORT=$(free_port)
# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --interval 2 --dry-run --metrics-listen "127.0.0.1:$MPORT" \
	>"$SVT_TMP/svt.log" 2>&1 &
SVT_PID=$!
on_exit "stop_pid $SVT_PID"

PPORT=$(free_port)
mkdir -p "$SVT_TMP/prom"
cp "$RULES" "$SVT_TMP/prom/gestor-rules.yml"
cat >"$SVT_TMP/prom/prometheus.yml" <<EOC
global:
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 2s
rule_files:
  - gestor-rules.yml
scrape_configs:
  - job_name: gestor
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOC
check "promtool check config: the test's Prometheus config with the rules" \
	promtool check config "$SVT_TMP/prom/prometheus.yml"
prometheus --config.file="$SVT_TMP/prom/prometheus.yml" --storage.tsdb.path="$SVT_TMP/prom/data" \
	--web.listen-address="127.0.0.1:$PPORT" --log.level=warn >"$SVT_TMP/prom/log" 2>&1 &
PROM_PID=$!
on_exit "stop_pid $PROM_PID"
API=http://127.0.0.1:$PPORT/api/v1
# nres PROMQL: how many series the query returns now
nres() {
	curl -sf --max-time 10 -G --data-urlencode "query=$1" "$API/query" |
		jq -r 'if .status == "success" then (.data.result | length) else 0 end'
}
has_data() { [ "$(nres "$1")" -gt 0 ] 2>/dev/null; }
wait_for 60 has_data 'up{job="gestor"} == 1' ||
	fail "Prometheus does not scrape servicio: $(tail -n 5 "$SVT_TMP/prom/log") $(tail -n 5 "$SVT_TMP/svt.log")"
wait_for 60 has_data 'count(gestor:cycles:rate5m)'
check "the rules load into Prometheus (a recording rule has data)" has_data 'count(gestor:cycles:rate5m)'

n=0
while IFS= read -r e; do
	n=$((n + 1))
	wait_for 90 has_data "$e"
	check "query $n returns data ($(nres "$e") series): $e" has_data "$e"
done <"$SVT_TMP/exprs"
check "the host variable's label_values(gestor_start_time_seconds, instance) has the instance" \
	has_data "gestor_start_time_seconds{instance=\"127.0.0.1:$MPORT\"}"
[ "$T_FAILS" = 0 ] || { tail -n 20 "$SVT_TMP/svt.log"; cat "$SVT_TMP/prom/log"; }
finish
