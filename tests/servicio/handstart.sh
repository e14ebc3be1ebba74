#!/usr/bin/env bash
# handstart.sh — the load images are managed wherever they are started: the
# images carry gestor.managed=true and gestor.class, so `docker run -d
# gestor/low` by hand (no label of ours but the suite's scope) is counted
# and, beyond the quota, removed; `docker run -l gestor.managed=false` opts
# out and is never decided about. --keep-low 1: of two hand-started low
# containers one stays and one is removed; the opted-out one still runs and
# has no decision. The containers carry the suite's scope label only, so
# other suites' servicio runs (all scoped to their own label) never see them.
# GESTOR_IMAGE_PREFIX (default gestor/) names the images to test.
# parallel: yes docker
# timeout: 180
source "$(dirname "$0")/common.sh"
svt_need
IMG=${SVT_IMG}low:latest
docker image inspect "$IMG" >/dev/null 2>&1 || skip "image $IMG is missing (make images)"
[ "$(docker image inspect -f '{{index .Config.Labels "gestor.managed"}}' "$IMG")" = true ] ||
	skip "image $IMG has no gestor.managed=true label: an older build (make images)"
admin_start

# as a user would start them: the image's labels, plus the suite's scope label
hand() { docker run -d --name "$SVT_TAG-$1" --network none --label "gestor.test=$SVT_TAG" "${@:2}" "$IMG" >/dev/null ||
	fail "docker run $1"; }
hand hand1
hand hand2
hand optout --label gestor.managed=false
check "the hand-started container is labelled managed by its image" \
	[ "$(docker inspect -f '{{index .Config.Labels "gestor.managed"}} {{index .Config.Labels "gestor.class"}}' "$SVT_TAG-hand1")" = "true low" ]

# shellcheck disable=SC2046
"$SVT_BIN" $(svt_args) --once --keep-high 0 --keep-low 1 >"$SVT_TMP/once.log" 2>&1 &
PID=$!
wait "$PID"
check "--once exits 0" [ $? = 0 ]
cat "$SVT_TMP/once.log"
n=0
for c in hand1 hand2; do running "$c" && n=$((n + 1)); done
check "one of the two hand-started containers was removed, one kept ($n running)" [ "$n" = 1 ]
check "the opted-out container (gestor.managed=false) still runs" running optout
admin_get "type=decision&limit=1000" |
	jq -r --arg p ".$PID-" '.records[] | select(.batch_id | contains($p)) |
		"\(.container.name) \(.action) \(.class)"' | sed "s/^$SVT_TAG-//" | sort >"$SVT_TMP/dec"
cat "$SVT_TMP/dec"
check "two decisions, both low: one kept, one removed" \
	[ "$(cut -d' ' -f2- "$SVT_TMP/dec" | sort | tr '\n' ,)" = "kept low,removed low," ]
admin_get "type=decision&limit=1000" | jq -c --arg p ".$PID-" '.records[] | select(.batch_id | contains($p)) | .metrics' >"$SVT_TMP/metrics"
check "decisions carry metrics.mem_limit_pct (a %), not the ambiguous mem_pct" \
	[ "$(jq -s 'all(.[]; (.mem_limit_pct | type) == "number" and .mem_limit_pct >= 0 and .mem_limit_pct <= 100 and (has("mem_pct") | not))' "$SVT_TMP/metrics")" = true ]
check "no decision about the opted-out container" [ -z "$(grep '^optout ' "$SVT_TMP/dec")" ]
check "at the end servicio says it leaves 1 managed container and that make stop removes it" \
	grep -q "1 managed container is left running .*make stop" "$SVT_TMP/once.log"
check "the table counts the opted-out one as not managed" grep -q "not managed" "$SVT_TMP/once.log"
finish
