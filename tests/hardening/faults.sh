#!/usr/bin/env bash
# faults.sh — fault injection without touching the components' code:
#  1. admin_logs's database on a small tmpfs filled to the last byte: POSTs
#     are refused with 503 (docs/log-api.md: "the database's disk is full:
#     not stored, retry later"), /health still answers, every batch acknowledged
#     before is intact (integrity_check, counts); once space is freed the
#     refused batches are accepted on retry.
#  2. servicio's spool on a full tmpfs, admin_logs unreachable: servicio says
#     the spool is full; the batch spooled before the disk filled is kept and
#     delivered by the next run to a real admin_logs (0 lost).
#  3. The Docker socket missing (no such path) or refusing (a dead socket
#     file) at start: servicio exits non-zero with an error naming the socket.
#  4. The module file disappearing between cycles (--module-path a temp copy
#     of a document the real module wrote in the VM, deleted mid-run): servicio
#     falls back to procfs and says so.
# Never touches dockerd, needs root for mount; parts 2 and 4 need Docker up.
# timeout: 360
# parallel: yes mounts docker-ro bpf
. "$(dirname "$0")/../lib.sh"
need_root
svc=$GESTOR_BIN/servicio adm=$GESTOR_BIN/admin_logs
[ -x "$svc" ] && [ -x "$adm" ] || skip "servicio/admin_logs not built (make)"
need_cmd /usr/bin/python3 curl
dir=$(mktemp -d /tmp/gestor-faults.XXXXXX)
on_exit rm -rf "$dir"
pyq() { /usr/bin/python3 -c "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro',uri=True); print(c.execute(sys.argv[2]).fetchone()[0])" "$@"; }
batch() { # batch ID: one valid decision record, ~1 KiB of reason (the bound is 1024)
	local pad
	pad=$(head -c 1000 /dev/zero | tr '\0' r)
	printf '{"batch_id":"%s","host":"faults","records":[{"type":"decision","ts_ns":%s,"cycle":1,"container":{"id":"%064d","name":"gestor-low-f"},"class":"low","action":"kept","reason":"fault %s","rank":1,"metrics":{"cpu_pct":1.5,"rss_kb":10,"mem_kb":12,"mem_pct":0.1}}]}' \
		"$1" "$(date +%s%N)" 0 "$pad"
}
post() { batch "$2" | curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$1/logs"; }
start_adm() { # start_adm DBPATH LOG -> sets apid aport
	rm -f "$dir/port"
	"$adm" --listen 127.0.0.1 --port 0 --port-file "$dir/port" --db "$1" --quiet >"$2" 2>&1 &
	apid=$!
	on_exit kill "$apid"
	wait_for 10 test -s "$dir/port" || fail "admin_logs did not start: $(cat "$2")"
	aport=$(cat "$dir/port")
}

# ---- 1. database disk full
mnt=$dir/dbfs
mkdir -p "$mnt" && mount -t tmpfs -o size=4m tmpfs "$mnt" || skip "cannot mount a tmpfs here"
on_exit umount -l "$mnt"
start_adm "$mnt/gestor.db" "$dir/adm1.log"
ok=0
for i in $(seq 1 20); do [ "$(post "$aport" "before-$i")" = 201 ] && ok=$((ok + 1)); done
check "20 batches acknowledged (201) before the disk fills" [ "$ok" = 20 ]
dd if=/dev/zero of="$mnt/filler" bs=64k status=none 2>/dev/null # until ENOSPC
codes=() refused=()
for i in $(seq 1 40); do
	c=$(post "$aport" "full-$i")
	codes+=("$c")
	[ "$c" = 201 ] || refused+=("full-$i")
done
echo "answers with the disk full: ${codes[*]}"
n201=$(printf '%s\n' "${codes[@]}" | grep -c '^201$')
bad=$(printf '%s\n' "${codes[@]}" | grep -vcE '^(201|503)$')
check "disk full: batches refused with 503 (${#refused[@]} refused, $n201 fitted in space already allocated)" \
	test "${#refused[@]}" -gt 0 -a "$bad" = 0
check "disk full: /health still answers" curl -sf --max-time 5 "http://127.0.0.1:$aport/health" -o /dev/null
check "disk full: admin_logs still running" kill -0 "$apid"
rm -f "$mnt/filler"
retried=0
for b in "${refused[@]}"; do [ "$(post "$aport" "$b")" = 201 ] && retried=$((retried + 1)); done
check "space freed: all ${#refused[@]} refused batches accepted on retry" [ "$retried" = "${#refused[@]}" ]
kill "$apid" && wait "$apid" 2>/dev/null
check "database integrity_check ok" [ "$(pyq "$mnt/gestor.db" 'pragma integrity_check')" = ok ]
nb=$(pyq "$mnt/gestor.db" "select count(*) from batches where batch_id like 'before-%' or batch_id like 'full-%'")
check "every acknowledged batch stored: $nb of $((20 + 40)) (0 lost)" [ "$nb" = 60 ]
umount "$mnt"

# ---- 2. spool disk full (servicio's cycle needs a Docker daemon to list containers)
if ! docker_up; then
	partial "2 (spool disk full): no Docker daemon answers"
else
smnt=$dir/spoolfs
mkdir -p "$smnt" && mount -t tmpfs -o size=1m tmpfs "$smnt" || fail "mount"
on_exit umount -l "$smnt"
svc_once() { timeout 90 "$svc" --once --dry-run --no-cron --scope gestor.hardening=none --health-timeout 1 \
	--interval 1 "$@"; }
svc_once --log-url http://127.0.0.1:1 --spool "$smnt/spool" >"$dir/s1.out" 2>"$dir/s1.err"
first=$(head -c 200 "$smnt/spool" 2>/dev/null | grep -o '"batch_id":"[^"]*"' | head -n1 | cut -d'"' -f4)
check "admin_logs unreachable: a batch is spooled ($first)" [ -n "$first" ]
dd if=/dev/zero of="$smnt/filler" bs=16k status=none 2>/dev/null
dd if=/dev/zero of="$smnt/filler2" bs=1k status=none 2>/dev/null
# The spool's last page may still have room for several batches (tmpfs
# allocates whole pages; a batch here is ~0.4 KiB): one servicio cycles
# (a batch a second, each spooled) until a batch no longer fits, then is
# stopped (SIGTERM: its graceful stop). One run instead of a --once run per
# batch: each run's stop waits 5 s for the log server to take its spool.
cp "$smnt/spool" "$dir/spool.before"
timeout 120 "$svc" --dry-run --no-cron --no-events --scope gestor.hardening=none --health-timeout 1 \
	--interval 1 --duration 90 --log-url http://127.0.0.1:1 --spool "$smnt/spool" \
	>"$dir/s2.out" 2>"$dir/s2.err" &
spid=$!
wait_for 90 grep -qiE 'no space|ENOSPC' "$dir/s2.err"
kill -TERM "$spid" 2>/dev/null
wait "$spid"
echo "    | spool: $(stat -c %s "$dir/spool.before") bytes before that run, $(stat -c %s "$smnt/spool") after"
grep -iE 'spool|space' "$dir/s2.err" | sort -u -k4 | head -n 8 | sed 's/^/    | /'
check "spool disk full: servicio says so (No space left / spool error)" grep -qiE 'no space|ENOSPC|spool.*(full|lost|fail)' "$dir/s2.err"
check "spool disk full: the batch spooled before is intact" cmp -s <(head -c "$(stat -c %s "$dir/spool.before")" "$smnt/spool") "$dir/spool.before"
rm -f "$smnt/filler" "$smnt/filler2"
# every batch the spool holds (the one before and those of the run that
# filled the disk) is delivered once space is back
spooled=$(grep -ao '"batch_id":"[^"]*"' "$smnt/spool" | cut -d'"' -f4 | sort -u)
start_adm "$dir/s.db" "$dir/adm2.log"
svc_once --log-url "http://127.0.0.1:$aport" --spool "$smnt/spool" >"$dir/s3.out" 2>"$dir/s3.err"
check "space back: the spooled batch reaches admin_logs (0 lost)" \
	[ "$(pyq "$dir/s.db" "select count(*) from batches where batch_id='$first'")" = 1 ]
got=0
for b in $spooled; do [ "$(pyq "$dir/s.db" "select count(*) from batches where batch_id='$b'")" = 1 ] && got=$((got + 1)); done
check "space back: all $(wc -w <<<"$spooled") batches of the spool reach it ($got)" [ "$got" = "$(wc -w <<<"$spooled")" ]
kill "$apid"
fi

# ---- 3. Docker socket missing or refusing at start
timeout 30 "$svc" --once --no-cron --docker-socket "$dir/no-such.sock" --log-url http://127.0.0.1:1 \
	--spool "$dir/sp3/spool" >/dev/null 2>"$dir/d1.err"
rc=$?
sed 's/^/    | /' "$dir/d1.err" | tail -n 3
check "Docker socket missing: exit non-zero ($rc) naming the socket" test "$rc" != 0 -a "$rc" != 124
check "Docker socket missing: the error names the path" grep -q "no-such.sock" "$dir/d1.err"
/usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$dir/dead.sock"
timeout 30 "$svc" --once --no-cron --docker-socket "$dir/dead.sock" --log-url http://127.0.0.1:1 \
	--spool "$dir/sp3/spool" >/dev/null 2>"$dir/d2.err"
rc=$?
sed 's/^/    | /' "$dir/d2.err" | tail -n 3
check "Docker socket refusing: exit non-zero ($rc) naming the socket" test "$rc" != 0 -a "$rc" != 124
check "Docker socket refusing: the error names the path" grep -q "dead.sock" "$dir/d2.err"

# ---- 4. module file disappears between cycles
# a document captured from the real module (committed: the same input whatever ran before)
doc=$GESTOR_TOP/servicio/tests/fixtures/module/normal.json
[ -f "$doc" ] || doc=
if ! docker_up; then
	partial "4 (module file disappears): no Docker daemon answers"
elif [ -z "$doc" ]; then
	partial "4 (module file disappears): no captured module document"
else
	cp "$doc" "$dir/sysinfo"
	timeout 60 "$svc" --interval 1 --duration 6 --dry-run --no-cron --table --scope gestor.hardening=none \
		--module-path "$dir/sysinfo" --log-url http://127.0.0.1:1 --spool "$dir/sp4/spool" \
		>"$dir/m.out" 2>"$dir/m.err" &
	spid=$!
	sleep 2.5
	rm -f "$dir/sysinfo"
	wait "$spid"
	rc=$?
	grep -iE 'source|module|procfs' "$dir/m.err" | sed 's/^/    | /' | head -n 6
	check "module file present: servicio reads it (source module)" grep -qiE 'source: module|· module ·' "$dir/m.err" "$dir/m.out"
	# auto's next source: the BPF iterator where this kernel allows it, else procfs
	check "module file gone: falls back to the next source and says why" \
		grep -qE 'metrics source: (bpf|procfs) from now on \(module source failed \(.*sysinfo: No such file' "$dir/m.err"
	check "module file gone: later cycles use that source" grep -qE '· (bpf|procfs) ·' "$dir/m.out"
	check "servicio ran to its end (exit $rc)" [ "$rc" = 0 ]
fi
finish
