/*
 * http.h — the HTTP front of admin_logs on libmicrohttpd: routing, request
 * bodies bounded while they stream, JSON errors, the access log of every
 * request, and the hand-off of validated batches to the store's writer.
 *
 * Threads: MHD's internal epoll threads (a pool of cfg->threads). A POST
 * /logs is parsed and validated on its HTTP thread, then the connection is
 * suspended and the batch queued for the writer; when the group it joined
 * has committed, the writer resumes the connection and the answer (201/200)
 * goes out. So no HTTP thread ever waits for fsync.
 */
#ifndef ADMIN_LOGS_HTTP_H
#define ADMIN_LOGS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "store.h"

struct http_server;

/*
 * Start listening on cfg->listen:cfg->port (0: any free port). 0 or -errno
 * with the reason in err. *port_out gets the bound port.
 */
int http_start(struct http_server **out, const struct config *cfg, struct store *st,
	       unsigned *port_out, char *err, size_t errlen);

/*
 * For in-process harnesses (tests/fuzz/http_fuzz.c): the connections open,
 * and whether the server is at rest on every one (deadline_rest).
 */
void http_rest(struct http_server *h, unsigned *conns, bool *at_rest);

/* Stop accepting, finish in-flight batches, close every connection, free. */
void http_stop(struct http_server *h);

#endif
