#!/usr/bin/env bash
# trust_token.sh — servicio reads its bearer token only from a private
# regular file (lib/token.c): a FIFO in its place does not hang it, a
# symbolic link (which would make root send any file it can read as the
# token) is refused, and so is a file other users can read. Each refusal is
# a clear error naming the file, and servicio exits instead of running.
# A private 0600 file is the control: it is taken.
# parallel: yes docker
# timeout: 180
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
need_root
need_docker
bin=$GESTOR_BIN/servicio
[ -x "$bin" ] || skip "servicio is not built"
dir=$(mktemp -d /tmp/gtrust-token.XXXXXX)
on_exit "rm -rf '$dir'"
port=$(free_port) # nobody listens: servicio spools, which is fine here
# (https: servicio sends no token over plain http, see docs/servicio.md)

# run_with TOKENFILE: servicio once against an external log URL; its output
# in $dir/out, its status in $dir/rc; killed (status 124) after 40 s
run_with() {
	timeout -k 5 40 "$bin" --log-url "https://127.0.0.1:$port" --token-file "$1" --once \
		--no-cron --no-events --metrics-listen none --scope "gestor.test=gtrust-$$" \
		--spool "$dir/spool" --health-timeout 1 >"$dir/out" 2>&1
	echo $? >"$dir/rc"
}
said() { grep -q -- "$1" "$dir/out"; }
rc() { cat "$dir/rc"; }

(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/real")

mkfifo -m 600 "$dir/fifo"
run_with "$dir/fifo"
check "a FIFO token does not hang servicio (status $(rc), not 124)" [ "$(rc)" != 124 ]
check "a FIFO token is refused with a clear error" said "token file $dir/fifo: not a regular file"
check "servicio exits non-zero on it" [ "$(rc)" != 0 ]

ln -s "$dir/real" "$dir/link"
run_with "$dir/link"
check "a symlinked token is refused with a clear error" said "token file $dir/link: is a symbolic link"
check "servicio exits non-zero on it" [ "$(rc)" != 0 ] && [ "$(rc)" != 124 ]

cp "$dir/real" "$dir/open" && chmod 644 "$dir/open"
run_with "$dir/open"
check "a token other users can read is refused" said "token file $dir/open: mode 0644"

run_with "$dir/real"
check "the control: a private 0600 token is taken (status $(rc))" [ "$(rc)" = 0 ]
check "the control: no token error" bash -c "! grep -q 'token file' '$dir/out'"
[ "$(rc)" = 0 ] || sed 's/^/# /' "$dir/out" | tail -n 5
finish
