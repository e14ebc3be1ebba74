/*
 * store_sqlite_graph.c — the graph query layer (store_graph.h) on SQLite:
 * a read-only connection of its own to the store's file, scoped to one host
 * by temporary views (store_scope_host), in one read transaction; each
 * named query is one statement on the tables the SQLite back end derives at
 * ingest (samples, sample_containers, runs), stepped a row at a time.
 * store_pg_graph.c holds the same queries in PostgreSQL's dialect.
 */
#include "store_graph.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "store_be.h"

#define SQG_SAMPLE_COLS                                                                         \
	"SELECT s.ts_ns, s.used_kb, s.total_kb, s.available_kb, s.cpu_pct, s.n_high, s.n_low, " \
	"s.n_unknown, CASE WHEN s.n_unknown > 0 THEN r.body END FROM records r JOIN samples s " \
	"ON s.record = r.id WHERE r.run = ?1 AND r.type = 'sample'"
#define SQG_TOP(by)                                                                      \
	"SELECT sc.cid, max(sc.name), min(sc.record), max(sc.record) FROM records r "    \
	"JOIN sample_containers sc ON sc.record = r.id WHERE r.run = ?2 AND "            \
	"r.type = 'sample' GROUP BY sc.cid HAVING sum(sc.class IN ('high', 'low')) > 0 " \
	"ORDER BY avg(" by ") DESC, sc.cid LIMIT ?1"
#define SQG_SERIES(v)                                                                         \
	"SELECT (sc.ts_ns - ?1) / ?2 AS k, min(sc.ts_ns), avg(" v ") FROM sample_containers " \
	"sc JOIN records r ON r.id = sc.record WHERE sc.record BETWEEN ?3 AND ?4 AND "        \
	"sc.cid = ?5 AND r.run = ?6 GROUP BY k ORDER BY k"

/* The queries (store_graph.h), in SQLite's dialect; ?n is argument n. */
static const char *const sqg_sql[SG_NQUERIES] = {
	[SG_LATEST_RUN] = "SELECT run FROM runs ORDER BY first_ns DESC, run LIMIT 1",
	[SG_RUN_FOUND] = "SELECT 1 FROM records WHERE run = ?1 LIMIT 1",
	[SG_RANGE] = "SELECT coalesce(min(s.ts_ns), 0), coalesce(max(s.ts_ns), 0), count(*) "
		     "FROM records r JOIN samples s ON s.record = r.id "
		     "WHERE r.run = ?1 AND r.type = 'sample'",
	[SG_SAMPLES] = SQG_SAMPLE_COLS,
	[SG_SAMPLES_SORTED] = SQG_SAMPLE_COLS " ORDER BY s.ts_ns, s.record",
	[SG_TOP_CPU] = SQG_TOP("sc.cpu_pct"),
	[SG_TOP_MEM] = SQG_TOP("sc.mem_kb"),
	[SG_SERIES_CPU] = SQG_SERIES("sc.cpu_pct"),
	[SG_SERIES_MEM] = SQG_SERIES("sc.mem_kb / 1024.0"),
	[SG_REMOVED_COUNT] = "SELECT count(*) FROM records WHERE action = 'removed' AND run = ?1",
	[SG_REMOVED] = "SELECT ts_ns, class FROM records WHERE action = 'removed' AND run = ?1 "
		       "ORDER BY ts_ns, id",
	[SG_RUNS] = "SELECT run, min(host), min(first_ns), max(last_ns), sum(n_records) FROM runs "
		    "GROUP BY run ORDER BY min(first_ns) DESC, run LIMIT 100",
};

struct sqg {
	struct store_graph base;
	sqlite3 *db;
	sqlite3_stmt *st; /* the open query */
};

static int sqg_fail(struct sqg *v, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(v->db));
	return -EIO;
}

static int sqg_query(struct store_graph *g, enum sg_query q, const struct sg_arg *a, char *err,
		     size_t errlen)
{
	struct sqg *v = (struct sqg *)g;

	sqlite3_finalize(v->st);
	v->st = NULL;
	if (sqlite3_prepare_v2(v->db, sqg_sql[q], -1, &v->st, NULL) != SQLITE_OK)
		return sqg_fail(v, "sql", err, errlen);
	for (unsigned i = 0; i < sg_nargs[q]; i++) {
		if (a[i].s)
			sqlite3_bind_text(v->st, (int)i + 1, a[i].s, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_int64(v->st, (int)i + 1, a[i].i);
	}
	return 0;
}

static int sqg_next(struct store_graph *g, char *err, size_t errlen)
{
	struct sqg *v = (struct sqg *)g;
	int rc = v->st ? sqlite3_step(v->st) : SQLITE_DONE;

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sqg_fail(v, "sql", err, errlen);
}

static const char *sqg_text(struct store_graph *g, unsigned i)
{
	return (const char *)sqlite3_column_text(((struct sqg *)g)->st, (int)i);
}

static int64_t sqg_num(struct store_graph *g, unsigned i)
{
	return sqlite3_column_int64(((struct sqg *)g)->st, (int)i);
}

static double sqg_real(struct store_graph *g, unsigned i)
{
	return sqlite3_column_double(((struct sqg *)g)->st, (int)i);
}

static void sqg_close(struct store_graph *g)
{
	struct sqg *v = (struct sqg *)g;

	sqlite3_finalize(v->st);
	sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(v->db);
	free(v);
}

static const struct store_graph_ops sqg_ops = {
	.query = sqg_query,
	.next = sqg_next,
	.text = sqg_text,
	.num = sqg_num,
	.real = sqg_real,
	.close = sqg_close,
};

int store_graph_open_sqlite(const char *path, const char *host, struct store_graph **g, char *err,
			    size_t errlen)
{
	struct sqg *v = calloc(1, sizeof(*v));

	*g = NULL;
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	v->base.ops = &sqg_ops;
	if (store_open_reader(path, &v->db, err, errlen) < 0 ||
	    store_scope_host(v->db, host, err, errlen) < 0)
		goto err;
	if (sqlite3_exec(v->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sqg_fail(v, "begin", err, errlen);
		goto err;
	}
	*g = &v->base;
	return 0;
err:
	sqlite3_close(v->db);
	free(v);
	return -EIO;
}
