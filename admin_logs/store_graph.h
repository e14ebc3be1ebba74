/*
 * store_graph.h — what the graphs read of the store: SQLite connections (on
 * the SQLite back end the store's file; on PostgreSQL a private snapshot of
 * the run drawn, store_pg_snap.c). Apart from store.h, so that SQLite's
 * types reach only the graphs and the back ends.
 */
#ifndef ADMIN_LOGS_STORE_GRAPH_H
#define ADMIN_LOGS_STORE_GRAPH_H

#include <sqlite3.h>

#include "store.h"

/*
 * The database GET /graficar draws from, for the run run (NULL: the latest
 * to start) and host (NULL or "": every host). SQLite: *db = NULL, the
 * graphs read the store's file (store_open_reader, store_scope_host).
 * PostgreSQL: *db is a private SQLite database (the caller closes it) that
 * holds that run's records, scoped to host, with the rows the SQLite back
 * end derives from them, and the runs of the report's list
 * (store_pg_snap.c). 0, -EAGAIN (the server is away: 503) or -errno with
 * the reason in err.
 */
int store_graph_db(struct store *s, const char *run, const char *host, sqlite3 **db, char *err,
		   size_t errlen);

/* A read-only connection to an SQLite database (caller closes it). */
int store_open_reader(const char *path, sqlite3 **db, char *err, size_t errlen);

/*
 * Scope a reader connection to one host: temporary views named like the
 * tables (records, samples, sample_containers, containers) that hold only
 * that host's rows hide the tables for every unqualified query on db. No-op
 * for NULL or "". 0 or -errno with the reason in err.
 */
int store_scope_host(sqlite3 *db, const char *host, char *err, size_t errlen);

#endif
