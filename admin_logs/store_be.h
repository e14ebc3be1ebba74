/*
 * store_be.h — what a storage back end gives store.c (internal to the
 * store; the rest of admin_logs uses store.h).
 *
 * store.c owns the queues, the writer thread, group commit (one
 * transaction per group, each batch in a savepoint: whole or not at all),
 * the statuses and messages a failure earns, and the statistics; a back end
 * owns its database: it creates or migrates the versioned schema at open,
 * supplies the primitives a group is written with (begin, savepoint,
 * insert, release, rollback, commit; each failure mapped to -EAGAIN,
 * -ENOSPC or -EIO) and answers the queries. Two back ends: SQLite
 * (store_sqlite.c) and PostgreSQL (store_pg.c).
 */
#ifndef ADMIN_LOGS_STORE_BE_H
#define ADMIN_LOGS_STORE_BE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "access.h"
#include "batch.h"
#include "query.h"
#include "store.h"
#include "store_graph.h"

struct store_job {
	struct store_job *next;
	const struct batch *batch; /* borrowed until done() */
	store_done_fn done;
	void *ctx;
	unsigned status;
	size_t nrec; /* records stored when status is 201 */
	char msg[160];
};

struct store_acc {
	struct store_acc *next;
	struct access_entry e;
};

struct store_be_ops {
	const char *name;
	/* Open where (a path or a URL), create or migrate the schema. */
	int (*open)(void **be, const char *where, char *err, size_t errlen);
	/* Batches and records in the database. */
	int (*counts)(void *be, uint64_t *batches, uint64_t *records, char *err, size_t errlen);
	/*
	 * The primitives a group is written with (store.c holds the protocol:
	 * begin; per batch savepoint, insert_batch, rollback_to when it
	 * failed, release; the access entries in a savepoint of their own;
	 * commit; rollback after any failure), on the writer's connection.
	 * Each returns 0 (insert_batch: 201 stored, 200 already stored) or
	 * -EAGAIN (the database is away: 503, retry later), -ENOSPC (its disk
	 * is full: 503) or -EIO (500), with the reason on one line in err.
	 */
	int (*begin)(void *be, char *err, size_t errlen);
	int (*savepoint)(void *be, char *err, size_t errlen);
	int (*release)(void *be, char *err, size_t errlen);
	int (*rollback_to)(void *be, char *err, size_t errlen);
	int (*insert_batch)(void *be, const struct batch *b, char *err, size_t errlen);
	int (*insert_access)(void *be, const struct store_acc *accs, char *err, size_t errlen);
	int (*commit)(void *be, char *err, size_t errlen);
	void (*rollback)(void *be);
	/*
	 * A faster way to write a whole group, tried first (may be NULL):
	 * 1 committed (every job's status set), 0 nothing stored (the group is
	 * written again with the primitives), or -errno as above.
	 * *commit_start: the monotonic time the commit began.
	 */
	int (*write_fast)(void *be, struct store_job *jobs, const struct store_acc *accs,
			  uint64_t *commit_start, char *err, size_t errlen);
	/*
	 * Between groups, on the writer (may be NULL); idle_due (may be NULL):
	 * whether idle has work now, asked after a group written by a request
	 * thread (cheap: the store's lock is held).
	 */
	void (*idle)(void *be);
	bool (*idle_due)(void *be);
	/*
	 * A request thread may write a group itself when the connection is
	 * free (store_write_now): for a back end whose writes are local and
	 * bounded. PostgreSQL's wait on a server that may be away: they stay
	 * on the writer, so no HTTP thread waits for a reconnection.
	 */
	bool write_inline;
	/*
	 * Retention, one bounded step on the writer between groups: delete the
	 * oldest batches (at most chunk; those stored before cutoff_ns, or any
	 * while the data passes max_bytes, 0: no bound) with their records and
	 * derived rows, mending their runs' rows, and the access-log lines
	 * before cutoff_ns (or the oldest, over max_bytes), in one transaction.
	 * *more: a full chunk went, so there may be more. deleted: batches,
	 * records and access lines deleted. 0 or -errno with err.
	 */
	int (*retain)(void *be, int64_t cutoff_ns, uint64_t max_bytes, unsigned chunk, bool *more,
		      uint64_t deleted[3], char *err, size_t errlen);
	/*
	 * A streamed answer (store_rows): runs false, the GET /logs statement
	 * of q (a struct query), columns body, batch_id, stored_ns, id; runs
	 * true, the GET /runs statement of q (a struct query_runs), columns
	 * run, host, first_ns, last_ns, n_records; both with LIMIT limit + 1.
	 * open: 0, -EAGAIN (server away) or -errno, err set. next: 1 and the
	 * row's columns as text in col (valid until the next call), 0 at the
	 * end, -errno.
	 */
	int (*cursor_open)(void *be, bool runs, const void *q, void **cur, char *err,
			   size_t errlen);
	int (*cursor_next)(void *cur, const char *col[5], char *err, size_t errlen);
	void (*cursor_close)(void *cur);
	/*
	 * A view for the graphs (store_graph.h) on a connection of its own,
	 * scoped to host (NULL or ""; every host). NULL: the SQLite view of
	 * the store's file (store_graph_open_sqlite).
	 */
	int (*graph_open)(void *be, const char *host, struct store_graph **g, char *err,
			  size_t errlen);
	void (*close)(void *be);
};

extern const struct store_be_ops store_sqlite_ops;
extern const struct store_be_ops store_pg_ops;

/*
 * SQLite's readers (store_sqlite.c): a read-only connection to the
 * database at path (the caller closes it); and its scope narrowed to one
 * host: temporary views named like the tables (records, samples,
 * sample_containers, runs) that hold only that host's rows hide the tables
 * for every unqualified query on db (no-op for NULL or ""). 0 or -errno
 * with the reason in err.
 */
int store_open_reader(const char *path, sqlite3 **db, char *err, size_t errlen);
int store_scope_host(sqlite3 *db, const char *host, char *err, size_t errlen);

#endif
