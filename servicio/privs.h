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
#include <sys/types.h>

#include "snapshot.h"

/*
 * Fork the privileged parent when user is not empty, is not root (uid 0:
 * --user root stays root, logged) and we are root.
 * Returns 0 in the child (and when there is nothing to split); the parent
 * never returns (it exits with the child's status). cron_script is the
 * configured --cron-script ("" = beside the binary), for the parent's own
 * lookup. -errno when the fork or socketpair fails.
 */
int privs_split(const char *user, const char *cron_script);

/*
 * The privileged parent's loop (privs_split runs it in the process that was
 * started, then _exits with its result): on fd, 'I' (the child installed the
 * cron job: locate and check cron_script the parent's own way) and 'R'
 * (remove it now: answered '0' done, '1' failed); SIGINT and SIGTERM
 * forwarded to child; when child ends, the cron job removed if it is still
 * installed. Returns child's exit status (128 + signal when killed).
 */
int privs_serve(int fd, pid_t child, const char *cron_script);

/* Whether privs_drop will drop (privs_split split this process). */
bool privs_dropping(void);

/*
 * The capabilities the source needs after start-up, as a comma-separated
 * list in out ("" = none). The table is measured: docs/servicio.md.
 */
void privs_caps_for(enum snap_source src, char *out, size_t cap);

/*
 * In the child, at the end of start-up: become the user with the groups
 * and the capabilities of privs_caps_for(src) (or caps, when not NULL: a
 * cap_from_text list such as "cap_dac_override", the option privs-caps),
 * everything else dropped for good. spool is the spool file: its directory is handed to the user, and
 * must be the spool's own (nothing else in it, not sticky nor
 * world-writable; else -EPERM/-EEXIST and nothing is dropped).
 * Refuses (-EBUSY) when the process already runs threads: capabilities are
 * per thread. 0 (also when privs_split did not split), or -errno with err.
 */
int privs_drop(enum snap_source src, const char *caps, const char *spool, char *err, size_t errlen);

#endif
