#!/usr/bin/env bash
# setup.sh suite — scripts/setup.sh is idempotent on a ready machine
# (installs and starts nothing the second time), and leaves Docker and cron
# answering.
# timeout: 600
. "$(dirname "$0")/../lib.sh"
need_root

"$GESTOR_TOP/scripts/setup.sh" >/dev/null 2>&1 || fail "first setup run failed"
start=$(date +%s%N)
# (a hang guard only: its speed is a figure of bench/setup.sh)
out=$(timeout 300 "$GESTOR_TOP/scripts/setup.sh" 2>&1)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
echo "second run: ${ms} ms: $out"
check "second run succeeds" [ "$rc" = 0 ]
check "second run installs nothing" grep -q 'packages present' <<<"$out"
check "second run starts nothing" bash -c "! grep -qE 'installing|starting' <<<\"\$1\"" _ "$out"
# a hidden apt-get run shows in the two checks above; how fast the second
# run is, bench/setup.sh measures (the time is printed above, not judged)
check "docker answers" docker_up
check "cron runs" pgrep -x cron
check "the run set is part of the test set" bash -c "comm -23 <('$GESTOR_TOP/scripts/setup.sh' --for run --list | sort) <('$GESTOR_TOP/scripts/setup.sh' --for test --list | sort) | grep -q . && exit 1 || exit 0"
check "the run set has no test tools" bash -c "! '$GESTOR_TOP/scripts/setup.sh' --for run --list | grep -qxE 'qemu-system-x86|libcmocka-dev|linux-source-6.1|clang-tidy|wrk'"

# A package missing and no mirror: in a private mount namespace dpkg's status
# file lacks jq, apt's only source is a closed port on 127.0.0.1 and its
# lists and caches are private. setup.sh must say that the update failed and
# what to check, not stop silently.
ns=$(mktemp -d)
on_exit "rm -rf '$ns'"
mkdir -p "$ns/sources" "$ns/lists/partial"
echo 'deb http://127.0.0.1:9/debian bookworm main' >"$ns/sources/dead.list"
awk 'BEGIN{RS=""; ORS="\n\n"} !/^Package: jq\n/' /var/lib/dpkg/status >"$ns/status"
out=$(unshare -m --propagation private bash -c '
	mount --bind "$1/sources" /etc/apt/sources.list.d &&
	{ [ ! -e /etc/apt/sources.list ] || mount --bind /dev/null /etc/apt/sources.list; } &&
	mount --bind "$1/lists" /var/lib/apt/lists &&
	mount --bind "$1/status" /var/lib/dpkg/status &&
	mount -t tmpfs gestor-apt-cache /var/cache/apt &&
	exec "$2/scripts/setup.sh" --for test --no-docker --no-cron' _ "$ns" "$GESTOR_TOP" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "no mirror: setup fails (exit $rc)" [ "$rc" != 0 ]
check "no mirror: it names the missing package" grep -q 'installing 1 missing package(s).*jq' <<<"$out"
check "no mirror: it says the update failed and what to check" grep -q '^setup: error: apt-get update failed: is a Debian mirror reachable' <<<"$out"
check "the host's dpkg still has jq" bash -c "dpkg-query -W -f='\${db:Status-Status}' jq | grep -qx installed"
check "unknown option is refused" bash -c "! '$GESTOR_TOP/scripts/setup.sh' --bogus 2>/dev/null"
finish
