/*
 * logclient.h — servicio's HTTP client for admin_logs (libcurl): POST /logs
 * with a batch, GET /health, POST /graficar. One reused connection, short
 * timeouts (a log server that hangs must not stall the manager), and an
 * answer classified as delivered, retry later, or rejected for good.
 */
#ifndef SERVICIO_LOGCLIENT_H
#define SERVICIO_LOGCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct logclient;

/*
 * base: "http://127.0.0.1:8000" or "https://..." (no trailing slash needed).
 * token: sent as "Authorization: Bearer <token>" on every request but
 * /health (NULL or "": none); refused with plain http, where whoever holds
 * the address would get it. ca_file: PEM file of the CA (or the self-signed certificate)
 * that an https server's certificate must chain to (NULL or "": the
 * system's CAs); the certificate and the host name are always verified.
 * NULL on error.
 */
struct logclient *logclient_new(const char *base, const char *token, const char *ca_file, char *err,
				size_t errlen);
void logclient_free(struct logclient *lc);

/*
 * The same over HTTP on the unix socket sock (servicio's own admin_logs).
 * Before every request the socket is checked (logclient_sock_ok); when it
 * fails, nothing is sent (the request is a transport error, retried).
 */
struct logclient *logclient_new_unix(const char *sock, uid_t peer_uid, gid_t peer_gid,
				     const char *token, char *err, size_t errlen);

/*
 * Before servicio drops its capabilities (privs.h): check the socket's path
 * once more and keep its directory open, so the requests reach the socket
 * through that directory (/proc/self/fd/N/<name>), without searching the
 * root-only directories above it (GESTOR_RUN_DIR is root's 0700). Every
 * request then checks the open directory and the socket in it as
 * logclient_sock_ok does. 0 (also for a TCP client or NULL), or -errno.
 */
int logclient_pin(struct logclient *lc, char *err, size_t errlen);

/*
 * Whether sock may be given the token: every directory from / to its own
 * is a real directory owned by root and not writable by other users (its
 * own may be writable by the group peer_gid: the server makes the socket
 * there), and sock is a socket owned by root or peer_uid. So only root or
 * the server's own user can have made it. 0, or -EPERM/-errno (err says
 * which path and why).
 */
int logclient_sock_ok(const char *sock, uid_t peer_uid, gid_t peer_gid, char *err, size_t errlen);

enum logclient_result { LOGCLIENT_OK, LOGCLIENT_RETRY, LOGCLIENT_REJECTED };

/*
 * POST /logs with one batch (a JSON document). OK on 200/201; RETRY on a
 * transport error (TLS verification failures included), 5xx, 429, 408, or
 * 401/403 (a missing or wrong token: kept until it is fixed); REJECTED on
 * any other 4xx (err holds the server's answer).
 */
enum logclient_result logclient_post(struct logclient *lc, const char *body, size_t len, char *err,
				     size_t errlen);

/* GET /health answers 200 within timeout_ms. */
bool logclient_healthy(struct logclient *lc, long timeout_ms);

/*
 * POST /graficar (drawing can take a while: timeout_ms). On success *dir is a
 * new string with the report directory as the server sees it and *nfiles
 * the number of graphs. 0 or -errno (err explains).
 */
int logclient_graficar(struct logclient *lc, long timeout_ms, char **dir, size_t *nfiles, char *err,
		       size_t errlen);

#endif
