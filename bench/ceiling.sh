#!/usr/bin/env bash
# ceiling.sh — what this machine allows any log server at all, beside the
# ingestion target of bench/admin_logs.sh (20x the reference at 10 entries
# per request, each 201 on disk, wrk -t2 -c16 on loopback):
#   1. durable commits: a 4 KiB write + fdatasync() on the disk that holds
#      /var/tmp, mean of 2,000; with 16 clients each waiting for its 201,
#      one commit serves at most 16 batches, so entries/s <= 16 x 10 / that;
#   2. HTTP alone: bench/ceiling.c serving "201 {}" without parsing or
#      storing anything, under the same wrk load (same script, same
#      bodies): the most requests per second these 2 cores give any server
#      while wrk runs beside it.
# Usage: bench/ceiling.sh [SECONDS per wrk run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
command -v wrk >/dev/null || { echo "bench: wrk missing (scripts/setup.sh)"; exit 1; }
W=$(mktemp -d /var/tmp/gestor-ceiling.XXXXXX)
SPID=
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Ilib -pthread -o "$W/ceiling" bench/ceiling.c lib/util.c

echo "ceiling benchmark — $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
us=$("$W/ceiling" fsync "$W/sync.test" 2000)
echo "write 4 KiB + fdatasync on $(df --output=source /var/tmp | tail -1): ${us} us mean of 2000"
awk -v us="$us" 'BEGIN {printf "  -> at most %.0f durable commits/s; 16 clients x 10 entries: <= %.0f entries/s\n", 1e6 / us, 16 * 10 * 1e6 / us}'

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$W/ceiling" serve "$port" &
SPID=$!
sleep 0.3
for n in 10 100; do
	rps=$(RUN="c$RANDOM" N=$n wrk -t2 -c16 -d"${DUR}s" -s bench/admin_logs.lua "http://127.0.0.1:$port/logs" |
		awk '/^Requests\/sec:/ {print $2}')
	awk -v r="$rps" -v n="$n" 'BEGIN {printf "HTTP only (read, answer 201, store nothing), %d/request: %.0f requests/s = %.0f entries/s\n", n, r, r * n}'
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
