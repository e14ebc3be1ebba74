/*
 * store_pg_snap.h — the PostgreSQL back end's graphs: one run's records
 * copied into a scratch SQLite database (store_be.h), for graphs.c's SQL.
 * Internal to the store (store_pg.c calls it).
 */
#ifndef ADMIN_LOGS_STORE_PG_SNAP_H
#define ADMIN_LOGS_STORE_PG_SNAP_H

#include <stddef.h>

#include <libpq-fe.h>
#include <sqlite3.h>

/*
 * On c (a connection of the caller's, idle, used for nothing else
 * meanwhile): the records of run (NULL: the run graphs.c would pick, the
 * latest to start), only host's unless host is NULL or "", and the runs the
 * report lists, into a new scratch database in *db (the caller closes it).
 * 0, -EAGAIN (the connection failed: the server is away) or -errno, with
 * the reason in err; c is idle again either way unless it failed.
 */
int pg_snap_build(PGconn *c, const char *run, const char *host, sqlite3 **db, char *err,
		  size_t errlen);

/*
 * A failed statement as an error: "<what>: <libpq's message>" (one line) in
 * err, and -EIO, or -EAGAIN when the connection is gone (the server went
 * away: worth a retry on a new connection). res may be NULL. Shared with
 * store_pg.c, which calls into this file.
 */
int pg_result_err(PGconn *c, const PGresult *res, const char *what, char *err, size_t errlen);

#endif
