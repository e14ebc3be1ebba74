/*
 * cron.h — the cron job's lifecycle: scripts/cron.sh installs the two
 * marked crontab lines that run contenedores.sh every 30 s, and removes
 * them at the stop. servicio only runs the script (its output goes to the
 * log); the script owns the crontab edit.
 */
#ifndef SERVICIO_CRON_H
#define SERVICIO_CRON_H

#include <limits.h>
#include <stdbool.h>

struct cron {
	char script[PATH_MAX];
	bool installed;
};

/* Find the script (configured, else <repo>/scripts/cron.sh beside the
 * binary) and run it with "install"; a missing script is a warning. Run as
 * root, a script that root does not own, or under a directory another user
 * could change (lib/trust.h), is refused with an error naming the path. */
void cron_install(struct cron *c, const char *configured);

/* Run the script with "remove" when the job was installed (through the
 * privileged parent after cron_use_helper). */
void cron_remove(struct cron *c);

/* Find and check the script as cron_install does, without running it. 0,
 * or -ENOENT / -EPERM (logged); c->script is then "". */
int cron_locate(struct cron *c, const char *configured);

/* From now on, install tells and remove asks the privileged parent on fd
 * (privs.h): its one-byte protocol. */
void cron_use_helper(int fd);

#endif
