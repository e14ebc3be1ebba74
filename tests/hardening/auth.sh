#!/usr/bin/env bash
# auth.sh — no one writes who does not belong, and TLS works end to end.
#
# admin_logs with --token-file: a POST without the token or with a wrong one
# is 401 and stores nothing; with it, 201; reads from loopback and /health
# need none; a read from a non-loopback address needs it. Listening beyond
# loopback without a token is refused with a clear error. With --tls-cert /
# --tls-key (a self-signed certificate made here with openssl, for
# 127.0.0.1): curl verifying against it gets /health; without the CA the
# handshake fails verification; servicio --log-url https://... --log-ca
# CERT --token-file delivers its batch; with another certificate as CA it
# delivers nothing (the batch waits in its spool).
# timeout: 180
. "$(dirname "$0")/../lib.sh"
need_cmd curl jq openssl sqlite3
bin=${ADMIN_LOGS_BIN:-$GESTOR_BIN/admin_logs}
[ -x "$bin" ] || skip "$bin is not built (make)"
dir=$(mktemp -d /tmp/gestor-auth.XXXXXX)
on_exit rm -rf "$dir"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/token"
chmod 600 "$dir/token"
TOKEN=$(cat "$dir/token")

# start NAME ARGS...: admin_logs on port 0; sets PORT
start() {
	local name=$1
	shift
	rm -f "$dir/$name.port"
	"$bin" --port 0 --port-file "$dir/$name.port" --db "$dir/$name.db" "$@" >"$dir/$name.log" 2>&1 &
	PIDS+=("$!")
	on_exit kill "$!"
	wait_for 10 test -s "$dir/$name.port" || fail "admin_logs did not start: $(cat "$dir/$name.log")"
	PORT=$(cat "$dir/$name.port")
}
PIDS=()
batch() { # ID: a valid one-record batch
	printf '{"batch_id":"%s","host":"auth","records":[{"type":"decision","ts_ns":1764338400000000000,"cycle":1,"container":{"id":"a1","name":"gestor-low-a1"},"class":"low","action":"kept","reason":"auth test","rank":1,"metrics":{"cpu_pct":0.5,"rss_kb":10,"mem_kb":12,"mem_pct":0.1}}]}' "$1"
}
code() { curl -s -o "$dir/body" -w '%{http_code}' --max-time 5 "$@"; }
stored() { sqlite3 "file:$1?mode=ro" "select count(*) from batches where batch_id = '$2'"; }

# --- the token
start plain --token-file "$dir/token" --quiet
U=http://127.0.0.1:$PORT
check "POST without a token: 401" [ "$(code -X POST --data "$(batch no-token)" "$U/logs")" = 401 ]
check "the 401 names the scheme (WWW-Authenticate: Bearer)" bash -c "curl -si -X POST --data '{}' '$U/logs' | grep -qi '^WWW-Authenticate: Bearer'"
check "POST with a wrong token: 401" [ "$(code -H "Authorization: Bearer x$TOKEN" -X POST --data "$(batch wrong-token)" "$U/logs")" = 401 ]
check "POST with another scheme: 401" [ "$(code -H "Authorization: Basic $TOKEN" -X POST --data "$(batch basic)" "$U/logs")" = 401 ]
check "POST with the token: 201" [ "$(code -H "Authorization: Bearer $TOKEN" -X POST --data "$(batch good)" "$U/logs")" = 201 ]
check "the refused batches stored nothing, the accepted one is stored" \
	[ "$(stored "$dir/plain.db" no-token)$(stored "$dir/plain.db" wrong-token)$(stored "$dir/plain.db" basic)$(stored "$dir/plain.db" good)" = 0001 ]
check "reads from loopback need no token" eval '[ "$(code "$U/logs?batch=good")" = 200 ] && [ "$(jq .count "$dir/body")" = 1 ]'
check "the access log holds the 401s" [ "$(sqlite3 "file:$dir/plain.db?mode=ro" "select count(*) from access_log where status = 401")" -ge 3 ]

# --- beyond loopback
"$bin" --listen 0.0.0.0 --port 0 --db "$dir/refused.db" >"$dir/refused.log" 2>&1 &
rp=$!
on_exit kill "$rp"
wait_for 5 bash -c "! kill -0 $rp 2>/dev/null"
wait "$rp"
rc=$?
sed 's/^/# /' "$dir/refused.log"
check "listening on 0.0.0.0 without a token is refused (exit $rc)" eval '[ "$rc" != 0 ] && grep -q "refusing to listen on 0.0.0.0 without a token" "$dir/refused.log"'
timeout 5 "$bin" --listen :: --port 0 --db "$dir/refused6.db" >"$dir/refused6.log" 2>&1
rc=$?
check "on :: too (exit $rc)" eval '[ "$rc" = 1 ] && grep -q "refusing to listen on :: without a token" "$dir/refused6.log"'
timeout 5 "$bin" --listen 0.0.0.0 --port 0 --db "$dir/plain-wide.db" --token-file "$dir/token" >"$dir/plain-wide.log" 2>&1
rc=$?
check "on 0.0.0.0 with a token but no TLS: refused (exit $rc)" eval '[ "$rc" = 1 ] && grep -q "with a token but without TLS" "$dir/plain-wide.log"'
start wide --listen 0.0.0.0 --token-file "$dir/token" --allow-plaintext --quiet
ext=$(ip -4 -o addr show scope global 2>/dev/null | awk '{sub(/\/.*/, "", $4); print $4; exit}')
if [ -n "$ext" ]; then
	check "a read from a non-loopback address ($ext) needs the token" [ "$(code "http://$ext:$PORT/logs")" = 401 ]
	check "and gets it with the token" [ "$(code -H "Authorization: Bearer $TOKEN" "http://$ext:$PORT/logs")" = 200 ]
	check "/health is open from there" [ "$(code "http://$ext:$PORT/health")" = 200 ]
else
	partial "non-loopback reads: no global IPv4 address here"
fi

# --- TLS with a self-signed certificate made here
mkcert() { # NAME: a self-signed certificate for 127.0.0.1 / localhost
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=gestor-auth-test" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$dir/$1.key" -out "$dir/$1.crt" >/dev/null 2>&1
}
mkcert tls || fail "openssl could not make a certificate"
mkcert other
start tls --tls-cert "$dir/tls.crt" --tls-key "$dir/tls.key" --token-file "$dir/token" --quiet
S=https://127.0.0.1:$PORT
check "TLS: /health over https, verified against the certificate" [ "$(code --cacert "$dir/tls.crt" "$S/health")" = 200 ]
check "TLS: POST over https with the token: 201" [ "$(code --cacert "$dir/tls.crt" -H "Authorization: Bearer $TOKEN" -X POST --data "$(batch tls-good)" "$S/logs")" = 201 ]
check "TLS: without that CA the certificate is refused" [ "$(code "$S/health")" = 000 ]
check "TLS: plain http to the TLS port gets no answer" [ "$(code "http://127.0.0.1:$PORT/health")" = 000 ]
check "TLS: the startup line says https" grep -q "listening on https://" "$dir/tls.log"
# TLS 1.2+ only: a client offering TLS 1.1 at most (security level 0, so
# openssl itself would speak it) gets no session; TLS 1.2 and 1.3 get one
tlsv() { echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" "-$1" -cipher 'DEFAULT:@SECLEVEL=0' 2>&1; }
tlsv tls1_1 >"$dir/tls11.txt"
check "TLS: a TLS 1.1 client is refused at the handshake" \
	eval 'grep -q "Cipher is (NONE)" "$dir/tls11.txt" && ! grep -qi "no protocols available" "$dir/tls11.txt"'
check "TLS: curl with --tls-max 1.1 gets no answer" [ "$(code --cacert "$dir/tls.crt" --tls-max 1.1 "$S/health")" = 000 ]
check "TLS: a TLS 1.2 client is accepted" bash -c "$(declare -f tlsv); PORT=$PORT tlsv tls1_2 | grep -q 'New, TLSv1.2, Cipher is'"
check "TLS: a TLS 1.3 client is accepted" bash -c "$(declare -f tlsv); PORT=$PORT tlsv tls1_3 | grep -q 'New, TLSv1.3, Cipher is'"
check "TLS: curl pinned to TLS 1.2 gets /health" [ "$(code --cacert "$dir/tls.crt" --tlsv1.2 --tls-max 1.2 "$S/health")" = 200 ]
timeout 5 "$bin" --port 0 --db "$dir/mis.db" --tls-cert "$dir/tls.crt" --tls-key "$dir/other.key" >"$dir/mis.log" 2>&1
rc=$?
check "TLS: a key not matching the certificate is refused at start (exit $rc)" eval '[ "$rc" = 1 ] && grep -q "certificate and the given key do not match" "$dir/mis.log"'

# --- the database password stays out of argv and the log
# a "database" that accepts the connection and never answers: admin_logs
# waits in libpq's connect (3 s) while its argv is read
hold=$(free_port)
/usr/bin/python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(15)' "$hold" &
on_exit kill "$!"
wait_for 5 bash -c "ss -ltn | grep -q ':$hold '"
pgurl="postgresql://gestor:s3cr3t-pw@127.0.0.1:$hold/gestor"
printf '%s\n' "$pgurl" >"$dir/dburl"
"$bin" --port 0 --db "$pgurl" >"$dir/pw-argv.log" 2>&1 &
pwp=$!
on_exit kill "$pwp"
wait_for 5 grep -q "password was on the command line" "$dir/pw-argv.log"
args_seen=$(tr '\0' ' ' <"/proc/$pwp/cmdline" 2>/dev/null)
echo "# argv while connecting: $args_seen"
wait "$pwp"
check "a password given in --db is scrubbed from argv and never logged" \
	eval '! grep -q s3cr3t-pw "$dir/pw-argv.log" && [ -n "$args_seen" ] && ! printf "%s" "$args_seen" | grep -q s3cr3t-pw && grep -q "password was on the command line" "$dir/pw-argv.log"'
timeout 10 "$bin" --port 0 --db-file "$dir/dburl" >"$dir/pw-file.log" 2>&1
check "--db-file reads the URL (it reaches libpq) and the password is never logged" \
	eval '! grep -q s3cr3t-pw "$dir/pw-file.log" && grep -q "127.0.0.1" "$dir/pw-file.log"'

# --- servicio -> admin_logs over https, verified, with the token
svc=${SVT_BIN:-$GESTOR_BUILD/asan/bin/servicio}
[ -x "$svc" ] || svc=$GESTOR_BIN/servicio
if [ -x "$svc" ] && docker_up; then
	tag=gestor-auth-$$
	args=(--once --dry-run --no-cron --scope "gestor.test=$tag" --host "$tag" --interval 1
		--log-url "$S" --token-file "$dir/token")
	"$svc" "${args[@]}" --log-ca "$dir/tls.crt" --spool "$dir/spool1/spool" >"$dir/svc1.log" 2>&1
	rc=$?
	n=$(sqlite3 "file:$dir/tls.db?mode=ro" "select coalesce(sum(n_records), 0) from batches where host = '$tag'")
	check "servicio --log-ca --token-file delivers over https (exit $rc, $n records)" eval '[ "$rc" = 0 ] && [ "$n" -gt 0 ]'
	check "servicio left nothing in its spool" bash -c "[ ! -s '$dir/spool1/spool' ]"
	"$svc" "${args[@]}" --log-ca "$dir/other.crt" --spool "$dir/spool2/spool" >"$dir/svc2.log" 2>&1
	grep -m1 -i 'unreachable' "$dir/svc2.log" | sed 's/^/# /'
	check "with another certificate as CA it delivers nothing: the batch waits in the spool" bash -c "[ -s '$dir/spool2/spool' ] && grep -qi 'certificate' '$dir/svc2.log'"
	"$svc" "${args[@]}" --log-ca "$dir/tls.crt" --token-file "$dir/tls.key" --spool "$dir/spool3/spool" >"$dir/svc3.log" 2>&1
	check "servicio with a bad token file stops with a clear error" bash -c "grep -q 'token file' '$dir/svc3.log'"
else
	partial "servicio over https: servicio is not built or Docker does not answer"
fi
grep -iE 'AddressSanitizer|runtime error' "$dir"/*.log && fail "sanitizer report"
finish
