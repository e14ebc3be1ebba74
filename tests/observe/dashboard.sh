#!/usr/bin/env bash
# dashboard.sh — the live dashboard in a real browser: admin_logs (the ASan
# build when present) serves it at / from a directory made by
# admin_logs/www-dir.sh (the page and Debian's dygraphs); servicio runs
# cycles every 3 s on this suite's containers (two CPU burners, three idle
# ones with --keep-low 2: one is removed); Debian's headless chromium,
# driven by chromium-driver + python3-selenium (dashboard.py), loads the
# page: no console errors, a series for each running managed container,
# the quota, source, decisions and marks shown, a new cycle's data without
# a reload, the containers table's network and disk rate columns filled from
# servicio's counters (every cell a rate with its unit, or – without a
# counter). The screenshot is kept as build/test-logs/observe-dashboard.png.
# A second admin_logs takes three samples whose counters the suite chose
# and a fourth without any (dashboard_rates.py): the rates shown are the
# counters' differences over the time between the last two samples that
# carry them, with units; – for a missing counter
# (an older servicio), one that went back (a restart), or no network; a
# hostile container name is shown as text.
# Then the admin_logs image ($GESTOR_ADMIN_IMAGE, default
# gestor/admin_logs:latest) serves the same page and library by itself (run
# with ADMIN_LOGS_OPEN_READS=1, as servicio runs it: reads need no token).
# timeout: 300
source "$(dirname "$0")/../servicio/common.sh"
svt_need
need_cmd chromium chromedriver
PY=/usr/bin/python3 # Debian's, with python3-selenium (not a pyenv one)
[ -x "$PY" ] || skip "no /usr/bin/python3"
"$PY" -c "import selenium" 2>/dev/null || skip "python3-selenium is not installed"
AL=$GESTOR_BUILD/asan/bin/admin_logs
[ -x "$AL" ] || AL=$GESTOR_BIN/admin_logs
[ -x "$AL" ] || skip "admin_logs is not built"
SHOT=$GESTOR_BUILD/test-logs/observe-dashboard.png
mkdir -p "$(dirname "$SHOT")"
rm -f "$SHOT"

WWW=$SVT_TMP/www
"$GESTOR_TOP/admin_logs/www-dir.sh" "$WWW" || fail "www-dir.sh"
mkdir -p "$SVT_TMP/al"
"$AL" --port 0 --port-file "$SVT_TMP/al/port" --db "$SVT_TMP/al/gestor.db" --www "$WWW" --quiet \
	>"$SVT_TMP/al/log" 2>&1 &
AL_PID=$!
on_exit "stop_pid $AL_PID"
wait_for 20 test -s "$SVT_TMP/al/port" || fail "admin_logs did not start: $(tail -n 3 "$SVT_TMP/al/log")"
ADMIN_PORT=$(cat "$SVT_TMP/al/port")
URL=http://127.0.0.1:$ADMIN_PORT/

check "GET / is the page (200, text/html)" bash -c \
	'curl -sf -D - -o /dev/null "$1" | grep -qi "^Content-Type: text/html"' _ "$URL"
check "GET /dygraph.min.js is Debian's dygraphs, served by admin_logs" bash -c \
	'curl -sf "$1" | head -c 200 | grep -q "dygraphs"' _ "${URL}dygraph.min.js"
check "the page loads nothing from elsewhere (no http(s):// in its files)" bash -c \
	'! grep -l "https\?://" "$1"/index.html "$1"/dashboard.js' _ "$WWW"
check "a path outside the dashboard is 404" [ "$(curl -s -o /dev/null -w '%{http_code}' "${URL}..%2fetc%2fpasswd.js")" = 404 ]

mk high-cpu burn1 -e CPU_PCT=60
mk high-cpu burn2 -e CPU_PCT=30
mk low idle1
mk low idle2
mk low idle3
sleep 1
# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --interval 3 --high-cpu 5 --ranking oldest --keep-high 10 --keep-low 2 \
	>"$SVT_TMP/svt.log" 2>&1 &
SVT_PID=$!
on_exit "stop_pid $SVT_PID"
removed() { [ -n "$(admin_get 'action=removed&limit=10' | jq -r '.records[].container.name')" ]; }
wait_for 40 removed || fail "no container removed: $(tail -n 20 "$SVT_TMP/svt.log")"
NAMES=$(docker ps --filter "label=gestor.test=$SVT_TAG" --filter label=gestor.managed=true --format '{{.Names}}')
echo "# running managed: $(tr '\n' ' ' <<<"$NAMES")"

# shellcheck disable=SC2086
"$PY" "$(dirname "$0")/dashboard.py" "$URL" "$SHOT" $NAMES >"$SVT_TMP/py.out" 2>&1
rc=$?
cat "$SVT_TMP/py.out"
if [ "$rc" = 77 ]; then
	partial "browser checks: $(sed -n 's/^skipped: //p' "$SVT_TMP/py.out" | head -n1)"
else
	check "the browser checks passed (dashboard.py exit 0)" [ "$rc" = 0 ]
	check "the screenshot is kept ($SHOT)" bash -c 'file "$1" | grep -q "PNG image"' _ "$SHOT"
fi

kill -INT "$SVT_PID"
wait "$SVT_PID"
check "servicio stops cleanly" [ $? = 0 ]
kill -TERM "$AL_PID"
wait "$AL_PID"
check "admin_logs stops cleanly (no leak)" [ $? = 0 ]
check "no sanitizer report" bash -c '! grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$1" "$2"' _ "$SVT_TMP/al/log" "$SVT_TMP/svt.log"

# the rate columns on figures the suite chose: a second admin_logs of its
# own, four samples posted (dashboard_rates.py)
mkdir -p "$SVT_TMP/al2"
"$AL" --port 0 --port-file "$SVT_TMP/al2/port" --db "$SVT_TMP/al2/gestor.db" --www "$WWW" --quiet \
	--report-dir "$SVT_TMP/al2/report" >"$SVT_TMP/al2/log" 2>&1 &
AL2_PID=$!
on_exit "stop_pid $AL2_PID"
wait_for 20 test -s "$SVT_TMP/al2/port" || fail "the second admin_logs did not start: $(tail -n 3 "$SVT_TMP/al2/log")"
"$PY" "$(dirname "$0")/dashboard_rates.py" "http://127.0.0.1:$(cat "$SVT_TMP/al2/port")/" >"$SVT_TMP/rates.out" 2>&1
rc=$?
cat "$SVT_TMP/rates.out"
if [ "$rc" = 77 ]; then
	partial "rate checks: $(sed -n 's/^skipped: //p' "$SVT_TMP/rates.out" | head -n1)"
else
	check "the rate columns' checks passed (dashboard_rates.py exit 0)" [ "$rc" = 0 ]
fi
kill -TERM "$AL2_PID"
wait "$AL2_PID"
check "the second admin_logs stops cleanly (no leak)" [ $? = 0 ]

# the image serves the same dashboard by itself
IMG=${GESTOR_ADMIN_IMAGE:-gestor/admin_logs:latest}
if docker image inspect "$IMG" >/dev/null 2>&1; then
	docker run -d --name "$SVT_TAG-al" --label "gestor.test=$SVT_TAG" -p 127.0.0.1::8000 \
		--tmpfs /data:uid=10001 -e ADMIN_LOGS_OPEN_READS=1 "$IMG" >/dev/null || fail "docker run $IMG"
	IPORT=$(docker port "$SVT_TAG-al" 8000/tcp | head -n1 | sed 's/.*://')
	IURL=http://127.0.0.1:$IPORT
	wait_for 30 curl -sf "$IURL/health" -o /dev/null
	check "the image ($IMG) serves the page at /" bash -c 'curl -sf "$1/" | grep -q "dashboard.js"' _ "$IURL"
	check "the image serves dygraphs itself" bash -c 'curl -sf "$1/dygraph.min.js" | head -c 200 | grep -q dygraphs' _ "$IURL"
	check "the image serves dashboard.js" bash -c 'curl -sf "$1/dashboard.js" | grep -q gestorDash' _ "$IURL"
else
	partial "image checks: $IMG is not built"
fi
finish
