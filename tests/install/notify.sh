#!/usr/bin/env bash
# install/notify suite — servicio as a systemd Type=notify service, without
# systemd: a datagram socket of the test's own stands for $NOTIFY_SOCKET and
# records what servicio sends. With WATCHDOG_USEC=2 s and --interval 10, it
# must say READY=1 after start-up, WATCHDOG=1 at least every second between
# cycles, STOPPING=1 on SIGTERM; with stderr as the "journal"
# ($JOURNAL_STREAM = the log file's dev:ino) every line carries a <N>
# priority and no time, and the per-cycle table stays off stdout. Then
# with a Docker that answers every request 6 s late (a relay of the test's
# own) under a 4 s watchdog: the pings go on while servicio waits.
# timeout: 300
source "$(dirname "$0")/../servicio/common.sh"
unset GESTOR_TABLE # the table must stay off when stdout is not a terminal
svt_need
need_cmd python3
admin_start

sock=$SVT_TMP/notify.sock
msgs=$SVT_TMP/notify.log
python3 - "$sock" "$msgs" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        data = s.recv(4096).decode()
        for line in data.split("\n"):
            out.write("%.3f %s\n" % (time.monotonic(), line))
        out.flush()
PY
rec=$!
on_exit "kill $rec"
wait_for 10 test -S "$sock" || fail "the notify socket was not made"

log=$SVT_TMP/servicio.err
out=$SVT_TMP/servicio.out
: >"$log"
js=$(stat -c '%d:%i' "$log")
# shellcheck disable=SC2046
NOTIFY_SOCKET=$sock WATCHDOG_USEC=2000000 JOURNAL_STREAM=$js \
	"$SVT_BIN" $(svt_args) --interval 10 --metrics-listen none --no-events >"$out" 2>>"$log" &
pid=$!
on_exit "kill $pid 2>/dev/null"
check "READY=1 after start-up" wait_for 60 grep -q ' READY=1$' "$msgs"
ready_t=$(awk '$2 == "READY=1" { print $1; exit }' "$msgs")
# pings after READY (the interval is 10 s: these come between cycles); the
# deadline only catches a hang, the gap check below holds the period
check "WATCHDOG=1 between cycles (WATCHDOG_USEC 2 s): 4 pings arrive" \
	wait_for 60 bash -c '[ "$(awk -v t="$1" '"'"'$2 == "WATCHDOG=1" && $1 > t'"'"' "$2" | wc -l)" -ge 4 ]' _ "$ready_t" "$msgs"
gap=$(awk '$2 == "WATCHDOG=1" { if (p && $1 - p > m) m = $1 - p; p = $1 } END { printf "%.2f", m + 0 }' "$msgs")
check "no gap between two pings over the watchdog's 2 s ($gap s)" awk -v g="$gap" 'BEGIN { exit !(g < 2) }'
kill -TERM "$pid"
check "servicio exits 0 on SIGTERM" wait "$pid"
check "STOPPING=1 at the stop" grep -q ' STOPPING=1$' "$msgs"
check "every stderr line has a <N> priority and no time of its own" \
	awk '!/^<[0-7]>(DEBUG|INFO |WARN |ERROR) / { bad = 1; print "# " $0 } END { exit bad }' "$log"
check "start-up lines at priority info (<6>)" grep -q '^<6>INFO  servicio ' "$log"
check "no per-cycle table on stdout (not a terminal, no --table)" bash -c "! grep -q '^cycle ' '$out'"

# A slow Docker: each request waits 6 s on a relay of the test's own, under
# a 4 s watchdog. Every request is bounded (docker_timeout 30 s), so the
# cycle is slow, not hung: the pings go on while it waits (watchdog.h);
# before, the loop pinged only between cycles and systemd would have killed
# a healthy servicio in its first cycle.
slow=$SVT_TMP/slow-docker.sock
python3 "$GESTOR_TOP/tests/servicio/sockproxy.py" "$slow" /var/run/docker.sock 6 &
relay=$!
on_exit "kill $relay 2>/dev/null"
wait_for 10 test -S "$slow" || fail "the slow relay was not made"
: >"$msgs"
# shellcheck disable=SC2046
NOTIFY_SOCKET=$sock WATCHDOG_USEC=4000000 \
	"$SVT_BIN" $(svt_args) --interval 2 --metrics-listen none --no-events \
	--docker-socket "$slow" --docker-timeout 30 >"$out.slow" 2>"$log.slow" &
pid=$!
check "READY=1 with a slow Docker" wait_for 120 grep -q ' READY=1$' "$msgs"
ready_t=$(awk '$2 == "READY=1" { print $1; exit }' "$msgs")
# 24 s of cycles, each several 6 s Docker calls long
check "servicio works through the slow Docker (ten pings after READY)" \
	wait_for 180 bash -c '[ "$(awk -v t="$1" '"'"'$2 == "WATCHDOG=1" && $1 > t'"'"' "$2" | wc -l)" -ge 10 ]' _ "$ready_t" "$msgs"
check "it talks to Docker through the slow relay" grep -q "Docker API .* at $slow" "$log.slow"
check "servicio is still running" kill -0 "$pid"
npings=$(awk -v t="$ready_t" '$2 == "WATCHDOG=1" && $1 > t' "$msgs" | wc -l)
gap=$(awk -v t="$ready_t" '$1 > t && $2 == "WATCHDOG=1" { if (p && $1 - p > m) m = $1 - p; p = $1 } END { printf "%.2f", m + 0 }' "$msgs")
check "pings go on while servicio waits on Docker ($npings, the longest gap $gap s)" \
	awk -v g="$gap" -v n="$npings" 'BEGIN { exit !(n >= 6 && g < 4) }'
kill -TERM "$pid"
wait "$pid"
admin_stop
kill "$rec" && wait "$rec" 2>/dev/null
finish
