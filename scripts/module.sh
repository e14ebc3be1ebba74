#!/usr/bin/env bash
# module.sh — load or unload the sysinfo kernel module on this machine.
#
#   scripts/module.sh load     insmod kernel/sysinfo.ko when this kernel allows
#                              and root owns it and every directory above it;
#                              otherwise one line saying why (exit 1), so the
#                              caller goes on with another metrics source
#   scripts/module.sh unload   rmmod it if loaded
#   scripts/module.sh status   say whether /proc/sysinfo_202002591 exists
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/trust.sh
. scripts/trust.sh || exit 2
KO=kernel/sysinfo.ko
PROC=/proc/sysinfo_202002591
kver=$(uname -r)

why_not() {
	echo "module: $*; servicio will use another metrics source (BPF where the kernel allows, else procfs)"
	exit 1
}

case "${1:-status}" in
load)
	if [ -e "$PROC" ]; then
		echo "module: already loaded ($PROC exists)"
		exit 0
	fi
	if [ -f "$KO" ]; then
		# root loads only root's files (scripts/trust.sh): a module from a
		# user's checkout would be that user's code in the kernel
		why=$(gestor_trusted "$KO") || why_not "$why"
	fi
	[ -e /proc/modules ] || why_not "this kernel ($kver) has no loadable-module support"
	[ -f "$KO" ] || why_not "$KO is not built (no headers for $kver? apt-get install linux-headers-$kver, then make)"
	built=$(modinfo -F vermagic "$KO" 2>/dev/null | awk '{print $1}')
	[ "$built" = "$kver" ] ||
		why_not "$KO was built for kernel ${built:-?} but this is $kver (apt-get install linux-headers-$kver; make clean all)"
	if ! err=$(insmod "$KO" 2>&1); then
		case "$err" in
		*"Key was rejected"* | *"Required key not available"*)
			why_not "insmod refused: Secure Boot requires signed modules (sign it with your MOK key or disable Secure Boot): $err" ;;
		*) why_not "insmod failed: $err" ;;
		esac
	fi
	[ -e "$PROC" ] || why_not "insmod succeeded but $PROC did not appear"
	echo "module: loaded, $PROC is ready"
	;;
unload)
	if [ -e /proc/modules ] && grep -q '^sysinfo ' /proc/modules; then
		rmmod sysinfo && echo "module: unloaded"
	else
		echo "module: not loaded"
	fi
	;;
status)
	if [ -e "$PROC" ]; then echo "module: loaded ($PROC)"; else
		echo "module: not loaded"
		exit 1
	fi
	;;
*)
	echo "usage: $0 load|unload|status" >&2
	exit 2
	;;
esac
