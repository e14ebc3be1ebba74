/*
 * admin.h — the admin_logs container's lifecycle beside the cycle: at the
 * start, run it (reuse, start or create it: docker_ctl.h) or use an
 * external --log-url, and wait for /health; during the run, start it again
 * when it stopped answering (at most every 10 s); at the stop, ask for the
 * graphs (POST /graficar) and remove the container if servicio started it
 * (its data stays on the host).
 */
#ifndef SERVICIO_ADMIN_H
#define SERVICIO_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "docker.h"
#include "gestor.h"
#include "logclient.h"

struct admin {
	const struct config *cfg;
	char id[GESTOR_CTR_ID_LEN + 1]; /* "" with --log-url */
	bool ours; /* we created or started it */
	uint64_t check_ns; /* next revive check */
	long uid, gid; /* the server's host user (GESTOR_LOG_USER) */
	char sock_dir[CONFIG_STR_MAX + 16]; /* GESTOR_RUN_DIR/<container name> */
	char sock[108]; /* the unix socket servicio talks to it on, in sock_dir */
};

/*
 * Run or find the log server and make its client (*lc): our own container
 * is reached over its unix socket (only root's or the server's own socket
 * gets the token: logclient_sock_ok), run as the host's system user
 * GESTOR_LOG_USER (made when missing). stopping() is
 * asked while waiting for /health. 0 or -errno (logged): -EINTR when
 * stopping() said so, -ETIMEDOUT when /health did not answer in time.
 */
int admin_start(struct admin *a, struct docker *dk, struct logclient **lc, bool (*stopping)(void));

/* With our own container and logs failing: start it again when it stopped. */
void admin_revive(struct admin *a, struct docker *dk);

/* POST /graficar, waiting up to timeout_s, and print where the report is. */
void admin_report(const struct admin *a, struct logclient *lc, double timeout_s);

/* Remove the container we started (not with --keep-admin-logs). */
void admin_stop(struct admin *a, struct docker *dk);

#endif
