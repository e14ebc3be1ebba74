#!/usr/bin/env bash
# rules.sh — deploy/prometheus/gestor-rules.yml: promtool check rules (the
# file loads, every expression parses) and promtool test rules on the
# synthetic series of gestor-rules.test.yml (each alert fires for the host
# and container it is about, at the time its "for" allows, and not for the
# others: a container removed in a loop, a host whose servicio stopped
# reporting or stopped cycling, admin_logs unreachable, the spool growing
# or dropping, the high-class quota full all the time).
# parallel: yes
# timeout: 60
source "$(dirname "$0")/../lib.sh"
need_cmd promtool # Debian's prometheus package (scripts/setup.sh --for test)
D=$GESTOR_TOP/deploy/prometheus
check "promtool check rules: the rules file is valid" promtool check rules "$D/gestor-rules.yml"
out=$(cd "$D" && promtool test rules gestor-rules.test.yml 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "promtool test rules: every alert and recording rule as expected" [ "$rc" = 0 ]
# every alert of the file is exercised by the test file
for a in $(awk '$1 == "-" && $2 == "alert:" { print $3 }' "$D/gestor-rules.yml"); do
	check "$a has a test" grep -q "alertname: $a\$" "$D/gestor-rules.test.yml"
done
finish
