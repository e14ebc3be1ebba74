# deb_vm-guest.sh — install/deb_vm's part inside the VM (tests/install/
# shellcheck shell=bash
# sdvm.sh's agent runs it as root once per boot, from the payload disk
# /sdvm, output on the serial console). Not executable: it only runs there.
#
# Boot 1: systemd is PID 1 and the VM has no network; `apt-get install
# ./*.deb` (the four packages in /sdvm/debs); DKMS built the module and it
# is loaded; gestor.service and the log server (its container, Docker's
# restart policy) run; servicio's records reach the log server; the journal
# has servicio's lines at their own priority (`journalctl -p err` only
# errors); `kill -9` of servicio's main process → systemd restarts it while
# the log server runs on; then `systemctl reboot`.
# Boot 2: the module, gestor.service and the log server come back by
# themselves and a new run's records reach the server; `apt-get purge`
# of the four packages; then no file, unit, cron line, module, container or
# image of gestor's is left; `systemctl poweroff`.
#
# Results: "@@CHECK 0|1 what" lines in /sdvm/out/checks.txt (and on the
# console), "@@TIME what seconds", "@@INFO ..."; the journals and logs in
# /sdvm/out for the host to keep.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root
export DEBIAN_FRONTEND=noninteractive
out=/sdvm/out
mkdir -p "$out"
phase=$(cat "$out/phase" 2>/dev/null || echo 1)
PKGS="gestor gestor-logs gestor-dkms gestor-demo"
API=http://127.0.0.1:8000

say() {
	echo "$*" | tee -a "$out/checks.txt"
	sync
}
# ck WHAT CMD...: one check; "@@STEP boot uptime seconds what" in
# times.txt says when it ended (the VM's uptime) and how long it took
ck() {
	local what=$1 t0=$SECONDS
	shift
	echo "### $what" >>"$out/ck.log"
	if "$@" >>"$out/ck.log" 2>&1; then say "@@CHECK 0 $what"; else say "@@CHECK 1 $what"; fi
	echo "@@STEP $phase $(cut -d' ' -f1 /proc/uptime) $((SECONDS - t0)) $what" >>"$out/times.txt"
}
# stamped CMD...: CMD's output, each line after the seconds since it began
stamped() {
	local t0=$SECONDS
	"$@" 2>&1 | while IFS= read -r l; do printf '%4d %s\n' "$((SECONDS - t0))" "$l"; done
	return "${PIPESTATUS[0]}"
}
info() { say "@@INFO $*"; }
# waitfor SECONDS CMD...: until CMD succeeds (polled every 2 s)
waitfor() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 2
	done
}
timed() { # timed NAME CMD...: run, say how long
	local name=$1 t0=$SECONDS rc
	shift
	"$@"
	rc=$?
	say "@@TIME $name $((SECONDS - t0))"
	return "$rc"
}
active() { [ "$(systemctl is-active "$1")" = active ]; }
mod_loaded() { grep -q '^sysinfo ' /proc/modules && [ -e /proc/sysinfo_202002591 ]; }
ctr() { docker inspect -f "$1" gestor-admin_logs 2>/dev/null; }
logsrv_runs() { [ "$(ctr '{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}')" = "true unless-stopped" ]; }
# the number of servicio runs of this host the log server holds records of
runs() { curl -sf --max-time 20 "$API/runs?host=gestorvm" | grep -o '"records": *[1-9]' | wc -l; }
runs_over() { [ "$(runs)" -gt "$1" ]; }
# how long to wait for records: generous while servicio runs, short when
# it does not (a failed check already says why; the run must still end)
patience() { if active gestor.service; then echo 900; else echo 60; fi; }
main_pid() { systemctl show -p MainPID --value gestor.service; }
restarted() { active gestor.service && [ "$(main_pid)" != "$1" ] && [ "$(main_pid)" != 0 ]; }
# killed_restarted PID: a process was killed (PID > 1) and systemd started a new one
killed_restarted() { [ "$1" -gt 1 ] && waitfor 600 restarted "$1"; }
has_main() { active gestor.service && [ "$(main_pid)" -gt 1 ]; }
nrestarts() { systemctl show -p NRestarts --value gestor.service; }
# systemd's own lines about gestor.service (starts, exits, the watchdog)
jlines_systemd() { journalctl -b --no-pager -q -o cat _PID=1 UNIT=gestor.service; }
keep_logs() {
	systemd-analyze >"$out/boot-time-boot$phase.txt" 2>&1
	systemd-analyze blame 2>/dev/null | head -n 25 >>"$out/boot-time-boot$phase.txt"
	journalctl -b --no-pager -u gestor.service >"$out/journal-gestor-boot$phase.txt" 2>&1
	journalctl -b --no-pager -p warning >"$out/journal-warning-boot$phase.txt" 2>&1
	docker logs gestor-admin_logs >"$out/admin_logs-boot$phase.txt" 2>&1
	systemctl --no-pager --failed >"$out/failed-boot$phase.txt" 2>&1
}
# the journal's lines of gestor.service's own processes (servicio, its
# ExecStartPre; not systemd's lines about the unit) at priorities $1
jlines() { journalctl -b --no-pager -q -o cat _SYSTEMD_UNIT=gestor.service -p "$1"; }
only_level() { # only_level PRIO WORD: every line at PRIO starts with WORD
	local n
	n=$(jlines "$1" | grep -cv "^$2")
	jlines "$1" | grep -v "^$2" | head -n 5
	[ "$n" = 0 ]
}

info "boot $phase: up $(cut -d' ' -f1 /proc/uptime) s, $(uname -r), $(nproc) CPUs; system: $(systemctl is-system-running)"
case "$phase" in
1)
	ck "PID 1 is Debian's systemd" test "$(readlink /proc/1/exe)" = /usr/lib/systemd/systemd
	# (docker0 and veths are Docker's virtual links; a NIC has a device)
	ck "the VM has no network (no network device, no route out)" bash -c \
		'! ls -d /sys/class/net/*/device && ! ip route get 151.101.2.132'
	ck "docker.service is active before the install" waitfor 600 active docker.service
	cat /proc/sys/kernel/random/boot_id >"$out/boot1"
	# The one setting made before the install, as an administrator of a slow
	# machine would: under TCG one Docker request (a container's start)
	# takes longer than servicio's 10 s default, and the log server longer
	# than 60 s to answer. A drop-in of the test's own, removed after the
	# purge (it is not the packages'). The unit's own WatchdogSec=120s stays:
	# servicio pings it while it waits on a Docker request (watchdog.h; a
	# run under TCG before that had servicio killed 2 min after its start).
	mkdir -p /etc/systemd/system/gestor.service.d
	printf '%s\n' '[Service]' 'Environment=GESTOR_DOCKER_TIMEOUT=120 GESTOR_HEALTH_TIMEOUT=300' \
		'TimeoutStartSec=900' >/etc/systemd/system/gestor.service.d/zz-slow-vm.conf
	info "installing $(cd /sdvm/debs && echo ./*.deb)"
	# (each line of apt's output after the seconds since it began: where
	# the install's time goes, unpacking, DKMS, docker load, the start)
	install_debs() { (cd /sdvm/debs && stamped apt-get install -y ./*.deb >"$out/apt-install.log"); }
	ck "apt-get install ./*.deb installs the four packages with no network" timed install install_debs
	tail -n 15 "$out/apt-install.log" | sed 's/^/@@INFO apt: /'
	dpkg -L $PKGS >"$out/files.txt" 2>/dev/null
	ck "DKMS built and installed the module for $(uname -r)" \
		bash -c 'dkms status sysinfo | tee /dev/stderr | grep -q "$(uname -r).*: installed"'
	ck "the module is loaded (/proc/sysinfo_202002591)" waitfor 60 mod_loaded
	ck "gestor.service is active" waitfor 600 active gestor.service
	ck "gestor.service is enabled (comes back at boot)" test "$(systemctl is-enabled gestor.service)" = enabled
	ck "the log server's container runs, with Docker's restart policy unless-stopped" waitfor 300 logsrv_runs
	ck "the demo's cron job is installed (gestor-demo)" bash -c 'crontab -l | grep -q contenedores'
	ck "servicio's cycle runs and its records reach the log server (GET /runs)" timed first-records waitfor "$(patience)" runs_over 0
	curl -sf --max-time 20 "$API/runs?host=gestorvm" >"$out/runs-boot1.json"
	curl -sf --max-time 20 "$API/logs?host=gestorvm&type=sample&order=desc&limit=1" >"$out/sample-boot1.json"
	ck "the log server holds samples of this host" grep -q '"type": *"sample"' "$out/sample-boot1.json"
	info "metrics source: $(jlines info | grep -m1 -io 'source[^,;]*' || echo '?')"
	ck "servicio's INFO lines reach the journal at priority info (6)" bash -c \
		'[ "$(journalctl -b -q -o cat _SYSTEMD_UNIT=gestor.service -p info..info | grep -c "^INFO")" -gt 0 ]'
	ck "journalctl -p err shows only error lines of gestor.service" only_level err ERROR
	ck "journalctl -p info..info shows no WARN or ERROR line (each line at its own level)" \
		bash -c '! journalctl -b -q -o cat _SYSTEMD_UNIT=gestor.service -p info..info | grep -qE "^(WARN|ERROR)"'
	keep_logs
	# kill -9: systemd restarts servicio; the log server lives on meanwhile.
	# The kill is of a running servicio: the service may be between two
	# starts (a restart of its own, said below), so first wait until it is
	# active with a main process; no kill, no pass.
	nr0=$(nrestarts)
	[ "$nr0" = 0 ] || info "gestor.service restarted $nr0 time(s) before the kill: $(jlines_systemd | grep -m3 -iE 'watchdog|main process exited|failed with' | tr '\n' ' ')"
	ck "gestor.service ran without a restart of its own until the kill (NRestarts 0)" test "$nr0" = 0
	waitfor 600 has_main
	pid=$(main_pid)
	nr0=$(nrestarts)
	started=$(ctr '{{.Id}} {{.State.StartedAt}}')
	# (MainPID 0: no main process to kill; a "kill -9 0" would kill this
	# script's own process group)
	if [ "${pid:-0}" -gt 1 ]; then
		info "kill -9 $pid (servicio, gestor.service's main process; NRestarts $nr0)"
		kill -9 "$pid"
	else
		info "gestor.service has no main process to kill ($(systemctl is-active gestor.service))"
		pid=0
	fi
	ck "kill -9 of servicio: systemd restarts it (active, new main process)" \
		timed restart killed_restarted "$pid"
	ck "systemd counted the restart (NRestarts $nr0 -> more)" test "$(nrestarts)" -gt "$nr0"
	ck "the log server ran on through servicio's death (same container, not restarted)" \
		test "$(ctr '{{.Id}} {{.State.StartedAt}}')" = "$started"
	runs >"$out/runs-before-reboot"
	echo 2 >"$out/phase"
	sync
	info "rebooting (systemctl reboot)"
	systemctl reboot
	sleep 600
	;;
2)
	ck "this is a new boot (the reboot happened)" test "$(cat /proc/sys/kernel/random/boot_id)" != "$(cat "$out/boot1")"
	ck "the module is loaded at boot (modules-load.d)" waitfor 120 mod_loaded
	ck "gestor.service is active after the reboot" timed active-after-reboot waitfor 600 active gestor.service
	ck "the log server's container runs after the reboot" waitfor 600 logsrv_runs
	ck "a new run's records reach the log server after the reboot" waitfor "$(patience)" runs_over "$(cat "$out/runs-before-reboot")"
	ck "journalctl -p err shows only error lines of gestor.service (boot 2)" only_level err ERROR
	keep_logs
	# bounded: a purge that hangs (a stop or restart of gestor.service that
	# never ends, a docker rm that blocks) fails here after 15 min with
	# what was running, instead of holding the VM until its time limit
	purge_debs() {
		stamped timeout -k 30 900 apt-get purge -y $PKGS >"$out/apt-purge.log"
		local rc=$?
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			echo "apt-get purge did not end in 900 s (timeout: $rc)"
			{
				echo "--- ps"; ps -eo pid,ppid,etimes,stat,args
				echo "--- systemctl list-jobs"; systemctl --no-pager list-jobs
				echo "--- journal (last 150 lines)"; journalctl -b --no-pager -n 150
			} >"$out/purge-hang.txt" 2>&1
			say "@@INFO apt-get purge timed out after 900 s: $out/purge-hang.txt has what ran"
			dpkg --configure -a >/dev/null 2>&1
		fi
		return "$rc"
	}
	ck "apt-get purge removes the four packages (in 15 min)" timed purge purge_debs
	tail -n 15 "$out/apt-purge.log" | sed 's/^/@@INFO apt: /'
	rm -rf /etc/systemd/system/gestor.service.d
	systemctl daemon-reload
	ck "no package is left (dpkg -l)" bash -c "! dpkg -l $PKGS 2>/dev/null | grep -E '^[a-z]{2} '"
	# every file the packages had (directories shared with others aside)
	ck "no file of the packages is left" bash -c '
		n=0
		while read -r f; do
			[ -d "$f" ] && ! [[ "$f" =~ gestor|sysinfo ]] && continue
			[ -e "$f" ] || [ -L "$f" ] || continue
			echo "left: $f"; n=$((n + 1))
		done <'"$out/files.txt"'
		[ "$n" = 0 ]'
	ck "no state, configuration, run-time, log or DKMS directory of gestor's" bash -c '
		n=0
		for d in /etc/gestor /var/lib/gestor /run/gestor /var/log/gestor /usr/lib/gestor \
			/var/lib/dkms/sysinfo /usr/src/sysinfo-* /usr/lib/modules-load.d/gestor-dkms.conf; do
			[ -e "$d" ] && { echo "left: $d"; n=$((n + 1)); }
		done
		[ "$n" = 0 ]'
	ck "no file named after gestor anywhere (find /)" bash -c '
		left=$(find / -xdev \( -path /sdvm -o -path /proc -o -path /sys -o -path /var/lib/docker \) -prune -o \
			\( -iname "*gestor*" -o -name "sysinfo.ko*" -o -name "admin_logs*" -o -name servicio \
			-o -name "contenedores*" -o -name "servicio.*" \) -print)
		echo "$left"
		[ -z "$left" ]'
	ck "no unit of gestor's (list-unit-files, list-units --all)" bash -c '
		systemctl daemon-reload
		[ -z "$(systemctl list-unit-files --no-legend "gestor*")" ] &&
		[ -z "$(systemctl list-units --all --no-legend "gestor*")" ]'
	ck "no cron line of gestor's" bash -c \
		'! { crontab -l 2>/dev/null; cat /etc/cron.d/* 2>/dev/null; } | grep -iE "gestor|contenedores"'
	ck "no module: not loaded, no sysinfo.ko for any kernel, nothing in dkms status" bash -c \
		'! grep -q "^sysinfo " /proc/modules && [ -z "$(find /lib/modules -name "sysinfo.ko*")" ] && [ -z "$(dkms status sysinfo)" ]'
	ck "no container of gestor's (log server, load containers)" bash -c '
		left=$(docker ps -a --format "{{.Names}} {{.Image}} {{.Labels}}" | grep -iE "gestor|admin_logs")
		echo "$left"
		[ -z "$left" ]'
	ck "no image of gestor's" bash -c '! docker images --format "{{.Repository}}:{{.Tag}}" | grep -i gestor'
	info "system users left (Debian policy keeps them): $(getent passwd gestor gestor-logs | cut -d: -f1 | tr '\n' ' ')"
	info "docker volumes left: $(docker volume ls -q | wc -l)"
	echo 3 >"$out/phase"
	say "@@VM-RC 0"
	systemctl poweroff
	sleep 600
	;;
*)
	info "boot $phase: nothing left to do"
	systemctl poweroff
	;;
esac
