#!/usr/bin/env bash
# once.sh — one --once cycle against the real Docker engine and a real
# admin_logs: with 4 high and 5 low managed containers, one unlabelled one
# and one labelled gestor.role=admin_logs, --dry-run removes nothing and logs
# 9 decisions; the real cycle then leaves exactly 2 high and 3 low, the
# unlabelled and admin_logs ones untouched, and admin_logs holds one decision
# per container that matches what happened (removed ones are gone, kept ones
# run). The high containers removed are the same in both runs. The CPU
# threshold is 1.5 % (the low image sleeps at 0 %) so a shared machine busy
# with other work still sees the two CPU burners as high.
# parallel: yes docker
# timeout: 240
source "$(dirname "$0")/common.sh"
svt_need
admin_start

mk high-cpu cpu1 -e CPU_PCT=100
mk high-cpu cpu2 -e CPU_PCT=100
mk high-ram ram100 -e MEM_MB=100 --memory 200m
mk high-ram ram120 -e MEM_MB=120 --memory 220m
for i in 1 2 3 4 5; do mk low "low$i"; done
mk_unlabelled free
docker run -d --name "$SVT_TAG-admin" --network none --label gestor.managed=true \
	--label gestor.role=admin_logs --label "gestor.test=$SVT_TAG" "${SVT_IMG}low:latest" >/dev/null
# high-ram says "holding N MiB" once it has touched its memory: wait for that
holding() { docker logs "$SVT_TAG-$1" 2>&1 | grep -q "holding $2 MiB"; }
wait_for 60 holding ram100 100 || fail "ram100 never said it holds its memory"
wait_for 60 holding ram120 120 || fail "ram120 never said it holds its memory"

# run_svt LOG ARGS...: servicio in the background (its pid names its batches)
run_svt() {
	local log=$1
	shift
	# shellcheck disable=SC2046
	"$SVT_BIN" $(svt_args) --high-cpu 1.5 "$@" >"$log" 2>&1 &
	SVT_PID=$!
	wait "$SVT_PID"
}
# decisions PID: this run's decision records as "name action class" lines
decisions() {
	admin_get "type=decision&limit=10000" |
		jq -r --arg p ".$1-" '.records[] | select(.batch_id | contains($p)) |
			"\(.container.name) \(.action) \(.class)"' | sed "s/^$SVT_TAG-//" | sort
}

run_svt "$SVT_TMP/dry.log" --once --dry-run
check "--dry-run --once exits 0" [ $? = 0 ]
DRY_PID=$SVT_PID
cat "$SVT_TMP/dry.log"
n=0
for c in cpu1 cpu2 ram100 ram120 low1 low2 low3 low4 low5 free admin; do running "$c" && n=$((n + 1)); done
check "--dry-run removed nothing (11 of 11 running)" [ "$n" = 11 ]
decisions "$DRY_PID" >"$SVT_TMP/dry.dec"
cat "$SVT_TMP/dry.dec"
check "--dry-run logged 9 decisions" [ "$(wc -l <"$SVT_TMP/dry.dec")" = 9 ]
check "--dry-run: 4 would_remove" [ "$(grep -c ' would_remove ' "$SVT_TMP/dry.dec")" = 4 ]
check "--dry-run: 5 kept" [ "$(grep -c ' kept ' "$SVT_TMP/dry.dec")" = 5 ]
check "--dry-run: 4 high, 5 low" [ "$(grep -c ' high$' "$SVT_TMP/dry.dec")" = 4 ]

run_svt "$SVT_TMP/real.log" --once
check "--once exits 0" [ $? = 0 ]
REAL_PID=$SVT_PID
cat "$SVT_TMP/real.log"
check "2 high remain" [ "$(count_class high-cpu high-ram)" = 2 ]
check "3 low remain" [ "$(count_class low)" = 3 ]
check "the unlabelled container is untouched" running free
check "the admin_logs-labelled container is untouched" running admin
decisions "$REAL_PID" >"$SVT_TMP/real.dec"
cat "$SVT_TMP/real.dec"
check "9 decisions" [ "$(wc -l <"$SVT_TMP/real.dec")" = 9 ]
check "one decision per managed container" [ "$(cut -d' ' -f1 "$SVT_TMP/real.dec" | sort -u | wc -l)" = 9 ]
ok=1
while read -r name action _; do
	case $action in
	removed) exists "$name" && { echo "logged removed but exists: $name"; ok=0; } ;;
	kept) running "$name" || { echo "logged kept but not running: $name"; ok=0; } ;;
	*) echo "unexpected action $action for $name"; ok=0 ;;
	esac
done <"$SVT_TMP/real.dec"
check "every logged decision matches what happened" [ "$ok" = 1 ]
check "the cpu ranking kept the CPU-heavy high ones" running cpu1
check "the cpu ranking kept the CPU-heavy high ones (2)" running cpu2
check "dry-run and real run remove the same high containers" \
	[ "$(grep ' high$' "$SVT_TMP/dry.dec" | sed 's/would_remove/removed/')" = "$(grep ' high$' "$SVT_TMP/real.dec")" ]
check "a sample record of the cycle is stored" \
	[ "$(admin_get "type=sample&limit=10000" | jq --arg p ".$REAL_PID-" '[.records[] | select(.batch_id | contains($p))] | length')" = 1 ]
check "the cycle's batch carries its run and host (GET /runs lists it)" \
	[ "$(curl -sf "http://127.0.0.1:$ADMIN_PORT/runs" | jq -r --arg p ".$REAL_PID" '.runs[] | select(.run | endswith($p)) | .host')" = "$SVT_TAG" ]
finish
