/*
 * store_pg_graph.c — the graph query layer (store_graph.h) on PostgreSQL:
 * the report's series read straight from the server's tables, with the
 * same named queries as SQLite's (store_sqlite_graph.c) in PostgreSQL's
 * dialect. The rows the graphs need are derived at ingest as on SQLite
 * (store_pg.c: samples with their per-class counts, sample_containers,
 * runs), so no query parses the records' JSON but for a sample with
 * containers of no class (the graphs read its roles).
 *
 * A view is a connection of its own in one REPEATABLE READ READ ONLY
 * transaction (every chart sees the same data). Each query is sent in
 * libpq's single-row mode, so the memory is one row whatever the run's
 * size; the host scope is one more parameter of every query ($N+1 after the
 * query's own N), "" for every host. To answer as SQLite does, byte for
 * byte: text is ordered and compared in the "C" collation (SQLite's
 * BINARY), means are float8 (SQLite's REAL), integer division truncates as
 * SQLite's does, and ties are broken by the same columns.
 */
#include "store_pg_graph.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PGG_HOST_MAX 512 /* the host scope (POST /graficar's ?host= is at most 256) */
#define PGG_ARGS 8 /* arguments of a query, the host included */

#define PGG_HOST(col) " AND ($%d = '' OR " col " = $%d)"
#define PGG_SAMPLE_COLS                                                                         \
	"SELECT s.ts_ns, s.used_kb, s.total_kb, s.available_kb, s.cpu_pct, s.n_high, s.n_low, " \
	"s.n_unknown, CASE WHEN s.n_unknown > 0 THEN r.body END FROM records r JOIN samples s " \
	"ON s.record = r.id WHERE r.run = $1 AND r.type = 'sample'" PGG_HOST("r.host")
#define PGG_TOP(by)                                                                             \
	"SELECT sc.cid, max(sc.name COLLATE \"C\"), min(sc.record), max(sc.record) FROM "       \
	"records r JOIN sample_containers sc ON sc.record = r.id WHERE r.run = $2 AND "         \
	"r.type = 'sample'" PGG_HOST(                                                           \
		"r.host") " GROUP BY sc.cid HAVING count(*) FILTER "                            \
			  "(WHERE sc.class IN ('high', 'low')) > 0 ORDER BY avg(" by ") DESC, " \
			  "sc.cid COLLATE \"C\" LIMIT $1"
#define PGG_SERIES(v)                                                                         \
	"SELECT (sc.ts_ns - $1) / $2 AS k, min(sc.ts_ns), avg(" v ") FROM sample_containers " \
	"sc JOIN records r ON r.id = sc.record WHERE sc.record BETWEEN $3 AND $4 AND "        \
	"sc.cid = $5 AND r.run = $6" PGG_HOST("r.host") " GROUP BY k ORDER BY k"

/*
 * The queries (store_graph.h) in PostgreSQL's dialect: $n is argument n,
 * the %d the host's parameter. The samples come in the order SQLite's
 * unordered scan gives them (time, then record), so the buckets' sums are
 * added up in the same order.
 */
static const char *const pgg_sql[SG_NQUERIES] = {
	[SG_LATEST_RUN] = "SELECT run FROM runs WHERE TRUE" PGG_HOST(
		"host") " ORDER BY first_ns DESC, run COLLATE \"C\" LIMIT 1",
	[SG_RUN_FOUND] = "SELECT 1 FROM records WHERE run = $1" PGG_HOST("host") " LIMIT 1",
	[SG_RANGE] = "SELECT coalesce(min(s.ts_ns), 0), coalesce(max(s.ts_ns), 0), count(*) "
		     "FROM records r JOIN samples s ON s.record = r.id "
		     "WHERE r.run = $1 AND r.type = 'sample'" PGG_HOST("r.host"),
	[SG_SAMPLES] = PGG_SAMPLE_COLS " ORDER BY s.ts_ns, s.record",
	[SG_SAMPLES_SORTED] = PGG_SAMPLE_COLS " ORDER BY s.ts_ns, s.record",
	[SG_TOP_CPU] = PGG_TOP("sc.cpu_pct"),
	[SG_TOP_MEM] = PGG_TOP("sc.mem_kb"),
	[SG_SERIES_CPU] = PGG_SERIES("sc.cpu_pct"),
	[SG_SERIES_MEM] = PGG_SERIES("sc.mem_kb / 1024.0::float8"),
	[SG_REMOVED_COUNT] = "SELECT count(*) FROM records WHERE action = 'removed' AND "
			     "run = $1" PGG_HOST("host"),
	[SG_REMOVED] = "SELECT ts_ns, class FROM records WHERE action = 'removed' AND "
		       "run = $1" PGG_HOST("host") " ORDER BY ts_ns, id",
	[SG_RUNS] = "SELECT run, min(host COLLATE \"C\"), min(first_ns), max(last_ns), "
		    "sum(n_records) FROM runs WHERE TRUE" PGG_HOST(
			    "host") " GROUP BY run ORDER BY min(first_ns) DESC, "
				    "run COLLATE \"C\" LIMIT 100",
};

struct pgg {
	struct store_graph base;
	PGconn *c;
	PGresult *row; /* the row handed out last */
	bool busy; /* a query's results are still coming */
	char host[PGG_HOST_MAX];
};

/* A failure: "<what>: <libpq's message>" (one line); -EAGAIN when the connection is gone. */
static int pgg_fail(struct pgg *v, const PGresult *res, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what,
		 res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
						     : PQerrorMessage(v->c));
	err[strcspn(err, "\r\n")] = '\0';
	return PQstatus(v->c) == CONNECTION_OK ? -EIO : -EAGAIN;
}

/* Read the open query's results to the end: the connection is idle again. */
static void pgg_drain(struct pgg *v)
{
	PGresult *res;

	PQclear(v->row);
	v->row = NULL;
	if (!v->busy)
		return;
	while ((res = PQgetResult(v->c)))
		PQclear(res);
	v->busy = false;
}

static int pgg_query(struct store_graph *g, enum sg_query q, const struct sg_arg *a, char *err,
		     size_t errlen)
{
	struct pgg *v = (struct pgg *)g;
	char sql[1024], num[PGG_ARGS][24];
	const char *vals[PGG_ARGS];
	unsigned n = sg_nargs[q];

	pgg_drain(v);
	for (unsigned i = 0; i < n; i++) {
		snprintf(num[i], sizeof(num[i]), "%" PRId64, a[i].i);
		vals[i] = a[i].s ? a[i].s : num[i];
	}
	vals[n] = v->host;
	/* the host's parameter number, twice (PGG_HOST) */
	snprintf(sql, sizeof(sql), pgg_sql[q], (int)n + 1, (int)n + 1);
	if (PQsendQueryParams(v->c, sql, (int)n + 1, NULL, vals, NULL, NULL, 0) != 1)
		return pgg_fail(v, NULL, "query", err, errlen);
	v->busy = true;
	if (PQsetSingleRowMode(v->c) != 1)
		return pgg_fail(v, NULL, "single-row mode", err, errlen);
	return 0;
}

static int pgg_next(struct store_graph *g, char *err, size_t errlen)
{
	struct pgg *v = (struct pgg *)g;
	PGresult *res;
	int r = 0;

	PQclear(v->row);
	v->row = NULL;
	if (!v->busy)
		return 0;
	res = PQgetResult(v->c);
	if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
		v->row = res;
		return 1;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		r = pgg_fail(v, res, "query", err, errlen);
	PQclear(res);
	pgg_drain(v);
	return r;
}

static const char *pgg_text(struct store_graph *g, unsigned i)
{
	struct pgg *v = (struct pgg *)g;

	if (!v->row || PQgetisnull(v->row, 0, (int)i))
		return NULL;
	return PQgetvalue(v->row, 0, (int)i);
}

static int64_t pgg_num(struct store_graph *g, unsigned i)
{
	const char *s = pgg_text(g, i);

	return s ? strtoll(s, NULL, 10) : 0;
}

static double pgg_real(struct store_graph *g, unsigned i)
{
	const char *s = pgg_text(g, i);

	return s ? strtod(s, NULL) : 0.0;
}

static void pgg_close(struct store_graph *g)
{
	struct pgg *v = (struct pgg *)g;

	pgg_drain(v);
	PQfinish(v->c); /* ends the read-only transaction */
	free(v);
}

static const struct store_graph_ops pgg_ops = {
	.query = pgg_query,
	.next = pgg_next,
	.text = pgg_text,
	.num = pgg_num,
	.real = pgg_real,
	.close = pgg_close,
};

int pg_graph_view(PGconn *c, const char *host, struct store_graph **g, char *err, size_t errlen)
{
	struct pgg *v = calloc(1, sizeof(*v));
	PGresult *res;
	int r = 0;

	*g = NULL;
	if (!v) {
		PQfinish(c);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	v->base.ops = &pgg_ops;
	v->c = c;
	snprintf(v->host, sizeof(v->host), "%s", host ? host : "");
	res = PQexec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		r = pgg_fail(v, res, "begin", err, errlen);
	PQclear(res);
	if (r < 0) {
		pgg_close(&v->base);
		return r;
	}
	*g = &v->base;
	return 0;
}
