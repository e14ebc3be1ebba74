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
start wide --listen 0.0.0.0 --token-file "$dir/token" --quiet
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
timeout 5 "$bin" --port 0 --db "$dir/mis.db" --tls-cert "$dir/tls.crt" --tls-key "$dir/other.key" >"$dir/mis.log" 2>&1
rc=$?
check "TLS: a key not matching the certificate is refused at start (exit $rc)" eval '[ "$rc" = 1 ] && grep -q "certificate and the given key do not match" "$dir/mis.log"'

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
