#!/usr/bin/env bash
# draw_ingest.sh — does drawing the report hold up ingestion? (issue 27)
# One admin_logs (release build, SQLite, defaults: --draw-queue 4) holding
# a day-like run (gen.py: 2000 samples, 6 containers, decisions). A sender
# posts one 10-record batch every 20 ms on a kept-alive connection and
# times each POST /logs until its 201 (every 201 is fsync'd). Two phases of
# SECONDS each: without drawing, then with 8 POST /graficar asked at once,
# again as soon as all 8 are answered. Prints p50/p95/p99/max of the POST
# /logs latency of each phase, the batches not answered 201, and how many
# draws were drawn (200) and refused (503 + Retry-After).
# Usage: bench/draw_ingest.sh [SECONDS, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-20}
PY=/usr/bin/python3
for c in curl jq gnuplot; do command -v $c >/dev/null || { echo "bench: $c missing (scripts/setup.sh)"; exit 1; }; done
BUILD=${BUILD:-$PWD/build}
make -s -C admin_logs all BUILD="$BUILD"
BIN=$BUILD/bin/admin_logs
W=$(mktemp -d /var/tmp/gestor-bench-draw.XXXXXX)
AL_PID=
cleanup() {
	[ -n "$AL_PID" ] && kill "$AL_PID" 2>/dev/null && wait "$AL_PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
"$BIN" --port 0 --port-file "$W/port" --db "$W/gestor.db" --report-dir "$W/report" --quiet \
	>"$W/out" 2>"$W/err" &
AL_PID=$!
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
URL=http://127.0.0.1:$(cat "$W/port")
$PY tests/admin_logs/gen.py --url "$URL" --samples 2000 --interval 5 --containers 6 --batch 200 >/dev/null
one=$(curl -s -X POST "$URL/graficar" | jq .seconds)

# sender PHASE: one batch every 20 ms for DUR s; latencies (ms) to W/PHASE.lat
sender() {
	$PY - "$URL" "$DUR" "$W/$1.lat" "$1" <<'PY'
import http.client, json, sys, time, urllib.parse
url, dur, out, tag = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
u = urllib.parse.urlparse(url)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
lat, bad, i = [], 0, 0
t_end = time.monotonic() + dur
while time.monotonic() < t_end:
    recs = [{"type": "decision", "ts_ns": 1800000000 * 10**9 + i * 10 + k, "cycle": i,
             "container": {"id": "c%d" % k, "name": "gestor-low-%d" % k}, "class": "low",
             "action": "kept", "reason": "bench", "rank": k,
             "metrics": {"cpu_pct": 0.5, "rss_kb": 10, "mem_kb": 12, "mem_limit_pct": 0.1}}
            for k in range(10)]
    body = json.dumps({"batch_id": "%s-%d" % (tag, i), "host": "bench", "records": recs})
    t0 = time.monotonic()
    c.request("POST", "/logs", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    lat.append((time.monotonic() - t0) * 1000)
    bad += r.status != 201
    i += 1
    time.sleep(max(0, 0.02 - (time.monotonic() - t0)))
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
open(out, "w").write("%d batches, not 201: %d; POST /logs ms: p50 %.2f p95 %.2f p99 %.2f max %.2f\n"
                     % (len(lat), bad, q(0.5), q(0.95), q(0.99), lat[-1]))
PY
}
sender idle
sender drawing &
sp=$!
drawn=0 refused=0 rounds=0
while kill -0 "$sp" 2>/dev/null; do
	cp=()
	for k in 1 2 3 4 5 6 7 8; do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 -X POST "$URL/graficar" >"$W/c$k" &
		cp+=($!)
	done
	wait "${cp[@]}" || true
	drawn=$((drawn + $(cat "$W"/c? | grep -cx 200 || true)))
	refused=$((refused + $(cat "$W"/c? | grep -cx 503 || true)))
	rounds=$((rounds + 1))
done
wait "$sp"
echo "admin_logs draw vs ingest ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)); one drawing of 2000 samples: ${one} s"
echo "  without drawing:           $(cat "$W/idle.lat")"
echo "  8 draws asked at a time:   $(cat "$W/drawing.lat")"
echo "  draws in $rounds rounds of 8: $drawn drawn (200), $refused refused (503, Retry-After)"
