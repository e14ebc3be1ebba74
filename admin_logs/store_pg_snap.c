/*
 * store_pg_snap.c — GET /graficar on PostgreSQL (see store_pg_snap.h).
 *
 * The graphs are SQL on the SQLite back end's tables (graphs.c), and two of
 * those (samples, and the per-class counts in it) exist only there. Rather
 * than a second copy of every chart's SQL for PostgreSQL, the run to draw is
 * copied into a scratch SQLite database (store_be.h) through the SQLite back
 * end's own ingest code: each stored record's JSON goes in again as SQLite
 * would have received it, so samples, sample_containers and runs are derived
 * exactly as on SQLite, and graphs.c draws from it unchanged. The answers are
 * the same as on SQLite (tests/admin_logs/graphs_same.sh compares the CSVs).
 *
 * What is read, in one REPEATABLE READ READ ONLY transaction (one consistent
 * view) on the caller's connection: the run to draw when none is named (the
 * same rule as graphs.c: the latest to start, on host when given); that run's
 * records (records.run, index records_run), only host's when given, in the
 * order they were stored (id), which is the order the SQLite back end would
 * have stored them in, so record ids keep their order and every "ORDER BY
 * record" and "BETWEEN first AND last record" in graphs.c means the same;
 * and the runs rows of the SNAP_RUNS latest runs, the list index.html shows.
 *
 * Cost and bound: the time is linear in the run's records (about the cost of
 * ingesting them on SQLite). The rows come one at a time (libpq's single-row
 * mode) and are handed over in pieces of at most SNAP_PIECE records, so the
 * memory is one piece plus the scratch database's page cache
 * (STORE_SCRATCH_CACHE_KB in store_sqlite.c); a larger run spills into the
 * scratch database's temporary file, which SQLite deletes when it is closed
 * (about 1 KiB per record, in $TMPDIR or /var/tmp or /tmp). A piece is part
 * of one stored batch: the pieces get batch ids of their own, as the
 * scratch batches table, which no graph reads, needs unique ones.
 */
#include "store_pg_snap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "store_be.h"

#define SNAP_PIECE 1000 /* records handed to the scratch database at a time */
#define SNAP_RUNS 100 /* the runs index.html lists (graphs.c, graphs_index_runs) */
#define SNAP_RUN_MAX 80 /* graphs.c's struct gctx run */

/* The same choice as graphs.c's graphs_pick_run, "C" collation as SQLite's. */
static const char snap_pick_sql[] = "SELECT run FROM runs WHERE $1 = '' OR host = $1"
				    " ORDER BY first_ns DESC, run COLLATE \"C\" LIMIT 1";

static const char snap_records_sql[] =
	"SELECT batch, host, body FROM records WHERE run = $1 AND ($2 = '' OR host = $2)"
	" ORDER BY id";

static const char snap_runs_sql[] =
	"SELECT run, host, first_ns, last_ns, n_records FROM runs"
	" WHERE ($1 = '' OR host = $1) AND run IN (SELECT run FROM runs"
	" WHERE $1 = '' OR host = $1 GROUP BY run ORDER BY min(first_ns) DESC LIMIT $2)";

/* Records of one stored batch on their way to the scratch database. */
struct snap_piece {
	const char *run;
	json_t *records; /* owned: the parsed records */
	char *host; /* owned */
	char *text; /* owned: the records' JSON, one after the other */
	struct jspan *spans; /* owned: record i is text[spans[i].off .. + len) */
	size_t n, textlen, textcap, spancap;
	long long pg_batch; /* the batch they came from */
	unsigned long serial; /* pieces handed over: each one's batch_id */
};

/* See store_pg_snap.h. */
int pg_result_err(PGconn *c, const PGresult *res, const char *what, char *err, size_t errlen)
{
	char *nl;

	snprintf(err, errlen, "%s: %s", what,
		 res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
						     : PQerrorMessage(c));
	if ((nl = strchr(err, '\n')))
		*nl = '\0';
	return PQstatus(c) == CONNECTION_OK ? -EIO : -EAGAIN;
}

/* sql with text parameters; its rows in *res (the caller clears it, also on error). */
static int snap_query(PGconn *c, const char *sql, int n, const char *const *vals, PGresult **res,
		      const char *what, char *err, size_t errlen)
{
	ExecStatusType st;

	*res = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
	st = PQresultStatus(*res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return 0;
	return pg_result_err(c, *res, what, err, errlen);
}

/* The run graphs.c would draw when none is named ("" when there is none). */
static int snap_pick_run(PGconn *c, const char *host, char *run, size_t cap, char *err,
			 size_t errlen)
{
	const char *vals[1] = { host };
	PGresult *res;
	int r = snap_query(c, snap_pick_sql, 1, vals, &res, "latest run", err, errlen);

	run[0] = '\0';
	if (r == 0 && PQntuples(res) == 1)
		snprintf(run, cap, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return r;
}

/* Room for one more record of len bytes in p. 0 or -ENOMEM. */
static int snap_piece_grow(struct snap_piece *p, size_t len)
{
	if (p->n == p->spancap) {
		size_t cap = p->spancap ? 2 * p->spancap : 64;
		struct jspan *ns = realloc(p->spans, cap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		p->spans = ns;
		p->spancap = cap;
	}
	if (!p->text || p->textcap - p->textlen < len) {
		size_t cap = p->textcap ? p->textcap : 65536;
		char *nt;

		while (cap - p->textlen < len)
			cap *= 2;
		if (!(nt = realloc(p->text, cap)))
			return -ENOMEM;
		p->text = nt;
		p->textcap = cap;
	}
	if (!p->records && !(p->records = json_array()))
		return -ENOMEM;
	return 0;
}

/* One stored record (its batch, host and JSON) into the piece. */
static int snap_piece_add(struct snap_piece *p, long long pg_batch, const char *host,
			  const char *body, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *rec;

	if (p->n == 0) {
		free(p->host);
		if (!(p->host = strdup(host)))
			goto nomem;
		p->pg_batch = pg_batch;
	}
	if (snap_piece_grow(p, len) < 0)
		goto nomem;
	/* the flags POST /logs parses with (batch.c), minus "any value" */
	rec = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(rec)) {
		snprintf(err, errlen, "a stored record of batch %lld is not a JSON object: %s",
			 pg_batch, rec ? "another value" : jerr.text);
		json_decref(rec);
		return -EIO;
	}
	if (json_array_append_new(p->records, rec) < 0)
		goto nomem;
	memcpy(p->text + p->textlen, body, len);
	p->spans[p->n++] = (struct jspan){ .off = p->textlen, .len = len };
	p->textlen += len;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

/* Hand the piece to the scratch database as one batch, and empty it. */
static int snap_piece_flush(struct snap_piece *p, struct store_sq *sq, char *err, size_t errlen)
{
	struct batch b = { .host = p->host,
			   .run = p->run,
			   .records = p->records,
			   .text = p->text,
			   .spans = p->spans };
	int r;

	if (p->n == 0)
		return 0;
	snprintf(b.batch_id, sizeof(b.batch_id), "snap-%lu", ++p->serial);
	r = store_scratch_add(sq, &b, err, errlen);
	json_decref(p->records);
	p->records = NULL;
	p->n = 0;
	p->textlen = 0;
	return r;
}

static void snap_piece_free(struct snap_piece *p)
{
	json_decref(p->records);
	free(p->host);
	free(p->text);
	free(p->spans);
}

/* One row of snap_records_sql into the piece (flushed first when it is another batch's). */
static int snap_row(struct snap_piece *p, struct store_sq *sq, const PGresult *res, char *err,
		    size_t errlen)
{
	long long pg_batch = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	int r = 0;

	if (p->n > 0 && (pg_batch != p->pg_batch || p->n >= SNAP_PIECE))
		r = snap_piece_flush(p, sq, err, errlen);
	if (r == 0)
		r = snap_piece_add(p, pg_batch, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
				   (size_t)PQgetlength(res, 0, 2), err, errlen);
	return r;
}

/*
 * The run's records (host's only, unless host is "") into sq, one row at a
 * time. Every result is read to the end, also after a failure, so that the
 * connection is idle again.
 */
static int snap_records(PGconn *c, struct store_sq *sq, const char *run, const char *host,
			char *err, size_t errlen)
{
	const char *vals[2] = { run, host };
	struct snap_piece p = { .run = run };
	PGresult *res;
	int r = 0;

	if (PQsendQueryParams(c, snap_records_sql, 2, NULL, vals, NULL, NULL, 0) != 1)
		return pg_result_err(c, NULL, "records", err, errlen);
	if (PQsetSingleRowMode(c) != 1)
		r = pg_result_err(c, NULL, "single-row mode", err, errlen);
	while ((res = PQgetResult(c))) {
		ExecStatusType st = PQresultStatus(res);

		if (r == 0 && st == PGRES_SINGLE_TUPLE)
			r = snap_row(&p, sq, res, err, errlen);
		else if (r == 0 && st != PGRES_TUPLES_OK)
			r = pg_result_err(c, res, "records", err, errlen);
		PQclear(res);
	}
	if (r == 0)
		r = snap_piece_flush(&p, sq, err, errlen);
	snap_piece_free(&p);
	return r;
}

/* The runs rows of the SNAP_RUNS latest runs (host's only, unless host is ""). */
static int snap_runs(PGconn *c, struct store_sq *sq, const char *host, char *err, size_t errlen)
{
	char lim[16];
	const char *vals[2] = { host, lim };
	PGresult *res;
	int r;

	snprintf(lim, sizeof(lim), "%d", SNAP_RUNS);
	r = snap_query(c, snap_runs_sql, 2, vals, &res, "runs", err, errlen);
	for (int i = 0; r == 0 && i < PQntuples(res); i++)
		r = store_scratch_add_run(sq, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
					  strtoll(PQgetvalue(res, i, 2), NULL, 10),
					  strtoll(PQgetvalue(res, i, 3), NULL, 10),
					  strtoll(PQgetvalue(res, i, 4), NULL, 10), err, errlen);
	PQclear(res);
	return r;
}

int pg_snap_build(PGconn *c, const char *run, const char *host, sqlite3 **db, char *err,
		  size_t errlen)
{
	struct store_sq *sq = NULL;
	char picked[SNAP_RUN_MAX];
	PGresult *res = NULL;
	int r;

	*db = NULL;
	host = host ? host : "";
	r = snap_query(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, &res, "begin",
		       err, errlen);
	PQclear(res);
	if (r < 0)
		return r;
	if (!run && (r = snap_pick_run(c, host, picked, sizeof(picked), err, errlen)) < 0)
		goto err;
	run = run ? run : picked;
	if ((r = store_scratch_open(&sq, err, errlen)) < 0 ||
	    (r = snap_records(c, sq, run, host, err, errlen)) < 0 ||
	    (r = snap_runs(c, sq, host, err, errlen)) < 0)
		goto err;
	r = store_scratch_finish(sq, db, err, errlen);
	sq = NULL;
	if (r < 0)
		goto err;
	PQclear(PQexec(c, "COMMIT"));
	return 0;
err:
	store_scratch_free(sq);
	if (PQstatus(c) == CONNECTION_OK)
		PQclear(PQexec(c, "ROLLBACK"));
	return r;
}
