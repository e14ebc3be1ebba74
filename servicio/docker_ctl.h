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

#include "docker.h"

/*
 * Kill (SIGKILL) then DELETE ?force=1&v=1. A container already gone counts
 * as removed (*gone set when it was not there to begin with). 0 or -errno.
 */
int dctl_remove(struct docker *d, const char *id, bool *gone, char *err, size_t errlen);

/*
 * The admin_logs container, hardened as the load containers are (it is the
 * one that takes network input): no capabilities, no new privileges, a
 * read-only root with only /data (the host's data directory) and a tmpfs
 * /tmp writable, memory and process limits. It listens on 0.0.0.0 in its
 * own network namespace, published on 127.0.0.1 only, so it needs a token:
 * <data_dir>/token, made on first start (random, mode 0600, owned by the
 * image's user); writes carry it, reads stay open (only the host's
 * loopback reaches the published port).
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
};

enum dctl_admin_state { DCTL_ADMIN_REUSED, DCTL_ADMIN_STARTED, DCTL_ADMIN_CREATED };

/*
 * Make sure the admin_logs container runs: reuse it when running, start it
 * when stopped, create + start it otherwise (creating data_dir on the host,
 * owned by the image's numeric user when it names one, and its token file).
 * -ENOENT with a hint when the image is missing. *state says which; *id
 * (65 bytes) gets its id.
 */
int dctl_admin_ensure(struct docker *d, const struct dctl_admin *a, enum dctl_admin_state *state,
		      char id[65], char *err, size_t errlen);

/* The body of POST /containers/create for a (new string; caller frees). */
char *dctl_admin_create_body(const struct dctl_admin *a);

/* Stop (SIGTERM, up to grace_s) then remove the container. 0 or -errno. */
int dctl_stop_remove(struct docker *d, const char *id, int grace_s, char *err, size_t errlen);

#endif
