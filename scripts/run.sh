#!/usr/bin/env bash
# run.sh — `make run`: start the whole system in the foreground.
# (Called after scripts/setup.sh and the build.) Grows with the components:
# it says plainly which parts are not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$PWD/build}
missing=()
[ -x "$BUILD/bin/servicio" ] || missing+=("servicio (the manager daemon)")
[ -x "$BUILD/bin/admin_logs" ] || missing+=("admin_logs (the log server)")
[ -x contenedores.sh ] || missing+=("contenedores.sh (the load generator)")
if [ "${#missing[@]}" -gt 0 ]; then
	echo "gestor: built what exists; not there yet:"
	printf '  - %s\n' "${missing[@]}"
	exit 1
fi
exec "$BUILD/bin/servicio" ${DURATION:+--duration "$DURATION"}
