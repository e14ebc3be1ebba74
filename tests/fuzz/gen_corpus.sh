#!/usr/bin/env bash
# gen_corpus.sh — (re)generate the fuzz seed corpora from real outputs of
# this machine, never by hand:
#   modsrc    the module documents captured in the VM (build/fixtures/module/,
#             build/fixtures/metrics-vm/) and cuts of them
#   procfs    /proc/<pid>/{stat,status,statm,cmdline}, /proc/meminfo,
#             /proc/stat, /proc/uptime of live processes (one selector byte
#             in front: see procfs_fuzz.c)
#   cgroupid  /proc/<pid>/cgroup of every live process (containers included)
#   batch     the batches servicio itself writes: one real `servicio --once
#             --dry-run` cycle against an unreachable log server leaves them
#             in its spool; plus tests/admin_logs/gen.py traffic
#   http      those batches as raw HTTP requests (Content-Length, chunked,
#             pipelined) and the GET routes of docs/log-api.md
# Seeds are named by their SHA-1 and added next to what is there (crash
# reproducers in corpus/*/crash-* stay). Not executable on purpose (tests/run.sh
# would take it for a suite): bash tests/fuzz/gen_corpus.sh [OUTDIR]
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=${1:-$HERE/corpus}
BUILD=${BUILD:-$TOP/build}
tmp=$(mktemp -d /tmp/gestor-fuzzgen.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT"/{modsrc,procfs,cgroupid,batch,http}

# put DIR < data: store stdin as DIR/<sha1> (empty and >256 KiB inputs skipped)
put() {
	local f=$tmp/put.$$ h
	cat >"$f"
	[ -s "$f" ] || return 0
	[ "$(stat -c %s "$f")" -le 262144 ] || return 0
	h=$(sha1sum "$f" | cut -c1-40)
	mv "$f" "$OUT/$1/$h"
}

# --- modsrc: real module documents and cuts of them
for f in "$BUILD"/fixtures/module/*.json "$BUILD"/fixtures/metrics-vm/*.json; do
	[ -f "$f" ] || continue
	put modsrc <"$f"
	n=$(stat -c %s "$f")
	for cut in 1 2 3; do head -c $((n * cut / 4)) "$f" | put modsrc; done
done

# --- procfs: live files, selector byte first (0 stat, 1 status, 2 statm,
# 3 cmdline, 4 meminfo, 5 /proc/stat, 6 uptime)
sel() { printf "\\$(printf %03o "$1")"; }
pids=$(ls /proc | grep -E '^[0-9]+$' | shuf -n 25 --random-source=/dev/zero 2>/dev/null || true)
for p in 1 $$ $pids; do
	i=0
	for f in stat status statm cmdline; do
		{ sel $i; cat /proc/"$p"/$f 2>/dev/null; } | put procfs
		i=$((i + 1))
	done
done
{ sel 4; cat /proc/meminfo; } | put procfs
{ sel 5; cat /proc/stat; } | put procfs
{ sel 6; cat /proc/uptime; } | put procfs
# the kernel threads' and a hostile name: comm with ') (' and spaces
(exec -a 'fz ) (x' sleep 3) &
hp=$!
sleep 0.2
{ sel 0; cat /proc/$hp/stat; } | put procfs
kill "$hp" 2>/dev/null
wait "$hp" 2>/dev/null

# --- cgroupid: every distinct cgroup file of this machine
for f in /proc/[0-9]*/cgroup; do cat "$f" 2>/dev/null; done | sort -u >"$tmp/cg-lines"
for f in /proc/[0-9]*/cgroup; do cat "$f" 2>/dev/null | put cgroupid; done
find "$TOP"/servicio/tests/fixtures -name cgroup -type f -exec cat {} \; 2>/dev/null | put cgroupid

# --- batch: what servicio really sends
spool=$tmp/spool/spool
if [ -x "$BUILD/bin/servicio" ]; then
	timeout 60 "$BUILD/bin/servicio" --once --dry-run --no-cron --log-url http://127.0.0.1:1 \
		--spool "$spool" --health-timeout 1 --log-level error >/dev/null 2>&1
fi
if [ -f "$spool" ]; then
	while IFS= read -r line; do printf '%s' "$line" | put batch; done <"$spool"
fi
/usr/bin/python3 "$TOP/tests/admin_logs/gen.py" --out "$tmp/gen.jsonl" --samples 6 --containers 5 \
	--batch 4 --seed 7 >/dev/null 2>&1 &&
	head -n 6 "$tmp/gen.jsonl" | while IFS= read -r line; do printf '%s' "$line" | put batch; done
# a bare array of records (the other accepted form), from the first batch
first=$(ls "$OUT"/batch | head -n1)
[ -n "$first" ] && /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["records"][:3]),end="")' \
	"$OUT/batch/$first" 2>/dev/null | put batch

# --- http: the batches as requests, and the GET routes
n=0
for f in $(ls "$OUT"/batch | head -n 4); do
	b=$OUT/batch/$f
	len=$(stat -c %s "$b")
	{ printf 'POST /logs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' "$len"; cat "$b"; } | put http
	{ printf 'POST /logs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n' "$len"; cat "$b"; printf '\r\n0\r\n\r\n'; } | put http
	n=$((n + 1))
done
for path in /health /logs '/logs?limit=2' '/logs?type=decision&action=removed&since=2026-11-28T15:00:00Z&limit=2' \
	'/logs?type=sample' /nonexistent; do
	printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' "$path" | put http
done
printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /logs?limit=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | put http
printf 'HEAD /health HTTP/1.0\r\n\r\n' | put http
printf 'DELETE /logs HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n' | put http
# --- batch and http: hostile strings (shell, gnuplot, HTML, formulas, bad UTF-8...)
/usr/bin/python3 "$HERE/hostile_seeds.py" "$OUT"
for d in modsrc procfs cgroupid batch http; do echo "$d: $(ls "$OUT/$d" | wc -l) seeds"; done
