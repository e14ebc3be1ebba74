#!/usr/bin/env bash
# trust_checkout.sh — root runs only root's files. A copy of the files root
# would run (scripts/cron.sh and trust.sh, contenedores.sh, the module)
# owned by a throwaway user made here (removed at the end), and a root-owned
# copy under a group-writable directory, are each refused with a message
# naming the path and why: by servicio before it runs cron.sh
# (--cron-script), by cron.sh before it writes contenedores.sh into root's
# crontab, and by module.sh before insmod. A root-owned copy in root-owned
# 0755 directories is the control: accepted. Crontab edits go to a file of
# the suite (GESTOR_CRONTAB_FILE), never to root's crontab.
# timeout: 240
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
need_root
need_docker
need_cmd useradd userdel
bin=$GESTOR_BIN/servicio
[ -x "$bin" ] || skip "servicio is not built"
# not under /tmp: a world-writable directory above would be refused first
base=$(mktemp -d /var/lib/gestor-trust-test.XXXXXX) || fail "mktemp"
on_exit "rm -rf '$base'"
chmod 755 "$base"
u=gtc$$
useradd --system --no-create-home --shell /usr/sbin/nologin "$u" || fail "useradd $u"
on_exit "userdel $u"
uid=$(id -u "$u")

# copy DIR: the files root runs, under DIR (made, root's, 0755)
copy() {
	mkdir -p "$1/scripts" "$1/kernel"
	cp "$GESTOR_TOP/scripts/cron.sh" "$GESTOR_TOP/scripts/trust.sh" "$GESTOR_TOP/scripts/module.sh" "$1/scripts/"
	cp "$GESTOR_TOP/contenedores.sh" "$1/"
	# a stand-in module file: only its ownership is looked at before insmod
	cp "$GESTOR_TOP/kernel/sysinfo.ko" "$1/kernel/" 2>/dev/null || echo "not a module" >"$1/kernel/sysinfo.ko"
	chmod -R go-w "$1"
}
copy "$base/user" && chown -R "$u:$u" "$base/user"
mkdir -m 775 "$base/gw" && copy "$base/gw/co"
copy "$base/root"
export GESTOR_CRONTAB_FILE=$base/crontab GESTOR_CRON_ID=trust-checkout-$$ GESTOR_CRON_LOG=$base/log/run.log
# a log server of the suite's own that takes servicio's batches: with none
# answering, each run's stop would wait 15 s for it to take the spool
adm=$GESTOR_BIN/admin_logs
[ -x "$adm" ] || skip "admin_logs is not built"
"$adm" --listen 127.0.0.1 --port 0 --port-file "$base/alport" --db "$base/logs.db" --quiet \
	>"$base/admin_logs.log" 2>&1 &
apid=$!
on_exit "stop_pid $apid"
wait_for 20 test -s "$base/alport" || fail "admin_logs did not start: $(cat "$base/admin_logs.log")"
port=$(cat "$base/alport")
# the cron job is the demo's when servicio has --demo
demo=()
[[ "$("$bin" --help)" == *'--demo '* ]] && demo=(--demo)

# servicio: a short run that would install the cron job with this cron.sh
svc() {
	timeout -k 5 60 "$bin" "${demo[@]}" --cron-script "$1" --duration 2 --interval 1 --no-events \
		--metrics-listen none --log-url "http://127.0.0.1:$port" --health-timeout 10 \
		--scope "gestor.test=gtrust-$$" --spool "$base/spool" >"$base/out" 2>&1
}
svc "$base/user/scripts/cron.sh"
check "servicio refuses a user-owned cron.sh, naming it" \
	grep -q "cron: refused $base/user/scripts/cron.sh: $base/user/scripts/cron.sh is owned by uid $uid, not root" "$base/out"
check "... and never installs the cron lines" bash -c "! grep -q 'installed: contenedores.sh' '$base/out'"
svc "$base/gw/co/scripts/cron.sh"
check "servicio refuses a cron.sh under a group-writable directory, naming it" \
	grep -q "cron: refused $base/gw/co/scripts/cron.sh: $base/gw is group- or world-writable (mode 775" "$base/out"
check "... and never installs the cron lines" bash -c "! grep -q 'installed: contenedores.sh' '$base/out'"
svc "$base/root/scripts/cron.sh"
check "control: servicio runs a root-owned cron.sh in root-owned directories" \
	grep -q "installed: contenedores.sh runs every 30 s" "$base/out"
check "control: ... which writes the pair, and removes it at the stop" \
	grep -q "removed the gestor cron lines" "$base/out"

"$base/user/scripts/cron.sh" install >"$base/out" 2>&1
rc=$?
check "cron.sh refuses to put a user-owned contenedores.sh into root's crontab (status $rc)" [ "$rc" = 2 ]
check "... naming it and the owner" grep -q "refused $base/user/contenedores.sh: $base/user/contenedores.sh is owned by uid $uid, not root" "$base/out"
"$base/gw/co/scripts/cron.sh" install >"$base/out" 2>&1
rc=$?
check "cron.sh refuses a contenedores.sh under a group-writable directory (status $rc)" [ "$rc" = 2 ]
check "... naming the directory" grep -q "refused $base/gw/co/contenedores.sh: $base/gw is group- or world-writable (mode 775" "$base/out"
check "no cron line was written by either" [ ! -s "$base/crontab" ]
"$base/root/scripts/cron.sh" install >"$base/out" 2>&1
check "control: a root-owned copy is installed" grep -q "^installed" "$base/out"
"$base/root/scripts/cron.sh" remove >/dev/null 2>&1

"$base/user/scripts/module.sh" load >"$base/out" 2>&1
check "module.sh refuses a user-owned module before insmod" \
	grep -q "module: refused $base/user/kernel/sysinfo.ko: $base/user/kernel/sysinfo.ko is owned by uid $uid, not root" "$base/out"
"$base/gw/co/scripts/module.sh" load >"$base/out" 2>&1
check "module.sh refuses a module under a group-writable directory" \
	grep -q "module: refused $base/gw/co/kernel/sysinfo.ko: $base/gw is group- or world-writable" "$base/out"
"$base/root/scripts/module.sh" load >"$base/out" 2>&1
check "control: module.sh does not refuse a root-owned module for its owner" bash -c "! grep -q refused '$base/out'"
finish
