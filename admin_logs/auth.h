/*
 * auth.h — who may do what on admin_logs. With a token configured
 * (--token-file): every write (POST) must carry "Authorization: Bearer
 * <token>"; reads (GET/HEAD of /logs and /graficar) need it too from a
 * client that is not on loopback, unless reads are declared open
 * (--open-reads); GET /health is always open. Without a token nothing is
 * asked, and that is only allowed while listening on loopback
 * (auth_listen_ok). Pure functions, no I/O.
 */
#ifndef ADMIN_LOGS_AUTH_H
#define ADMIN_LOGS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* The listen address literal is loopback (127.0.0.0/8, ::1). */
bool auth_addr_is_loopback(const char *literal);

/* The client's address is loopback (IPv4, IPv6, or IPv4-mapped IPv6). */
bool auth_sockaddr_is_loopback(const struct sockaddr *sa);

/* May the server listen on addr with (or without) a token? false: err says why. */
bool auth_listen_ok(const char *addr, bool have_token, char *err, size_t errlen);

struct auth_request {
	const char *method; /* GET, HEAD, POST, ... */
	bool health; /* the path is /health */
	bool client_loopback;
	const char *authorization; /* the header's value, or NULL */
};

/* Must this request show the token? (token: the configured one, "" = none) */
bool auth_required(const struct auth_request *rq, const char *token, bool open_reads);

/* Does the Authorization value carry exactly this token ("Bearer <token>")? */
bool auth_bearer_ok(const char *authorization, const char *token);

#endif
