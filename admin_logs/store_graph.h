/*
 * store_graph.h — what the graphs read of the store: a read view that
 * answers a fixed set of named queries (the graph query layer). The report
 * (graphs*.c) asks for the series it needs by name and turns the rows into
 * buckets, CSV and gnuplot, written once; each back end supplies the
 * primitives (open a view, run a named query with its arguments, step its
 * rows, read a column) with the SQL of its own dialect on its own tables:
 * SQLite (store_sqlite_graph.c) and PostgreSQL (store_pg_graph.c). The two
 * answer the same rows in the same order, so the report is byte-identical
 * across back ends (tests/admin_logs/graphs_same.sh).
 *
 * A view is one consistent snapshot (one read transaction) of one host's
 * records (or every host's), read by one thread; one query at a time is
 * open on it (a new query ends the one before). Every query is bounded: it
 * names the run, and the ones whose rows grow with the run are read one
 * row at a time (PostgreSQL's single-row mode, SQLite's stepping), so the
 * memory is a row, whatever the run's size.
 */
#ifndef ADMIN_LOGS_STORE_GRAPH_H
#define ADMIN_LOGS_STORE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The named queries: arguments -> columns (time in ns). */
enum sg_query {
	SG_LATEST_RUN, /* () -> run: the latest run to start (at most one row) */
	SG_RUN_FOUND, /* (run) -> 1 when the run has a record (at most one row) */
	SG_RANGE, /* (run) -> min ts, max ts, number of samples (one row) */
	/* (run) -> ts, used_kb, total_kb, available_kb, cpu_pct, n_high, n_low,
	 * n_unknown, the record's JSON when n_unknown > 0 (else NULL): the
	 * run's samples in no order (SG_SAMPLES) or by time then record */
	SG_SAMPLES,
	SG_SAMPLES_SORTED,
	/* (limit, run) -> cid, name, first record, last record: the busiest
	 * managed containers by CPU (or memory), at most limit rows */
	SG_TOP_CPU,
	SG_TOP_MEM,
	/* (t0, bucket, first record, last record, cid, run) -> bucket, earliest
	 * ts, mean CPU % (or MiB) of one container per bucket, by bucket */
	SG_SERIES_CPU,
	SG_SERIES_MEM,
	SG_REMOVED_COUNT, /* (run) -> containers removed (one row) */
	SG_REMOVED, /* (run) -> ts, class of each removal, by time */
	SG_RUNS, /* () -> run, host, first ns, last ns, records: the 100 latest runs */
	SG_NQUERIES
};

/* An argument: text when s is not NULL, else the number i. */
struct sg_arg {
	const char *s;
	int64_t i;
};

struct store_graph;

/* What a back end supplies (its view starts with a struct store_graph). */
struct store_graph_ops {
	/* Run q with its arguments; 0, -EAGAIN (the server is away) or -EIO. */
	int (*query)(struct store_graph *g, enum sg_query q, const struct sg_arg *a, char *err,
		     size_t errlen);
	/* The next row: 1, 0 at the end, -EAGAIN or -EIO. */
	int (*next)(struct store_graph *g, char *err, size_t errlen);
	/* Column i of the row: text (NULL for SQL NULL), number (0 for NULL). */
	const char *(*text)(struct store_graph *g, unsigned i);
	int64_t (*num)(struct store_graph *g, unsigned i);
	double (*real)(struct store_graph *g, unsigned i);
	void (*close)(struct store_graph *g);
};

struct store_graph {
	const struct store_graph_ops *ops;
};

/* The number of arguments each query takes. */
extern const unsigned sg_nargs[SG_NQUERIES];

/*
 * A view of the store s for host (NULL or "": every host), in *g (the
 * caller closes it). 0, -EAGAIN (the server is away: 503) or -errno with
 * the reason in err.
 */
int store_graph_open(struct store *s, const char *host, struct store_graph **g, char *err,
		     size_t errlen);
/* A view of the SQLite database at path (store_sqlite_graph.c). */
int store_graph_open_sqlite(const char *path, const char *host, struct store_graph **g, char *err,
			    size_t errlen);

static inline int store_graph_query(struct store_graph *g, enum sg_query q, const struct sg_arg *a,
				    char *err, size_t errlen)
{
	return g->ops->query(g, q, a, err, errlen);
}

static inline int store_graph_next(struct store_graph *g, char *err, size_t errlen)
{
	return g->ops->next(g, err, errlen);
}

static inline const char *store_graph_text(struct store_graph *g, unsigned i)
{
	return g->ops->text(g, i);
}

static inline int64_t store_graph_num(struct store_graph *g, unsigned i)
{
	return g->ops->num(g, i);
}

static inline double store_graph_real(struct store_graph *g, unsigned i)
{
	return g->ops->real(g, i);
}

static inline void store_graph_close(struct store_graph *g)
{
	if (g)
		g->ops->close(g);
}

#endif
