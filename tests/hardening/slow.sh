#!/usr/bin/env bash
# slow.sh — admin_logs keeps serving its senders under slow HTTP attacks.
#
# The release admin_logs runs with its default limits, listening on 0.0.0.0
# (so with a token: --token-file), port 0, a temporary database. A network
# namespace made here, joined to the host by a veth pair with private
# addresses, holds a sender that posts a one-record batch a second, each on
# a new connection (slow_sender.py), to the host side of the pair.
# Meanwhile Debian's slowhttptest attacks from 127.0.0.1 with 1,000
# connections, 60 s per mode (started again whenever it ends early because
# the server closed all its connections):
#   slow headers (-H): GET /health, a 24-byte header line every 10 s
#   slow body    (-B): POST /logs, Content-Length 4096, 24 bytes every 10 s
#                      (without the token: refused with 401 at its headers)
# and, from the sender's address, a header trickle and an authorised body
# trickle, a byte a second (which no idle timeout catches).
# Asserted: every batch of the sender (one a second per mode, from the 5th
# second, once the 1,000 connections are open, to the 55th) is answered 201
# (a 20 s deadline per batch only catches a hang), the last of them sent 40 s
# or more into the sender's 50 s, so it was served throughout the attack;
# how fast (p50, p99, max) is printed and measured by bench/timings.sh, not
# judged here. The server never holds more than --max-conns-per-ip connections of
# the attacker; the trickles are cut at the headers and body deadlines;
# afterwards /health answers and every acknowledged batch is stored.
# timeout: 360
# parallel: yes mounts
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd slowhttptest ip ss /usr/bin/python3 sqlite3
bin=${ADMIN_LOGS_BIN:-$GESTOR_BIN/admin_logs}
[ -x "$bin" ] || skip "$bin is not built (make)"
ip netns list >/dev/null 2>&1 || skip "network namespaces are not available"
dir=$(mktemp -d /tmp/gestor-slow.XXXXXX)
on_exit rm -rf "$dir"
ulimit -n 8192

# the sender's namespace: 10.254.<n>.2 in it, 10.254.<n>.1 on the host
ns=gestor-slow-$$ hv=gslow$$h nv=gslow$$n
net=
for n in $(seq 200 250); do
	ip -4 -br addr | grep -q "10\.254\.$n\." || {
		net=10.254.$n
		break
	}
done
[ -n "$net" ] || skip "no free 10.254.200-250.0/30 network for the veth pair"
ip netns add "$ns" || fail "ip netns add $ns"
on_exit ip netns del "$ns"
ip link add "$hv" type veth peer name "$nv" || fail "ip link add veth"
on_exit ip link del "$hv"
ip link set "$nv" netns "$ns"
ip addr add "$net.1/30" dev "$hv"
ip link set "$hv" up
ip netns exec "$ns" ip addr add "$net.2/30" dev "$nv"
ip netns exec "$ns" ip link set "$nv" up
ip netns exec "$ns" ip link set lo up

# the token the server needs to listen beyond loopback (when it asks one)
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/token")
tokarg=()
"$bin" --help | grep -q -- --token-file && tokarg=(--token-file "$dir/token")
# plain HTTP on the veth pair this suite made (a token without TLS needs saying so)
"$bin" --help | grep -q -- --allow-plaintext && tokarg+=(--allow-plaintext)
"$bin" --listen 0.0.0.0 --port 0 --port-file "$dir/port" --db "$dir/a.db" "${tokarg[@]}" \
	--quiet >"$dir/server.log" 2>&1 &
pid=$!
on_exit kill "$pid"
wait_for 10 test -s "$dir/port" || fail "admin_logs did not start: $(cat "$dir/server.log")"
port=$(cat "$dir/port")
# The limits under attack are the documented defaults (docs/log-api.md,
# "Limits"), written here: the test's own knowledge, not the binary's word.
# The binary's --help must say the same (else one of the two is wrong).
perip=64 hdl=10 bdl=30
opt() { "$bin" --help | grep -A1 -- "--$1 " | sed -n 's/.*default: \([0-9]*\);.*/\1/p'; }
check "--help gives the documented defaults (max-conns-per-ip $perip, headers-timeout $hdl s, body-timeout $bdl s)" \
	[ "$(opt max-conns-per-ip) $(opt headers-timeout) $(opt body-timeout)" = "$perip $hdl $bdl" ]
sendtok=()
[ ${#tokarg[@]} -gt 0 ] && sendtok=("$dir/token")
check "the sender reaches admin_logs from $net.2" ip netns exec "$ns" /usr/bin/python3 \
	"$GESTOR_TOP/tests/hardening/slow_sender.py" "$net.1" "$port" 1 "$dir/pre.json" "${sendtok[@]}"
grep -q '"acked": 1' "$dir/pre.json" || fail "the sender's first batch was not acknowledged: $(cat "$dir/pre.json")"

# held: the most attacker connections (from 127.0.0.1) the server had open at once
watch_held() {
	local max=0 n
	while [ ! -e "$dir/stop-watch" ]; do
		n=$(ss -Htnp state established "( sport = :$port )" dst 127.0.0.1 | grep -c "pid=$pid,")
		[ "$n" -gt "$max" ] && max=$n && echo "$max" >"$dir/held"
		sleep 0.2
	done
}

attack() { # name, slowhttptest mode and target arguments...
	local name=$1
	shift
	rm -f "$dir/stop-watch" "$dir/held"
	echo 0 >"$dir/held"
	watch_held &
	local wpid=$!
	# slowhttptest ends as soon as none of its connections is open any more
	# (the server cut them all); it is started again until the 60 s are over,
	# so the attack lasts the whole window
	(
		end=$(($(date +%s) + 60))
		while [ $((end - $(date +%s))) -ge 2 ]; do
			slowhttptest -c 1000 "$@" -i 10 -r 200 -x 24 -p 3 -l $((end - $(date +%s))) 2>&1
			echo "ROUND END"
		done
	) >"$dir/$name.out" &
	local apid=$!
	sleep 5 # 1,000 connections at 200 a second
	if [ "$name" = slow_headers ]; then
		# meanwhile, from the sender's address: two trickling clients that the
		# idle timeout never catches (a byte a second) are cut at their deadlines
		ip netns exec "$ns" /usr/bin/python3 "$GESTOR_TOP/tests/hardening/slow_trickle.py" \
			"$net.1" "$port" headers "$hdl" >"$dir/trickle-headers" 2>&1 &
		tpids=$!
		ip netns exec "$ns" /usr/bin/python3 "$GESTOR_TOP/tests/hardening/slow_trickle.py" \
			"$net.1" "$port" body "$bdl" "${sendtok[@]}" >"$dir/trickle-body" 2>&1 &
		tpids="$tpids $!"
	fi
	ip netns exec "$ns" /usr/bin/python3 "$GESTOR_TOP/tests/hardening/slow_sender.py" \
		"$net.1" "$port" 50 "$dir/$name.json" "${sendtok[@]}" >/dev/null
	wait "$apid"
	touch "$dir/stop-watch"
	wait "$wpid"
	local s
	s=$(cat "$dir/$name.json")
	local sent acked max held conns opened rounds
	sent=$(jq .sent <<<"$s") acked=$(jq .acked <<<"$s") max=$(jq .max_s <<<"$s")
	held=$(cat "$dir/held")
	# slowhttptest's status blocks (every 5 s, colour codes removed): the most
	# connections it had opened so far, and the most it had connected at once
	sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$dir/$name.out" >"$dir/$name.txt"
	opened=$(awk '/^(initializing|pending|connected|error|closed): / {s += $2} /^service available/ {if (s > m) m = s; s = 0} /^ROUND END/ {t += m; m = 0; r++} END {print t + m}' "$dir/$name.txt")
	rounds=$(grep -c '^ROUND END' "$dir/$name.txt")
	conns=$(awk '/^connected: / {if ($2 > m) m = $2} END {print m + 0}' "$dir/$name.txt")
	echo "attack $name: slowhttptest ran $rounds times in 60 s and opened at least $opened connections (at most $conns connected at once); admin_logs held at most $held of them; sender: $sent batches, $acked acknowledged, the last sent at $(jq .last_ok_s <<<"$s") s, slowest $max s, p50 $(jq .p50_s <<<"$s") s, p99 $(jq .p99_s <<<"$s") s"
	jq -c '.failures[]' <<<"$s" | head -n 5
	check "$name: slowhttptest opened 1000 connections or more" [ "$opened" -ge 1000 ]
	check "$name: every batch acknowledged ($acked of $sent)" eval '[ "$sent" -gt 0 ] && [ "$acked" = "$sent" ]'
	check "$name: ... throughout the attack (the last sent at $(jq .last_ok_s <<<"$s") s of 50)" \
		eval '[ "$(jq '"'"'(.last_ok_s // 0) >= 40'"'"' <<<"$s")" = true ]'
	check "$name: admin_logs held at most $perip attacker connections at once ($held)" [ "$held" -le "$perip" ]
	echo "$acked" >>"$dir/acked"
	echo "  slowhttptest every 5 s, connected: $(awk '/^connected: / {printf "%s ", $2} /^ROUND END/ {printf "| "}' "$dir/$name.txt")"
	echo "  $(grep -E '^Test ended|^Exit status' "$dir/$name.txt" | sort | uniq -c | tr -s ' \n' ' ')"
}

tpids=
attack slow_headers -H -t GET -u "http://127.0.0.1:$port/health"
attack slow_body -B -t POST -u "http://127.0.0.1:$port/logs"

ok=0
for p in $tpids; do wait "$p" || ok=1; done
cat "$dir/trickle-headers" "$dir/trickle-body"
check "a header trickle is cut at the ${hdl} s headers deadline, a body trickle at the ${bdl} s body deadline" eval '[ -n "$tpids" ] && [ "$ok" = 0 ]'
h=$(curl -sf --max-time 3 "http://127.0.0.1:$port/health")
check "admin_logs answers /health after the attacks" [ -n "$h" ]
echo "admin_logs cut for lateness: $(jq -c '{cut_slow_headers, cut_slow_bodies}' <<<"$h")"
check "its counters show both cuts" [ "$(jq '.cut_slow_headers > 0 and .cut_slow_bodies > 0' <<<"$h")" = true ]
check "admin_logs is still running" kill -0 "$pid"
acked=$(($(paste -sd+ "$dir/acked") + 1))
stored=$(sqlite3 "file:$dir/a.db?mode=ro" "select count(*) from records where body like '%slow-attack sender%'")
check "every acknowledged batch is stored ($acked acked, $stored stored)" [ "$acked" = "$stored" ]
tail -n 5 "$dir/server.log"
finish
