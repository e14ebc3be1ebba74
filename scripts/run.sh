#!/usr/bin/env bash
# run.sh — `make run`: the whole system in the foreground.
#
# Called by the Makefile after scripts/setup.sh, the build and the images.
# Loads the kernel module when this kernel allows (else one line says why and
# servicio uses the BPF source or its procfs collector), then runs servicio in the foreground:
# it starts admin_logs in its container, installs the cron job that runs
# contenedores.sh every 30 s, and prints a table each cycle. Ctrl+C (or
# DURATION seconds) ends it cleanly: graphs drawn, cron lines removed, the
# report's path printed.
#
# Environment: DURATION (seconds, 0 = until Ctrl+C), SERVICIO_ARGS (more
# flags for servicio, e.g. "--interval 5 --dry-run"), GESTOR_USER (the user
# servicio drops to; default gestor, "root" stays root), and every GESTOR_*
# variable servicio reads (see build/bin/servicio --help).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$PWD/build}

[ -x "$BUILD/bin/servicio" ] || { echo "run: $BUILD/bin/servicio is not built (make)" >&2; exit 1; }
# root runs only root's files (scripts/trust.sh): servicio, and through it
# cron.sh and contenedores.sh, must be files no other user can change
# shellcheck source=scripts/trust.sh
. scripts/trust.sh
if [ "$(id -u)" = 0 ]; then
	why=$(gestor_trusted "$BUILD/bin/servicio") || { echo "run: $why" >&2; exit 1; }
fi
for img in gestor/admin_logs gestor/high-cpu gestor/high-ram gestor/low; do
	docker image inspect "$img:latest" >/dev/null 2>&1 ||
		{ echo "run: image $img:latest is missing (sudo make images)" >&2; exit 1; }
done

scripts/module.sh load || true
# --demo: the cron job of load containers (a service installed from the
# package runs without it)
# --user: after start-up servicio runs as the system user gestor (made when
# missing) with only its metrics source's capabilities (docs/servicio.md,
# "Least privilege"); GESTOR_USER=root (or SERVICIO_ARGS="--user root")
# keeps it root; --cron-script: this checkout's, whatever BUILD is (servicio
# looks beside its binary otherwise, and a BUILD outside the checkout has none)
args=(--demo --user "${GESTOR_USER:-gestor}" --cron-script "$PWD/scripts/cron.sh")
[ -n "${DURATION:-}" ] && [ "${DURATION}" != 0 ] && args+=(--duration "$DURATION")
# shellcheck disable=SC2206 # word splitting of SERVICIO_ARGS is intended
[ -n "${SERVICIO_ARGS:-}" ] && args+=(${SERVICIO_ARGS})
echo "run: starting servicio ${args[*]:-} (Ctrl+C to stop)"
exec "$BUILD/bin/servicio" "${args[@]}"
