/*
 * docker_ctl.h — the Docker Engine API's write side for servicio, on the
 * transport of docker.h: remove a container at once (kill with SIGKILL,
 * then force-delete: `docker stop` would wait 10 s on a PID 1 that ignores
 * SIGTERM), and run the admin_logs container (reuse a running one, start a
 * stopped one, or create it from its image with its port and data volume).
 *
 * Errors carry the API's own message (docker_response_error) and the
 * transport's -errno: -ECONNREFUSED/-ENOENT daemon down, -EACCES permission,
 * -ETIMEDOUT. The connection is re-established by the next request after a
 * daemon restart (libcurl opens a new socket when the old one is dead).
 */
#ifndef SERVICIO_DOCKER_CTL_H
#define SERVICIO_DOCKER_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "docker.h"
#include "gestor.h"

/*
 * Kill (SIGKILL) then DELETE ?force=1 (&v=1 only after
 * dctl_set_remove_volumes(true)). After dctl_set_stop_timeout(s > 0), the
 * kill is a graceful stop instead: POST /containers/<id>/stop?t=s, as
 * `docker stop -t s` (its stop signal, SIGTERM unless the image says
 * otherwise, then SIGKILL after s seconds). A container already gone counts
 * as removed (*gone set when it was not there to begin with). 0 or -errno.
 */
int dctl_remove(struct docker *d, const char *id, bool *gone, char *err, size_t errlen);

/* Seconds a removal gives a container to stop (0: SIGKILL at once, the
 * default). Set once at start-up (--stop-timeout), before any removal. */
void dctl_set_stop_timeout(int seconds);

/*
 * The admin_logs container, hardened as the load containers are (it is the
 * one that takes network input): no capabilities, no new privileges, a
 * read-only root with only /data (the host's data directory), the socket
 * directory and a tmpfs /tmp writable, memory and process limits. It runs
 * as the host's system user GESTOR_LOG_USER (uid, gid), on the host's
 * network listening on 127.0.0.1:host_port only (so its per-address cap and
 * access log see every client's real address, and no other container
 * reaches it), and on the unix socket GESTOR_LOG_SOCK_NAME in sock_dir
 * (mounted at GESTOR_LOG_SOCK_CTR_DIR), servicio's channel. Writes carry
 * the token <data_dir>/token, made on first start (random, mode 0600, owned
 * by the server's user); reads stay open.
 */
#define DCTL_ADMIN_TOKEN "token" /* in data_dir; /data/token inside */
#define DCTL_ADMIN_MEMORY (512ll << 20) /* bytes; gnuplot drawing is the peak */
#define DCTL_ADMIN_PIDS 128 /* HTTP and writer threads, gnuplot */
#define DCTL_ADMIN_TMPFS "rw,noexec,nosuid,nodev,size=64m"

struct dctl_admin {
	const char *image; /* gestor/admin_logs:latest */
	const char *name; /* gestor-admin_logs */
	int host_port; /* published on 127.0.0.1 */
	int ctr_port; /* the server's port inside (8000) */
	const char *data_dir; /* host directory mounted at /data */
	bool keep; /* outlives servicio: Docker restarts it (unless-stopped), after a
		      crash or a reboot too */
	const char *sock_dir; /* host directory mounted at GESTOR_LOG_SOCK_CTR_DIR */
	long uid, gid; /* the server's user and group on the host */
};

enum dctl_admin_state {
	DCTL_ADMIN_REUSED,
	DCTL_ADMIN_STARTED,
	DCTL_ADMIN_CREATED,
	DCTL_ADMIN_REPLACED /* one was there but not as servicio would make it: err says why */
};

/*
 * Make sure the admin_logs container runs: reuse it when running, start it
 * when stopped (either only when it is what servicio would create, see
 * dctl_admin_differs: else it is removed and made again, REPLACED, with err
 * saying why; one without the label gestor.role=admin_logs is never
 * removed: -EEXIST), create + start it otherwise (creating data_dir on the host,
 * owned by the image's numeric user when it names one, and its token file).
 * -ENOENT with a hint when the image is missing. *state says which; *id
 * (65 bytes) gets its id.
 */
int dctl_admin_ensure(struct docker *d, const struct dctl_admin *a, enum dctl_admin_state *state,
		      char id[GESTOR_CTR_ID_LEN + 1], char *err, size_t errlen);

/*
 * Whether removals (dctl_remove, dctl_stop_remove) also delete the
 * container's anonymous volumes. Off by default, as `docker rm` without -v:
 * what a user kept in a volume outlives the container. Set once at start-up
 * (--remove-volumes), before any removal.
 */
void dctl_set_remove_volumes(bool on);

/* The body of POST /containers/create for a (new string; caller frees). */
char *dctl_admin_create_body(const struct dctl_admin *a);

/*
 * Why the container ctr (its inspect answer) is not the one servicio would
 * create for a from image (the image's inspect answer), in why; NULL when it
 * is: the image's name and current build, the user, the command (the
 * image's), servicio's environment, mounts, network and hardening.
 */
const char *dctl_admin_differs(const json_t *ctr, const json_t *image, const struct dctl_admin *a,
			       char *why, size_t cap);

/* Stop (SIGTERM, up to grace_s) then remove the container. 0 or -errno. */
int dctl_stop_remove(struct docker *d, const char *id, int grace_s, char *err, size_t errlen);

#endif
