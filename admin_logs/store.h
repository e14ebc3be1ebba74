/*
 * store.h — durable storage with group commit, on one of two back ends
 * (store_be.h): SQLite (WAL, synchronous=FULL; the default, embedded: a
 * path) or PostgreSQL (synchronous_commit=on, through libpq: a
 * postgresql:// URL). Both answer the same and promise the same.
 *
 * One writer thread owns the write connection. Request threads hand it
 * validated batches (store_submit_batch) and access-log entries
 * (store_submit_access); the writer takes everything queued, writes it in
 * ONE transaction (each batch inside its own savepoint, so a batch is stored
 * whole or not at all) and commits with one fsync, then tells each batch's
 * submitter the outcome: 201 stored, 200 already stored (same batch_id),
 * 500 failed, 503 database unavailable or disk full (retry later). A 201 is
 * therefore only ever reported after the commit. On SQLite, a request
 * thread that finds the connection free and nothing queued (one sender)
 * writes its own batch the same way and gets the outcome at once
 * (store_write_now): no hand-off to the writer and back.
 * Access-log lines are printed on stdout by the writer after each commit, one
 * write(2) per group.
 *
 * Queries (store_query_logs, store_query_runs) run on connections of their
 * own; the graphs read through the graph query layer (store_graph.h): named
 * queries each back end answers on its own tables.
 */
#ifndef ADMIN_LOGS_STORE_H
#define ADMIN_LOGS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "batch.h"
#include "query.h"

struct store;

struct store_stats {
	uint64_t batches; /* batches in the database */
	uint64_t records; /* records in the database */
	uint64_t commits; /* group transactions committed since start */
	uint64_t queued; /* batches waiting for the writer now */
	uint64_t group_batches; /* sum over commits of the batches in each */
	uint64_t write_ns; /* time spent inserting, summed over commits */
	uint64_t commit_ns; /* time spent in COMMIT (the fsync), summed */
	uint64_t retained_out; /* batches deleted by retention (batches, records: what is left) */
};

/*
 * Called by the writer thread when a batch's fate is known: status 201, 200
 * 500 or 503 (msg says why). Must not block for long.
 */
typedef void (*store_done_fn)(void *ctx, unsigned status, const char *msg);

/*
 * Open the database where (a PostgreSQL URL, postgresql://user@host/db, or
 * else an SQLite path: created when missing), create or migrate its
 * schema, and start the writer.
 * group_max bounds the batches per transaction; print_access sends access
 * lines to stdout. 0 or -errno with the reason in err.
 */
int store_open(struct store **out, const char *where, unsigned group_max, bool print_access,
	       char *err, size_t errlen);

/*
 * Queue b for the writer. b stays the caller's: it must stay valid and
 * unchanged until done(ctx) is called (exactly once, from the writer
 * thread), after which the store no longer touches it and the caller frees
 * it (on its own thread: the memory goes back where it came from, and the
 * writer spends no time freeing). -ESHUTDOWN (done not called) after
 * store_drain or store_close began, -ENOMEM.
 */
int store_submit_batch(struct store *s, const struct batch *b, store_done_fn done, void *ctx);

/*
 * Write b at once on the calling thread when the store's connection is
 * free and no batch is queued (SQLite only; one sender's batches then
 * cost no hand-off to the writer and back): 1 with *status and msg set as
 * done() would have them (201 only after the commit), 0 when the store is
 * busy or the back end writes on the writer only (queue b with
 * store_submit_batch instead), -ESHUTDOWN or -ENOMEM.
 */
int store_write_now(struct store *s, const struct batch *b, unsigned *status, char *msg,
		    size_t msglen);
/* Queue an access-log entry (copied). Dropped (and counted) when shutting down. */
void store_submit_access(struct store *s, const struct access_entry *e);

void store_get_stats(struct store *s, struct store_stats *st);

/*
 * Retention (--retain-days, --retain-mb), enforced by the writer between
 * groups in small steps (STORE_RETAIN_CHUNK batches and access lines per
 * transaction), one a second when there is nothing to delete, back to back
 * (between groups) while there is: ingestion waits at most one step.
 * max_bytes applies to SQLite only. Call before traffic starts.
 */
void store_set_retention(struct store *s, unsigned days, uint64_t max_bytes);

/*
 * Refuse new batches (-ESHUTDOWN) and wait until every queued batch has been
 * committed and reported. Access entries are still accepted.
 */
void store_drain(struct store *s);

/* Commit everything queued, stop the writer, close. NULL is a no-op. */
void store_close(struct store *s);

/* GET /logs and GET /runs (query.h): a malloc'd JSON document in *out. */
int store_query_logs(struct store *s, const struct query *q, char **out, size_t *outlen, char *err,
		     size_t errlen);
int store_query_runs(struct store *s, const struct query_runs *q, char **out, size_t *outlen,
		     char *err, size_t errlen);

/*
 * GET /logs and GET /runs answered while they are read: store_rows_open
 * runs the query (runs false: q is a struct query, true: a struct
 * query_runs) on a connection of its own (SQLite: a reader with a small
 * page cache; PostgreSQL: single-row mode), so an answer of any limit
 * holds one row at a time. store_rows_next gives the next record or run
 * as JSON text (valid until the next call; 1), or 0 at the end (then
 * store_rows_more says whether a next page exists), or -errno.
 * store_rows_close frees everything (NULL is fine). open: 0, -EAGAIN (the
 * database is away: 503) or -errno, with the reason in err.
 */
struct store_rows;
int store_rows_open(struct store *s, bool runs, const void *q, struct store_rows **out, char *err,
		    size_t errlen);
int store_rows_next(struct store_rows *r, const char **text, size_t *len, char *err, size_t errlen);
bool store_rows_more(const struct store_rows *r);
void store_rows_close(struct store_rows *r);

/* true when where names a PostgreSQL database (postgresql:// or postgres://). */
bool store_is_url(const char *where);

/*
 * where with any password in it replaced by "***" (the user:password@ of a
 * URL, a password= parameter of its query or of a key=value conninfo), for
 * log lines. The result is cut to cap.
 */
void store_redact(const char *where, char *out, size_t cap);

/* Does where carry a password (what store_redact would hide)? */
bool store_has_password(const char *where);

/* The database path or URL the store was opened with. */
const char *store_path(const struct store *s);

#endif
