/*
 * privs.h — servicio's privilege separation (docs/servicio.md,
 * "Privileges"). With --user NAME and started as root, servicio forks at
 * once into
 *   - a privileged parent that does nothing but wait: it forwards SIGINT
 *     and SIGTERM to the child, runs scripts/cron.sh remove when the child
 *     asks over their socketpair or when the child dies with the cron job
 *     installed, and exits with the child's status;
 *   - the child, the manager, which does the start-up as root (admin_logs,
 *     the cron job, the metrics source), then, before any thread starts,
 *     becomes NAME (a system user, made when missing) with the groups it
 *     needs (docker, the log server's) and only the capabilities its
 *     metrics source needs (privs_caps_for): every other capability leaves
 *     its effective, permitted, inheritable and bounding sets.
 */
#ifndef SERVICIO_PRIVS_H
#define SERVICIO_PRIVS_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

/*
 * Fork the privileged parent when user is not empty and we are root.
 * Returns 0 in the child (and when there is nothing to split); the parent
 * never returns (it exits with the child's status). cron_script is the
 * configured --cron-script ("" = beside the binary), for the parent's own
 * lookup. -errno when the fork or socketpair fails.
 */
int privs_split(const char *user, const char *cron_script);

/*
 * The capabilities the source needs after start-up, as a comma-separated
 * list in out ("" = none). The table is measured: docs/servicio.md.
 */
void privs_caps_for(enum snap_source src, char *out, size_t cap);

/*
 * In the child, at the end of start-up: become the user with the groups
 * and the capabilities of privs_caps_for(src), everything else dropped for
 * good. spool is the spool file (its directory is handed to the user).
 * Refuses (-EBUSY) when the process already runs threads: capabilities are
 * per thread. 0 (also when privs_split did not split), or -errno with err.
 */
int privs_drop(enum snap_source src, const char *spool, char *err, size_t errlen);

#endif
