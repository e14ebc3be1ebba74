# sysvm-guest-run.sh — `make run VM=1` inside the system VM (scripts/sysvm.sh
# interactive runs it in the repository copy, on the VM's console as its
# controlling terminal, so Ctrl+C reaches servicio as SIGINT).
#
# Loads the module, runs scripts/run.sh (servicio as `make run` runs it:
# admin_logs container on 127.0.0.1:8000, which the VM forwards to the
# host's 127.0.0.1:8000, the cron job, a table every cycle) until Ctrl+C or
# DURATION, then copies the admin_logs data (report, database) to
# /sysvm/out, which the host copies back.
#
# (Not executable: it only runs inside the VM, through scripts/sysvm.sh.)
[ -n "${SYSVM_COLS:-}" ] && stty cols "$SYSVM_COLS" rows "${SYSVM_ROWS:-24}" 2>/dev/null
echo "sysvm: $(uname -r), $(nproc) CPUs; admin_logs will answer on the host at http://127.0.0.1:${SYSVM_PORT:-8000}"
# an emulated machine answers Docker API calls slowly (servicio and
# contenedores.sh both read this limit, in seconds)
export GESTOR_DOCKER_TIMEOUT=${GESTOR_DOCKER_TIMEOUT:-120}
scripts/module.sh load
scripts/run.sh
rc=$?
echo "sysvm: servicio exited ($rc); copying the report to the host"
mkdir -p /sysvm/out/admin_logs
cp -a /var/lib/gestor/admin_logs/. /sysvm/out/admin_logs/ 2>/dev/null
cp /var/log/gestor/contenedores.log /sysvm/out/ 2>/dev/null
docker ps -a --format '{{.Names}}\t{{.Status}}' >/sysvm/out/containers.txt
scripts/module.sh unload
exit "$rc"
