/*
 * store_pg_graph.h — the graph query layer (store_graph.h) on PostgreSQL.
 * Internal to the store (store_pg.c calls it).
 */
#ifndef ADMIN_LOGS_STORE_PG_GRAPH_H
#define ADMIN_LOGS_STORE_PG_GRAPH_H

#include <stddef.h>

#include <libpq-fe.h>

#include "store_graph.h"

/*
 * A view (store_graph.h) on c, a new connection the view takes over (it is
 * closed with the view, or here on error), for host (NULL or "": every
 * host). 0, -EAGAIN (the server is away) or -errno with the reason in err.
 */
int pg_graph_view(PGconn *c, const char *host, struct store_graph **g, char *err, size_t errlen);

#endif
