#!/usr/bin/env bash
# trust_lock.sh — another local user cannot stop root's cron edits by
# holding the lock first. As a throwaway user made here (removed at the
# end) the suite creates the old shared lock /run/lock/gestor-cron.lock (when
# nobody has it yet) and holds flock on it, and tries to create and hold
# the new one, /run/gestor/cron.lock; then, as root, scripts/cron.sh install
# and remove on root's real crontab, with a pair of its own
# (GESTOR_CRON_ID), must both succeed well within the script's 60 s lock wait.
# Also: the run directory is root's 0700, and an existing one of another
# mode is refused with a message (checked on a private GESTOR_RUN_DIR).
# timeout: 300
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
need_root
need_cmd useradd userdel setpriv flock crontab
cron=$GESTOR_TOP/scripts/cron.sh
tmp=$(mktemp -d /tmp/gtrust-lock.XXXXXX)
on_exit "rm -rf '$tmp'"
u=gtl$$
useradd --system --no-create-home --shell /usr/sbin/nologin "$u" || fail "useradd $u"
on_exit "pkill -u $u; userdel $u"
export GESTOR_CRON_ID=test-trust-lock-$$ GESTOR_CRON_LOG=$tmp/log/run.log
on_exit "GESTOR_CRON_ID=$GESTOR_CRON_ID '$cron' remove"
as_user() { setpriv --reuid="$u" --regid="$u" --clear-groups -- "$@"; }

old=/run/lock/gestor-cron.lock
if [ ! -e "$old" ]; then
	as_user touch "$old" && on_exit "rm -f '$old'"
fi
# hold flock on whatever the user can open at the old and at the new place
holder=
for l in "$old" /run/gestor/cron.lock; do
	as_user flock -n "$l" sleep 600 >/dev/null 2>&1 &
	on_exit "kill $! 2>/dev/null"
	[ "$l" = "$old" ] && holder=$!
done
# held: someone holds flock on FILE (root's non-blocking try fails)
held() { [ -e "$1" ] && ! flock -n "$1" true; }
# (the holder at the old place, when the user could open the file there:
# waited for as an event, not a sleep)
user_held=
wait_for 30 bash -c "kill -0 $holder 2>/dev/null || exit 0; ! flock -n '$old' true" &&
	kill -0 "$holder" 2>/dev/null && held "$old" && user_held=1
echo "# the user holds: $([ -n "$user_held" ] && ls -l "$old" || echo 'nothing at the old place')"

t0=$(date +%s)
timeout 90 "$cron" install >"$tmp/install.out" 2>&1
rc=$?
t1=$(date +%s)
# Not waiting on the user's lock is shown by events, not by a time: cron.sh
# waits at most 60 s for its lock and then fails (flock -w 60), so a 0
# status while the user still holds the old lock means the install never
# queued behind it. (How long the install takes is a figure: bench/timings.sh.)
check "cron install succeeds with the user's lock in place (status $rc; took $((t1 - t0)) s)" [ "$rc" = 0 ]
if [ -n "$user_held" ]; then
	check "... without waiting on it: the user still holds the old lock after the install returned" \
		eval 'kill -0 "$holder" && held "$old"'
fi
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/install.out"
check "the pair is in root's crontab" bash -c "crontab -l | grep -c ' # gestor-cron:$GESTOR_CRON_ID\$' | grep -qx 2"
timeout 90 "$cron" remove >"$tmp/remove.out" 2>&1
rc=$?
check "cron remove succeeds with the user's lock in place (status $rc)" [ "$rc" = 0 ]
check "the pair is gone from root's crontab" bash -c "! crontab -l 2>/dev/null | grep -q ' # gestor-cron:$GESTOR_CRON_ID\$'"
check "the run directory /run/gestor is root's and 0700" [ "$(stat -c '%u %a' /run/gestor 2>/dev/null)" = "0 700" ]
check "the user could not make the lock file in it" [ "$(stat -c %u /run/gestor/cron.lock)" = 0 ]

mkdir -m 755 "$tmp/run"
GESTOR_RUN_DIR=$tmp/run timeout 90 "$cron" install >"$tmp/mode.out" 2>&1
rc=$?
check "an existing run directory with mode 755 is refused (status $rc)" [ "$rc" = 2 ]
check "... saying which and why" grep -q "refused $tmp/run: owned by uid 0 with mode 755" "$tmp/mode.out"
GESTOR_RUN_DIR=$tmp/run "$cron" remove >/dev/null 2>&1
finish
