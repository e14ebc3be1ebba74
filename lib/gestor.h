/*
 * gestor.h — constants servicio and admin_logs must agree on, defined once.
 */
#ifndef GESTOR_GESTOR_H
#define GESTOR_GESTOR_H

/* admin_logs' HTTP port (inside its container; servicio publishes it). */
#define GESTOR_LOG_PORT 8000

/*
 * gestor's private run-time directory: root's, 0700 (locks, the
 * admin_logs socket directories).
 */
#define GESTOR_RUN_DIR "/run/gestor"

/*
 * servicio talks to its own admin_logs over HTTP on a unix socket:
 * GESTOR_RUN_DIR/<container name>/GESTOR_LOG_SOCK_NAME on the host, owned
 * root:GESTOR_LOG_USER 0770 (only root and the server's own system user
 * can make a socket there), bind-mounted at GESTOR_LOG_SOCK_CTR_DIR in the
 * container. The TCP port stays for the dashboard and remote readers.
 */
#define GESTOR_LOG_SOCK_NAME "admin_logs.sock"
#define GESTOR_LOG_SOCK_CTR_DIR "/run/admin_logs"

/*
 * The host's system user the admin_logs container runs as (made with
 * `useradd --system` when missing), so its uid is no real user's.
 */
#define GESTOR_LOG_USER "gestor-logs"

/* A container's full id: Docker's 64 lowercase hex digits (and the id
 * servicio reads from a process's cgroup path, cgroupid.h). */
#define GESTOR_CTR_ID_LEN 64

/*
 * The labels gestor reads on containers, and their values. servicio manages
 * the containers labelled GESTOR_LABEL_MANAGED=true; the log server's
 * container carries GESTOR_LABEL_ROLE=GESTOR_ROLE_ADMIN_LOGS (servicio sets
 * it, and both programs tell that container from the managed ones by it);
 * GESTOR_LABEL_CLASS is the class a load image declares (high or low),
 * shown beside the one servicio decides.
 */
#define GESTOR_LABEL_MANAGED "gestor.managed"
#define GESTOR_LABEL_ROLE "gestor.role"
#define GESTOR_ROLE_ADMIN_LOGS "admin_logs"
#define GESTOR_LABEL_CLASS "gestor.class"

/* The managed containers as a Docker label filter (docker ps --filter label=). */
#define GESTOR_MANAGED_FILTER GESTOR_LABEL_MANAGED "=true"

/* The label that keeps a container from removal (servicio --protect-label's
 * default, LABEL=VALUE). */
#define GESTOR_LABEL_PROTECT "gestor.protect"
#define GESTOR_PROTECT_DEFAULT GESTOR_LABEL_PROTECT "=true"

/*
 * A sample's "role" of each container (servicio's record, admin_logs'
 * report): GESTOR_ROLE_ADMIN_LOGS, or one of these.
 */
#define GESTOR_ROLE_SELF "servicio"
#define GESTOR_ROLE_MANAGED "managed"
#define GESTOR_ROLE_UNMANAGED "unmanaged"

/* servicio's default name for its admin_logs container (--admin-name); older
 * records without a role are told by a name containing GESTOR_ROLE_ADMIN_LOGS. */
#define GESTOR_ADMIN_NAME "gestor-" GESTOR_ROLE_ADMIN_LOGS

/*
 * The one version of every program: debian/changelog's top entry, passed by
 * mk/common.mk as -DGESTOR_VERSION (this fallback only for tools that
 * compile a file alone, as clang-tidy does).
 */
#ifndef GESTOR_VERSION
#define GESTOR_VERSION "unknown"
#endif

#endif
