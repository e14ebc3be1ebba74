/*
 * graphs.c — the report (see graphs.h).
 *
 * For each chart: one SQL query (averaged into time buckets so no chart has
 * more than GRAPHS_MAX_POINTS points per series) writes <name>.csv, then a
 * gnuplot script <name>.gp draws <name>.png (pngcairo) and <name>.svg from
 * that CSV. Two gnuplot children share the scripts (posix_spawn, no shell,
 * cwd = the report directory, output kept in .gnuplot-<n>.log only when it
 * fails) and are waited for with a deadline. index.html shows every chart with links to
 * its SVG and CSV. Times are UTC; epoch seconds are in the CSV beside the
 * readable time so the CSV can be checked against the stored ns values.
 */
#include "graphs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "gestor.h"
#include "graphs_text.h"
#include "log.h"
#include "store_graph.h"
#include "util.h"

#define GRAPHS_TIMEOUT_NS (60ull * 1000000000ull)
#define GRAPHS_NAME_MAX 64
/* a name in a chart's key or axis is cut after this many characters ("…") */
#define GRAPHS_LABEL_CHARS 48
/* no sample for more than this many usual spacings: a gap, the lines break */
#define GRAPHS_GAP_SPACINGS 4

enum chart_kind { CK_LINES, CK_HEATMAP, CK_BARS, CK_STEPS };

enum chart_id {
	C_MEMORY,
	C_CPU,
	C_CCPU,
	C_CMEM,
	C_CCPU_HEAT,
	C_CMEM_HEAT,
	C_REMOVED,
	C_REMOVED_CUM,
	C_RUNNING,
	NCHARTS
};

#define GRAPHS_PROCS 2u /* gnuplot processes, one per core here */
#define GRAPHS_SERIES 64 /* top_n is capped at this */

struct chart {
	const char *name;
	const char *title;
	const char *ylabel;
	enum chart_kind kind;
	const char *cblabel; /* heatmaps: the colour's meaning */
};

static const struct chart graphs_charts[NCHARTS] = {
	[C_MEMORY] = { "memory", "System memory used", "memory (MiB)", CK_LINES, NULL },
	[C_CPU] = { "cpu", "System CPU usage", "CPU (%)", CK_LINES, NULL },
	[C_CCPU] = { "container_cpu", "CPU of the busiest containers", "CPU (% of one core)",
		     CK_LINES, NULL },
	[C_CMEM] = { "container_mem", "Memory of the busiest containers", "memory (MiB)", CK_LINES,
		     NULL },
	[C_CCPU_HEAT] = { "container_cpu_heatmap", "CPU of the busiest containers (heatmap)",
			  "container", CK_HEATMAP, "CPU (% of one core)" },
	[C_CMEM_HEAT] = { "container_mem_heatmap", "Memory of the busiest containers (heatmap)",
			  "container", CK_HEATMAP, "memory (MiB)" },
	[C_REMOVED] = { "removed_by_class", "Containers removed per class", "containers removed",
			CK_BARS, NULL },
	[C_REMOVED_CUM] = { "removed_cumulative", "Containers removed over time (cumulative)",
			    "containers removed", CK_STEPS, NULL },
	[C_RUNNING] = { "running_by_class", "Containers running per class", "containers", CK_LINES,
			NULL },
};

/* What a chart's CSV turned out to hold, for its gnuplot script. */
struct chart_data {
	unsigned nseries; /* value columns after time_utc,epoch_s */
	char series[GRAPHS_SERIES][GTEXT_MAX]; /* display forms (graphs_text.h) */
	uint64_t rows;
	uint64_t npts[GRAPHS_SERIES]; /* containers: samples in each series (0: not counted) */
	double dx; /* heatmap cell width in seconds */
};

struct gctx {
	sqlite3 *db;
	const struct graphs_opts *o;
	int64_t t0, t1, bucket; /* samples' time span and bucket width, ns */
	int64_t nsamples;
	unsigned gaps; /* gaps without samples found */
	int64_t spacing; /* the samples' usual spacing (ns), 0 unknown */
	char run[80]; /* the run drawn ("" : records that carried none) */
	FILE *f[NCHARTS];
	struct chart_data d[NCHARTS];
	double child_cpu; /* gnuplot's user + system seconds */
	char err[512];
};

static void csv_time(FILE *f, int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	struct tm tm;
	char buf[32];

	gmtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%03dZ,%lld.%09lld", buf, (int)(ns % 1000000000LL / 1000000), (long long)sec,
		(long long)(ns % 1000000000LL));
}

static void d_series(struct chart_data *d, const char *name)
{
	if (d->nseries < GRAPHS_SERIES)
		gtext_display(name, d->series[d->nseries++], GTEXT_MAX);
}

static int g_prepare(struct gctx *g, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(g->db, sql, -1, st, NULL) != SQLITE_OK) {
		snprintf(g->err, sizeof(g->err), "sql: %s", sqlite3_errmsg(g->db));
		return -EIO;
	}
	return 0;
}

static int g_done(struct gctx *g, sqlite3_stmt *st, int rc)
{
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(g->err, sizeof(g->err), "sql: %s", sqlite3_errmsg(g->db));
		return -EIO;
	}
	return 0;
}

/* Per time bucket sums of the sample columns. */
enum {
	SV_USED,
	SV_TOTAL,
	SV_AVAIL,
	SV_CPU,
	SV_HIGH,
	SV_LOW,
	SV_ADMIN,
	SV_UNMANAGED,
	SV_UNDECIDED,
	SV_N
};
struct sbucket {
	int64_t ts; /* earliest sample in the bucket */
	int64_t n;
	double v[SV_N];
};

/*
 * A sample's containers of class "unknown", split: the admin_logs
 * container, the ones servicio does not manage, and managed ones not
 * decided yet. servicio says which in each container's "role"; records
 * from before it did are told apart by name and class label.
 */
static void samples_split_unknown(const char *body, double *v)
{
	json_t *j = body ? json_loads(body, 0, NULL) : NULL;
	json_t *cs = json_object_get(j, "containers"), *c;
	size_t i;

	json_array_foreach(cs, i, c)
	{
		const char *cls = json_string_value(json_object_get(c, "class"));
		const char *role = json_string_value(json_object_get(c, "role"));
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *lc = json_string_value(json_object_get(c, "label_class"));

		if (!cls || strcmp(cls, "unknown") != 0)
			continue;
		if (role ? strcmp(role, GESTOR_ROLE_ADMIN_LOGS) == 0
			 : (name && strstr(name, "admin_logs")))
			v[SV_ADMIN]++;
		else if (role ? strcmp(role, "managed") != 0 : (!lc || !lc[0]))
			v[SV_UNMANAGED]++;
		else
			v[SV_UNDECIDED]++;
	}
	json_decref(j);
}

/*
 * The typical spacing of the rows (the median gap between consecutive
 * non-empty buckets), for telling a gap with no samples from the cadence.
 */
static int64_t samples_spacing(const struct sbucket *b, size_t nb)
{
	int64_t *d = malloc((nb ? nb : 1) * sizeof(*d)), prev = -1, med = 0;
	size_t n = 0;

	if (!d)
		return 0;
	for (size_t i = 0; i < nb; i++) {
		if (b[i].n == 0)
			continue;
		if (prev >= 0)
			d[n++] = b[i].ts - prev;
		prev = b[i].ts;
	}
	/* a partial selection would do; n is at most GRAPHS_MAX_POINTS */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && d[k - 1] > d[k]; k--) {
			int64_t t = d[k];
			d[k] = d[k - 1];
			d[k - 1] = t;
		}
	if (n > 0)
		med = d[n / 2];
	free(d);
	return med;
}

/*
 * memory.csv, cpu.csv, running_by_class.csv: one pass over samples in
 * storage order, averaged into at most GRAPHS_MAX_POINTS buckets in memory
 * (no sort in SQL); with few samples every sample is its own row. Where no
 * sample came for more than GRAPHS_GAP_SPACINGS times the usual spacing
 * (servicio did not run), a row with empty values says so: the lines break
 * there instead of joining the two sides.
 */
/* The run's samples read into b[0..nb): one per sample (each) or per bucket. */
static int samples_read(struct gctx *g, struct sbucket *b, size_t nb, bool each)
{
	sqlite3_stmt *st;
	size_t i;
	int rc, c;

	if (g_prepare(
		    g,
		    each ? "SELECT s.ts_ns, s.used_kb, s.total_kb, s.available_kb, s.cpu_pct, "
			   "s.n_high, s.n_low, s.n_unknown, CASE WHEN s.n_unknown > 0 THEN r.body "
			   "END FROM records r JOIN samples s ON s.record = r.id "
			   "WHERE r.run = ?1 AND r.type = 'sample' ORDER BY s.ts_ns, s.record"
			 : "SELECT s.ts_ns, s.used_kb, s.total_kb, s.available_kb, s.cpu_pct, "
			   "s.n_high, s.n_low, s.n_unknown, CASE WHEN s.n_unknown > 0 THEN r.body "
			   "END FROM records r JOIN samples s ON s.record = r.id "
			   "WHERE r.run = ?1 AND r.type = 'sample'",
		    &st) < 0)
		return -EIO;
	sqlite3_bind_text(st, 1, g->run, -1, SQLITE_STATIC);
	for (i = 0; (rc = sqlite3_step(st)) == SQLITE_ROW; i++) {
		int64_t ts = sqlite3_column_int64(st, 0);
		size_t k = each ? i : (size_t)((ts - g->t0) / g->bucket);
		if (k >= nb)
			continue; /* a sample stored after the span was taken */
		if (b[k].n == 0 || ts < b[k].ts)
			b[k].ts = ts;
		b[k].n++;
		for (c = 0; c < SV_ADMIN; c++)
			b[k].v[c] += sqlite3_column_double(st, c + 1);
		if (sqlite3_column_int64(st, 7) > 0)
			samples_split_unknown((const char *)sqlite3_column_text(st, 8), b[k].v);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(g->err, sizeof(g->err), "sql: %s", sqlite3_errmsg(g->db));
		return -EIO;
	}
	return 0;
}

/* memory.csv, cpu.csv and running_by_class.csv from the buckets, gaps broken. */
static void samples_write(struct gctx *g, const struct sbucket *b, size_t nb)
{
	FILE *fm = g->f[C_MEMORY], *fc = g->f[C_CPU], *fr = g->f[C_RUNNING];
	int64_t spacing, prev = -1;

	fputs("time_utc,epoch_s,used_mib,total_mib,available_mib\n", fm);
	fputs("time_utc,epoch_s,cpu_pct\n", fc);
	fputs("time_utc,epoch_s,high,low,admin_logs,unmanaged,undecided\n", fr);
	d_series(&g->d[C_MEMORY], "used");
	d_series(&g->d[C_MEMORY], "total");
	d_series(&g->d[C_CPU], "CPU");
	d_series(&g->d[C_RUNNING], "high");
	d_series(&g->d[C_RUNNING], "low");
	d_series(&g->d[C_RUNNING], "admin_logs");
	d_series(&g->d[C_RUNNING], "unmanaged");
	d_series(&g->d[C_RUNNING], "undecided");
	spacing = samples_spacing(b, nb);
	g->spacing = spacing;
	for (size_t i = 0; i < nb; i++) {
		double n = (double)b[i].n;
		if (b[i].n == 0)
			continue;
		if (prev >= 0 && spacing > 0 && b[i].ts - prev > GRAPHS_GAP_SPACINGS * spacing) {
			/* the gap: a row without values right after the last sample,
			 * then a blank line, where gnuplot breaks a line */
			csv_time(fm, prev + spacing);
			fputs(",,,\n\n", fm);
			csv_time(fc, prev + spacing);
			fputs(",\n\n", fc);
			csv_time(fr, prev + spacing);
			fputs(",,,,,\n\n", fr);
			g->gaps++;
		}
		prev = b[i].ts;
		csv_time(fm, b[i].ts);
		fprintf(fm, ",%.3f,%.3f,%.3f\n", b[i].v[SV_USED] / n / 1024.0,
			b[i].v[SV_TOTAL] / n / 1024.0, b[i].v[SV_AVAIL] / n / 1024.0);
		csv_time(fc, b[i].ts);
		fprintf(fc, ",%.3f\n", b[i].v[SV_CPU] / n);
		csv_time(fr, b[i].ts);
		fprintf(fr, ",%.3f,%.3f,%.3f,%.3f,%.3f\n", b[i].v[SV_HIGH] / n, b[i].v[SV_LOW] / n,
			b[i].v[SV_ADMIN] / n, b[i].v[SV_UNMANAGED] / n, b[i].v[SV_UNDECIDED] / n);
		g->d[C_MEMORY].rows++;
		g->d[C_CPU].rows++;
		g->d[C_RUNNING].rows++;
	}
}

static int produce_samples(struct gctx *g)
{
	bool each = g->bucket == 1;
	size_t nb = each ? (size_t)g->nsamples : (size_t)((g->t1 - g->t0) / g->bucket + 1);
	struct sbucket *b = calloc(nb ? nb : 1, sizeof(*b));
	int ret;

	if (!b) {
		snprintf(g->err, sizeof(g->err), "out of memory");
		return -ENOMEM;
	}
	ret = samples_read(g, b, nb, each);
	if (ret == 0)
		samples_write(g, b, nb);
	free(b);
	return ret;
}

struct point {
	int64_t k, ts;
	unsigned s;
	double v;
};

static int point_cmp(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return x->s < y->s ? -1 : (x->s > y->s);
}

/* A growing array of points. */
struct points {
	struct point *v;
	size_t n, cap;
};

static int points_add(struct gctx *g, struct points *p, struct point x)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 1024;
		struct point *np = realloc(p->v, nc * sizeof(*np));

		if (!np) {
			snprintf(g->err, sizeof(g->err), "out of memory");
			return -ENOMEM;
		}
		p->v = np;
		p->cap = nc;
	}
	p->v[p->n++] = x;
	return 0;
}

/* The bucketed points of series s from st (bound to one container). */
static int containers_series(struct gctx *g, sqlite3_stmt *st, unsigned s, struct points *pts)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (points_add(g, pts,
			       (struct point){ .k = sqlite3_column_int64(st, 0),
					       .ts = sqlite3_column_int64(st, 1),
					       .s = s,
					       .v = sqlite3_column_double(st, 2) }) < 0)
			return -ENOMEM;
	}
	if (rc != SQLITE_DONE) {
		snprintf(g->err, sizeof(g->err), "sql: %s", sqlite3_errmsg(g->db));
		return -EIO;
	}
	sqlite3_reset(st);
	return 0;
}

/*
 * The busiest managed containers by mem (or CPU): a series each (named in
 * both charts' data) and their points from their own record range, sorted
 * by bucket. Managed: decided high or low in a sample of the run (not the
 * admin_logs container, not unmanaged ones, however busy).
 */
static int containers_points(struct gctx *g, bool mem, struct points *pts)
{
	struct chart_data *dl = &g->d[mem ? C_CMEM : C_CCPU],
			  *dh = &g->d[mem ? C_CMEM_HEAT : C_CCPU_HEAT];
	sqlite3_stmt *top = NULL, *st = NULL;
	char sql[320];
	int rc = SQLITE_DONE, r = -EIO;

	snprintf(sql, sizeof(sql),
		 "SELECT (sc.ts_ns - ?1) / ?2 AS k, min(sc.ts_ns), avg(%s) FROM sample_containers "
		 "sc "
		 "JOIN records r ON r.id = sc.record WHERE sc.record BETWEEN ?3 AND ?4 AND "
		 "sc.cid = ?5 AND r.run = ?6 GROUP BY k ORDER BY k",
		 mem ? "sc.mem_kb / 1024.0" : "sc.cpu_pct");
	if (g_prepare(g,
		      mem ? "SELECT sc.cid, max(sc.name), min(sc.record), max(sc.record) "
			    "FROM records r JOIN sample_containers sc ON sc.record = r.id "
			    "WHERE r.run = ?2 AND r.type = 'sample' GROUP BY sc.cid "
			    "HAVING sum(sc.class IN ('high', 'low')) > 0 "
			    "ORDER BY avg(sc.mem_kb) DESC, sc.cid LIMIT ?1"
			  : "SELECT sc.cid, max(sc.name), min(sc.record), max(sc.record) "
			    "FROM records r JOIN sample_containers sc ON sc.record = r.id "
			    "WHERE r.run = ?2 AND r.type = 'sample' GROUP BY sc.cid "
			    "HAVING sum(sc.class IN ('high', 'low')) > 0 "
			    "ORDER BY avg(sc.cpu_pct) DESC, sc.cid LIMIT ?1",
		      &top) < 0 ||
	    g_prepare(g, sql, &st) < 0)
		goto out;
	sqlite3_bind_int(top, 1, (int)(g->o->top_n < GRAPHS_SERIES ? g->o->top_n : GRAPHS_SERIES));
	sqlite3_bind_text(top, 2, g->run, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, g->run, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 1, g->t0);
	sqlite3_bind_int64(st, 2, g->bucket);
	while ((rc = sqlite3_step(top)) == SQLITE_ROW) {
		unsigned s = dl->nseries;

		d_series(dl, (const char *)sqlite3_column_text(top, 1));
		d_series(dh, (const char *)sqlite3_column_text(top, 1));
		sqlite3_bind_int64(st, 3, sqlite3_column_int64(top, 2));
		sqlite3_bind_int64(st, 4, sqlite3_column_int64(top, 3));
		sqlite3_bind_text(st, 5, (const char *)sqlite3_column_text(top, 0), -1,
				  SQLITE_TRANSIENT);
		if (containers_series(g, st, s, pts) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		snprintf(g->err, sizeof(g->err), "sql: %s", sqlite3_errmsg(g->db));
		goto out;
	}
	if (pts->n > 0)
		qsort(pts->v, pts->n, sizeof(*pts->v), point_cmp);
	r = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(top);
	return r;
}

/* The line chart's CSV (wide: one column per container, empty where it did
 * not run) and the heatmap's (long: one row per cell) from sorted points. */
/* The header rows of the per-container lines' CSV (fl) and heatmap's CSV (fh). */
static void containers_heads(FILE *fl, FILE *fh, const struct chart_data *dl, bool mem)
{
	fputs("time_utc,epoch_s", fl);
	for (unsigned s = 0; s < dl->nseries; s++) {
		fputc(',', fl);
		gtext_csv(fl, dl->series[s]);
	}
	fputc('\n', fl);
	/* the name last: gnuplot reads the columns before it only */
	fprintf(fh, "time_utc,epoch_s,rank,%s,container\n", mem ? "mem_mib" : "cpu_pct");
}

static int containers_write(struct gctx *g, bool mem, const struct points *pts)
{
	enum chart_id lid = mem ? C_CMEM : C_CCPU, hid = mem ? C_CMEM_HEAT : C_CCPU_HEAT;
	FILE *fl = g->f[lid], *fh = g->f[hid];
	struct chart_data *dl = &g->d[lid], *dh = &g->d[hid];
	double *row = malloc((dl->nseries + 1) * sizeof(*row));
	int64_t prev = -1;
	size_t i, j;
	unsigned s;

	if (!row) {
		snprintf(g->err, sizeof(g->err), "out of memory");
		return -ENOMEM;
	}
	containers_heads(fl, fh, dl, mem);
	for (i = 0; i < pts->n; i = j) {
		int64_t ts = pts->v[i].ts;
		if (prev >= 0 && g->spacing > 0 && ts - prev > GRAPHS_GAP_SPACINGS * g->spacing) {
			/* no sample for a while: a row without values and a blank line,
			 * so no container's line joins the two sides */
			csv_time(fl, prev + g->spacing);
			for (s = 0; s < dl->nseries; s++)
				fputc(',', fl);
			fputs("\n\n", fl);
		}
		for (s = 0; s < dl->nseries; s++)
			row[s] = NAN;
		for (j = i; j < pts->n && pts->v[j].k == pts->v[i].k; j++) {
			const struct point *p = &pts->v[j];
			row[p->s] = p->v;
			dl->npts[p->s]++;
			if (p->ts < ts)
				ts = p->ts;
			csv_time(fh, p->ts);
			fprintf(fh, ",%u,%.3f,", p->s, p->v);
			gtext_csv(fh, dh->series[p->s]);
			fputc('\n', fh);
			dh->rows++;
		}
		csv_time(fl, ts);
		for (s = 0; s < dl->nseries; s++)
			if (isnan(row[s]))
				fputc(',', fl);
			else
				fprintf(fl, ",%.3f", row[s]);
		fputc('\n', fl);
		dl->rows++;
		prev = ts;
	}
	free(row);
	dh->dx = (double)g->bucket / 1e9;
	if (g->bucket == 1 && g->nsamples > 1)
		dh->dx = (double)(g->t1 - g->t0) / 1e9 / (double)(g->nsamples - 1);
	return 0;
}

/* The busiest containers by mem (or CPU), into the line chart and the heatmap. */
static int produce_containers(struct gctx *g, bool mem)
{
	struct points pts = { 0 };
	int r = containers_points(g, mem, &pts);

	if (r == 0)
		r = containers_write(g, mem, &pts);
	free(pts.v);
	return r < 0 ? -EIO : 0;
}

/* removed_by_class.csv and removed_cumulative.csv from the removal decisions. */
static int produce_removed(struct gctx *g)
{
	FILE *fb = g->f[C_REMOVED], *fc = g->f[C_REMOVED_CUM];
	sqlite3_stmt *st;
	int64_t high = 0, low = 0, n = 0, total = 0, step;
	int rc;

	if (g_prepare(g, "SELECT count(*) FROM records WHERE action = 'removed' AND run = ?1",
		      &st) < 0)
		return -EIO;
	sqlite3_bind_text(st, 1, g->run, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	step = total / GRAPHS_MAX_POINTS + 1;
	if (g_prepare(g,
		      "SELECT ts_ns, class FROM records WHERE action = 'removed' AND run = ?1 "
		      "ORDER BY ts_ns",
		      &st) < 0)
		return -EIO;
	sqlite3_bind_text(st, 1, g->run, -1, SQLITE_STATIC);
	fputs("time_utc,epoch_s,high,low\n", fc);
	d_series(&g->d[C_REMOVED_CUM], "high");
	d_series(&g->d[C_REMOVED_CUM], "low");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cls = (const char *)sqlite3_column_text(st, 1);
		if (cls && strcmp(cls, "high") == 0)
			high++;
		else
			low++;
		n++;
		if (n % step == 0 || n == total) {
			csv_time(fc, sqlite3_column_int64(st, 0));
			fprintf(fc, ",%lld,%lld\n", (long long)high, (long long)low);
			g->d[C_REMOVED_CUM].rows++;
		}
	}
	fprintf(fb, "class,removed\nhigh,%lld\nlow,%lld\n", (long long)high, (long long)low);
	g->d[C_REMOVED].rows = 2;
	d_series(&g->d[C_REMOVED], "removed");
	return g_done(g, st, rc);
}

/* The common head of each terminal's output, then the plot command. */
/* A heatmap's plot: a row per series, named on the y axis. */
static void gp_heatmap(FILE *f, const struct chart *c, const struct chart_data *d)
{
	char label[GTEXT_MAX];

	/* names as single-quoted strings, drawn as they are (noenhanced) */
	fprintf(f, "set yrange [-0.5:%u.5]\nset ytics noenhanced (",
		d->nseries ? d->nseries - 1 : 0);
	for (unsigned i = 0; i < d->nseries; i++) {
		fputs(i ? ", " : "", f);
		gtext_gp(f, gtext_label(d->series[i], label, sizeof(label), GRAPHS_LABEL_CHARS));
		fprintf(f, " %u", i);
	}
	fprintf(f,
		")\nset palette defined (0 \"#ffffcc\", 0.5 \"#fd8d3c\", 1 "
		"\"#800026\")\n"
		"set cblabel \"%s\"\nset cbrange [0:*]\nset key off\n"
		"plot \"%s.csv\" using ($2):($3):(%.6f):(0.5):($4) skip 1 "
		"with boxxyerror fs solid 1.0 noborder lc palette "
		"notitle\n",
		c->cblabel, c->name, d->dx > 0 ? d->dx / 2 : 5.0);
}

static void gp_plot(FILE *f, const struct chart *c, const struct chart_data *d, int64_t span_ns)
{
	const char *csv = c->name;
	char label[GTEXT_MAX];
	unsigned i;

	fprintf(f, "set title \"%s\"\nset ylabel \"%s\"\nset grid\n", c->title, c->ylabel);
	if (d->rows == 0) {
		fprintf(f,
			"set xlabel \"%s\"\nunset xtics\nunset ytics\n"
			"set label 1 \"no data yet\" at graph 0.5, graph 0.5 center\n"
			"plot [0:1] [0:1] NaN notitle\n",
			c->kind == CK_BARS ? "class" : "time (UTC)");
		return;
	}
	if (c->kind == CK_BARS) {
		fprintf(f,
			"set xlabel \"class\"\nset style fill solid 0.8 border -1\n"
			"set boxwidth 0.6\nset yrange [0:*]\nset offsets 0, 0, graph 0.1, 0\n"
			"set key off\n"
			"plot \"%s.csv\" using 0:2:xtic(1) skip 1 with boxes lc rgb \"#c0392b\" "
			"title \"removed\", \"\" using 0:2:2 skip 1 with labels offset 0,1 "
			"notitle\n",
			csv);
		return;
	}
	/* one instant only (a single cycle): give the axis a minute each side */
	fprintf(f,
		"stats \"%s.csv\" using 2 skip 1 nooutput\n"
		"if (STATS_max - STATS_min < 1) set xrange [STATS_min - 60:STATS_max + 60]\n",
		csv);
	fprintf(f,
		"set xlabel \"time (UTC)\"\nset xdata time\nset format x \"%s\"\n"
		"set key outside right top\nset yrange [0:*]\nset offsets 0, 0, graph 0.05, 0\n",
		span_ns > 86400LL * 1000000000LL ? "%m-%d\\n%H:%M" : "%H:%M:%S");
	if (c->kind == CK_HEATMAP) {
		gp_heatmap(f, c, d);
		return;
	}
	fprintf(f, "plot ");
	for (i = 0; i < d->nseries; i++) {
		fprintf(f, "%s\"%s.csv\" using ($2):($%u) skip 1 with %s lw 2 title ",
			i ? ", \\\n  " : "", csv, i + 3,
			/* a series of one sample has no line to draw: a point, at any
			 * row count; few points: mark them, so one or two still show */
			d->npts[i] == 1	      ? "points pt 7 ps 1.2"
			: d->rows < 60	      ? "linespoints pt 7 ps 0.8"
			: c->kind == CK_STEPS ? "steps"
					      : "lines");
		/* a name as a single-quoted string, drawn as it is (noenhanced) */
		gtext_gp(f, gtext_label(d->series[i], label, sizeof(label), GRAPHS_LABEL_CHARS));
		fputs(" noenhanced", f);
	}
	fputc('\n', f);
}

static int gp_script(struct gctx *g, int dfd, const struct chart *c, const struct chart_data *d)
{
	char name[GRAPHS_NAME_MAX + 8];
	FILE *f;
	int fd;

	snprintf(name, sizeof(name), "%s.gp", c->name);
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(g->err, sizeof(g->err), "%s: %s", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	fprintf(f,
		"# %s: drawn from %s.csv by admin_logs\n"
		"reset\nunset label\nset datafile separator \",\"\nset encoding utf8\n",
		c->title, c->name);
	fprintf(f,
		"set terminal pngcairo size 1200,600 enhanced font \"DejaVu Sans,10\"\n"
		"set output \"%s.png\"\n",
		c->name);
	gp_plot(f, c, d, g->t1 - g->t0);
	fprintf(f,
		"set output\nset terminal svg size 1200,600 dynamic enhanced "
		"font \"DejaVu Sans,10\" background \"#ffffff\"\nset output \"%s.svg\"\nreplot\n"
		"set output\n",
		c->name);
	if (fclose(f) != 0) {
		snprintf(g->err, sizeof(g->err), "%s: %s", name, strerror(errno));
		return -EIO;
	}
	return 0;
}

/*
 * Start one gnuplot on the scripts of charts k, k+GRAPHS_PROCS, ... (one
 * process draws several charts: gnuplot's start-up, fonts included, is the
 * larger cost). Returns the child pid or -errno.
 */
static pid_t gp_spawn(struct gctx *g, const char *dir, unsigned k)
{
	char scripts[NCHARTS][GRAPHS_NAME_MAX + 8], logname[32];
	char *argv[NCHARTS + 2];
	posix_spawn_file_actions_t fa;
	size_t n = 0;
	pid_t pid;
	int rc;

	argv[n++] = (char *)g->o->gnuplot;
	for (size_t i = k; i < NCHARTS; i += GRAPHS_PROCS) {
		snprintf(scripts[i], sizeof(scripts[i]), "%s.gp", graphs_charts[i].name);
		argv[n++] = scripts[i];
	}
	argv[n] = NULL;
	snprintf(logname, sizeof(logname), ".gnuplot-%u.log", k);
	/* posix_spawn, not fork: this process has threads (and may be large) */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, logname, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		snprintf(g->err, sizeof(g->err), "cannot run %s: %s", argv[0], strerror(rc));
		return -rc;
	}
	return pid;
}

/* The directory a run's saved report goes to, under runs/: run-<id> ('_' for
 * ':', and for anything but [A-Za-z0-9.-], which a valid run id never has). */
static void graphs_run_dir(const char *run, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "run-%s", run[0] ? "" : "none");

	for (; *run && o + 1 < cap; run++)
		out[o++] = (isalnum((unsigned char)*run) && (unsigned char)*run < 0x80) ||
					   *run == '.' || *run == '-'
				   ? *run
				   : '_';
	out[o < cap ? o : cap - 1] = '\0';
}

/* A record's string s as HTML text (its display form, escaped). */
static void html_text(FILE *f, const char *s)
{
	char d[GTEXT_MAX];

	gtext_html(f, gtext_display(s, d, sizeof(d)));
}

static void html_time(char *out, size_t cap, int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

/*
 * The list of runs in index.html, newest first: the drawn one marked, the
 * others linked to their saved report (prefix: "runs/" from the top,
 * "../" from a saved one; one not drawn yet says how to draw it).
 */
static void graphs_index_runs(struct gctx *g, FILE *f, const char *prefix, int rfd)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(g->db,
			       "SELECT run, host, min(first_ns), max(last_ns), sum(n_records) FROM "
			       "runs GROUP BY run ORDER BY min(first_ns) DESC LIMIT 100",
			       -1, &st, NULL) != SQLITE_OK)
		return; /* a database before runs: no list */
	fputs("<h2>Runs</h2>\n<ul>\n", f);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *run = (const char *)sqlite3_column_text(st, 0);
		const char *host = (const char *)sqlite3_column_text(st, 1);
		char from[32], to[32], dir[128];
		bool drawn;

		run = run ? run : "";
		html_time(from, sizeof(from), sqlite3_column_int64(st, 2));
		html_time(to, sizeof(to), sqlite3_column_int64(st, 3));
		graphs_run_dir(run, dir, sizeof(dir));
		drawn = rfd >= 0 && faccessat(rfd, dir, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		fputs("<li>", f);
		if (strcmp(run, g->run) == 0) {
			fputs("<b>", f);
			html_text(f, run[0] ? run : "(no run id)");
			fputs("</b> (this report)", f);
		} else { /* a link; one not drawn (or pruned) works once it is drawn */
			fprintf(f, "<a href=\"%s%s/index.html\">", prefix, dir);
			html_text(f, run[0] ? run : "(no run id)");
			fputs("</a>", f);
			if (!drawn) {
				fputs(" (not drawn: POST /graficar?run=", f);
				html_text(f, run);
				fputs(" draws it)", f);
			}
		}
		fputs(" — host ", f);
		html_text(f, host ? host : "");
		fprintf(f, ", %s – %s UTC, %lld records</li>\n", from, to,
			(long long)sqlite3_column_int64(st, 4));
	}
	sqlite3_finalize(st);
	fputs("</ul>\n", f);
}

static int graphs_index(struct gctx *g, int dfd, const char *prefix, int rfd)
{
	FILE *f;
	int fd = openat(dfd, "index.html", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	time_t now = time(NULL);
	char when[40];
	struct tm tm;

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(g->err, sizeof(g->err), "index.html: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>gestor report</title>\n<style>body{font-family:sans-serif;margin:2em}"
	      "figure{margin:2em 0}img{max-width:100%;border:1px solid #ccc}</style>"
	      "</head><body>\n<h1>gestor report</h1>\n<p>Run <b class=\"run\">",
	      f);
	html_text(f, g->run[0] ? g->run : "(no run id)");
	fprintf(f, "</b>: drawn %s from its %lld samples.</p>\n", when, (long long)g->nsamples);
	graphs_index_runs(g, f, prefix, rfd);
	for (size_t i = 0; i < NCHARTS; i++) {
		fprintf(f,
			"<figure><h2>%s</h2><img src=\"%s.png\" alt=\"%s\">\n<figcaption>"
			"<a href=\"%s.svg\">SVG</a> · <a href=\"%s.csv\">CSV data</a>",
			graphs_charts[i].title, graphs_charts[i].name, graphs_charts[i].title,
			graphs_charts[i].name, graphs_charts[i].name);
		if (i == C_CCPU || i == C_CMEM) /* the names in the key, as text */
			for (unsigned k = 0; k < g->d[i].nseries; k++) {
				fputs(k ? ", " : "<br>Containers: <span class=\"ctr\">", f);
				gtext_html(f, g->d[i].series[k]);
				fputs(k + 1 == g->d[i].nseries ? "</span>" : "", f);
			}
		fputs("</figcaption></figure>\n", f);
	}
	fprintf(f, "</body></html>\n");
	if (fclose(f) != 0) {
		snprintf(g->err, sizeof(g->err), "index.html: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

/* Copy file name from dfd into tfd. 0 or -errno. */
static int graphs_copy(int dfd, int tfd, const char *name)
{
	char buf[65536];
	int in = openat(dfd, name, O_RDONLY | O_CLOEXEC), out, r = 0;
	ssize_t n = 0;

	if (in < 0)
		return -errno;
	out = openat(tfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0 &&
	       (r = util_write_all(out, buf, (size_t)n)) == 0)
		;
	if (n < 0)
		r = -errno;
	close(in);
	if (close(out) != 0 && r == 0)
		r = -errno;
	return r;
}

/* A saved report under runs/: its name, when it was last drawn, its bytes. */
struct saved_run {
	char name[128];
	struct timespec drawn;
	uint64_t bytes;
};

static int saved_cmp(const void *a, const void *b)
{
	const struct saved_run *x = a, *y = b;

	if (x->drawn.tv_sec != y->drawn.tv_sec)
		return x->drawn.tv_sec < y->drawn.tv_sec ? -1 : 1;
	if (x->drawn.tv_nsec != y->drawn.tv_nsec)
		return x->drawn.tv_nsec < y->drawn.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * The files of runs/<name> (not following links): their bytes and latest
 * change into sr, or each one removed and then the directory (rm). 0 or
 * -errno.
 */
static int saved_walk(int rfd, const char *name, struct saved_run *sr, bool rm)
{
	int fd = openat(rfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	struct stat st;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
			continue;
		if (rm) {
			unlinkat(fd, e->d_name, 0);
			continue;
		}
		sr->bytes += (uint64_t)st.st_size;
		if (saved_cmp(&(struct saved_run){ .drawn = st.st_mtim }, sr) > 0)
			sr->drawn = st.st_mtim;
	}
	closedir(d);
	return rm && unlinkat(rfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

/* The saved reports under runs/ (rfd) into *out (malloc'd), *n of them. */
static int saved_list(int rfd, struct saved_run **out, size_t *n)
{
	int fd = openat(rfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct saved_run *v = NULL;
	size_t cap = 0;
	struct dirent *e;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((e = readdir(d))) {
		struct saved_run sr = { .bytes = 0 };

		if (strncmp(e->d_name, "run-", 4) != 0 || strlen(e->d_name) >= sizeof(sr.name) ||
		    saved_walk(rfd, e->d_name, &sr, false) < 0)
			continue; /* not a saved report */
		if (*n == cap) {
			struct saved_run *nv = realloc(v, (cap ? cap * 2 : 64) * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = cap ? cap * 2 : 64;
		}
		util_strlcpy(sr.name, e->d_name, sizeof(sr.name));
		v[(*n)++] = sr;
	}
	closedir(d);
	*out = v;
	return r;
}

/*
 * Bound the archive: while runs/ holds more than keep_runs saved reports
 * or more than keep_bytes, remove the one drawn longest ago — never keep,
 * the one just drawn.
 */
static void graphs_prune(struct gctx *g, int rfd, const char *keep)
{
	struct saved_run *v;
	uint64_t total = 0;
	size_t n, left;
	int r = saved_list(rfd, &v, &n);

	if (r < 0) {
		log_warnx("graphs: cannot list the saved reports: %s", strerror(-r));
		free(v);
		return;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), saved_cmp);
	for (size_t i = 0; i < n; i++)
		total += v[i].bytes;
	left = n;
	for (size_t i = 0; i < n && (left > g->o->keep_runs || total > g->o->keep_bytes); i++) {
		if (strcmp(v[i].name, keep) == 0)
			continue;
		r = saved_walk(rfd, v[i].name, &v[i], true);
		if (r < 0) {
			log_warnx("graphs: cannot remove runs/%s: %s", v[i].name, strerror(-r));
			continue;
		}
		log_info("graphs: removed runs/%s (%llu bytes): the archive keeps %u runs and %llu "
			 "bytes",
			 v[i].name, (unsigned long long)v[i].bytes, g->o->keep_runs,
			 (unsigned long long)g->o->keep_bytes);
		total -= v[i].bytes;
		left--;
	}
	free(v);
}

/*
 * Keep the drawn report as runs/run-<id>/ too, so the report of an earlier
 * run stays when a later one is drawn; then both index pages, each listing
 * the saved reports.
 */
static int graphs_save_run(struct gctx *g, int dfd, json_t *files)
{
	char dir[128];
	int rfd = -1, tfd = -1, r = -EIO;
	json_t *v;
	size_t i;

	graphs_run_dir(g->run, dir, sizeof(dir));
	if ((mkdirat(dfd, "runs", 0755) < 0 && errno != EEXIST) ||
	    (rfd = openat(dfd, "runs", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (mkdirat(rfd, dir, 0755) < 0 && errno != EEXIST) ||
	    (tfd = openat(rfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(g->err, sizeof(g->err), "runs/%s: %s", dir, strerror(errno));
		goto out;
	}
	json_array_foreach(files, i, v)
	{
		const char *fn = json_string_value(v);

		int cr = strcmp(fn, "index.html") != 0 ? graphs_copy(dfd, tfd, fn) : 0;

		if (cr < 0) {
			snprintf(g->err, sizeof(g->err), "runs/%s/%s: %s", dir, fn, strerror(-cr));
			goto out;
		}
	}
	graphs_prune(g, rfd, dir);
	if (graphs_index(g, tfd, "../", rfd) < 0 || graphs_index(g, dfd, "runs/", rfd) < 0)
		goto out;
	r = 0;
out:
	if (tfd >= 0)
		close(tfd);
	if (rfd >= 0)
		close(rfd);
	return r;
}

/* The run to draw: the one asked for, else the latest to start. */
static void graphs_pick_run(struct gctx *g)
{
	sqlite3_stmt *st = NULL;

	if (g->o->run) {
		util_strlcpy(g->run, g->o->run, sizeof(g->run));
		return;
	}
	g->run[0] = '\0';
	if (sqlite3_prepare_v2(g->db, "SELECT run FROM runs ORDER BY first_ns DESC, run LIMIT 1",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		util_strlcpy(g->run, (const char *)sqlite3_column_text(st, 0), sizeof(g->run));
	sqlite3_finalize(st);
}

static int graphs_mkdir(const char *dir, char *err, size_t errlen)
{
	int r = util_mkdir_p(dir, 0755);

	if (r < 0)
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(-r));
	return r;
}

static double graphs_thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The time range, the bucket width and the sample count, in g. */
static int graphs_range(struct gctx *g)
{
	sqlite3_stmt *st = NULL;

	if (g_prepare(g,
		      "SELECT coalesce(min(s.ts_ns), 0), coalesce(max(s.ts_ns), 0), count(*) "
		      "FROM records r JOIN samples s ON s.record = r.id "
		      "WHERE r.run = ?1 AND r.type = 'sample'",
		      &st) < 0)
		return -EIO;
	sqlite3_bind_text(st, 1, g->run, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		g->t0 = sqlite3_column_int64(st, 0);
		g->t1 = sqlite3_column_int64(st, 1);
		g->nsamples = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	g->bucket = (g->t1 - g->t0) / GRAPHS_MAX_POINTS + 1;
	/* with few samples, keep each one: bucket narrower than any gap */
	if (g->nsamples <= GRAPHS_MAX_POINTS)
		g->bucket = 1;
	return 0;
}

/*
 * Open the read transaction every chart reads (every chart sees the same
 * data) and pick the run: -ENOENT when it has no record (on host, when
 * given), before anything is written.
 */
static int graphs_open(struct gctx *g)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (g->o->db)
		g->db = g->o->db;
	else if (store_open_reader(g->o->db_path, &g->db, g->err, sizeof(g->err)) < 0)
		return -EIO;
	if (store_scope_host(g->db, g->o->host, g->err, sizeof(g->err)) < 0)
		return -EIO;
	sqlite3_exec(g->db, "BEGIN", NULL, NULL, NULL);
	graphs_pick_run(g);
	if (g_prepare(g, "SELECT 1 FROM records WHERE run = ?1 LIMIT 1", &st) < 0)
		return -EIO;
	sqlite3_bind_text(st, 1, g->run, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE) {
		snprintf(g->err, sizeof(g->err), "sql: %s", sqlite3_errmsg(g->db));
		return -EIO;
	}
	snprintf(g->err, sizeof(g->err), "no records of run %s%s to draw",
		 g->run[0] ? g->run : "\"\" (no run id)",
		 g->o->host && g->o->host[0] ? " on the host asked for" : "");
	return -ENOENT;
}

/* Each chart's CSV, from the transaction graphs_open began. */
static int graphs_write_csv(struct gctx *g, int dfd)
{
	if (graphs_range(g) < 0)
		return -EIO;
	for (size_t i = 0; i < NCHARTS; i++) {
		char name[GRAPHS_NAME_MAX + 8];
		int fd;

		snprintf(name, sizeof(name), "%s.csv", graphs_charts[i].name);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || !(g->f[i] = fdopen(fd, "w"))) {
			snprintf(g->err, sizeof(g->err), "%s: %s", name, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -EIO;
		}
	}
	if (produce_samples(g) < 0 || produce_containers(g, false) < 0 ||
	    produce_containers(g, true) < 0 || produce_removed(g) < 0)
		return -EIO;
	sqlite3_exec(g->db, "COMMIT", NULL, NULL, NULL);
	for (size_t i = 0; i < NCHARTS; i++) {
		int fr = fclose(g->f[i]);

		g->f[i] = NULL;
		if (fr != 0) {
			snprintf(g->err, sizeof(g->err), "%s.csv: %s", graphs_charts[i].name,
				 strerror(errno));
			return -EIO;
		}
	}
	return 0;
}

/* The gnuplot scripts, the gnuplot children (pids) and index.html. */
static int graphs_render(struct gctx *g, int dfd, pid_t pids[GRAPHS_PROCS])
{
	for (size_t i = 0; i < NCHARTS; i++)
		if (gp_script(g, dfd, &graphs_charts[i], &g->d[i]) < 0)
			return -EIO;
	for (size_t i = 0; i < GRAPHS_PROCS; i++) {
		pids[i] = gp_spawn(g, g->o->dir, (unsigned)i);
		if (pids[i] < 0)
			return -EIO;
	}
	return 0; /* index.html: graphs_save_run, once the runs are saved */
}

/* Wait for pid until deadline (then kill it): its status, -1 when killed. */
static int graphs_wait_one(struct gctx *g, pid_t pid, uint64_t deadline)
{
	int status = 0;

	for (;;) {
		struct rusage ru;
		pid_t w = wait4(pid, &status, WNOHANG, &ru);

		if (w == pid)
			g->child_cpu +=
				(double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
				((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
		if (w == pid || (w < 0 && errno != EINTR))
			return status;
		if (util_mono_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(2000);
	}
}

/* g->err: why gnuplot child i failed, with the start of its log. */
static void graphs_child_failed(struct gctx *g, int dfd, const char *logname, int status)
{
	char msg[200] = "";
	int lfd = openat(dfd, logname, O_RDONLY | O_CLOEXEC);

	if (lfd >= 0) {
		ssize_t n = read(lfd, msg, sizeof(msg) - 1);
		msg[n > 0 ? n : 0] = '\0';
		close(lfd);
	}
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '"')
			*p = ' ';
	snprintf(g->err, sizeof(g->err), "gnuplot failed (%s %d): %s",
		 status == -1 ? "killed after" : "exit status",
		 status == -1 ? (int)(GRAPHS_TIMEOUT_NS / 1000000000ull)
			      : (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)),
		 msg);
}

/* Wait for every child that was started, with one deadline; r is the
 * result so far, which the first failed child turns into -EIO. */
static int graphs_wait(struct gctx *g, int dfd, const pid_t pids[GRAPHS_PROCS], int r)
{
	uint64_t deadline = util_mono_ns() + GRAPHS_TIMEOUT_NS;

	for (size_t i = 0; i < GRAPHS_PROCS; i++) {
		char logname[32];
		int status;

		if (pids[i] <= 0)
			continue;
		status = graphs_wait_one(g, pids[i], deadline);
		snprintf(logname, sizeof(logname), ".gnuplot-%zu.log", i);
		if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			unlinkat(dfd, logname, 0);
			continue;
		}
		if (r == 0) {
			graphs_child_failed(g, dfd, logname, status);
			r = -EIO;
		}
	}
	return r;
}

/* The report's file names. NULL when out of memory. */
static json_t *graphs_file_list(void)
{
	static const char *const ext[] = { "png", "svg", "csv" };
	json_t *list = json_array();

	for (size_t i = 0; list && i < NCHARTS; i++)
		for (size_t e = 0; e < UTIL_ARRAY_LEN(ext); e++) {
			char fn[GRAPHS_NAME_MAX + 8];
			snprintf(fn, sizeof(fn), "%s.%s", graphs_charts[i].name, ext[e]);
			json_array_append_new(list, json_string(fn));
		}
	if (list)
		json_array_append_new(list, json_string("index.html"));
	return list;
}

int graphs_draw(const struct graphs_opts *o, json_t **files, double *cpu_s, char *run_out,
		size_t run_cap, char *err, size_t errlen)
{
	double cpu0 = graphs_thread_cpu();
	struct gctx *g = calloc(1, sizeof(*g));
	pid_t pids[GRAPHS_PROCS];
	int dfd = -1, r;

	*files = NULL;
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	g->o = o;
	for (size_t i = 0; i < GRAPHS_PROCS; i++)
		pids[i] = -1;
	if ((r = graphs_open(g)) < 0) { /* nothing written yet */
		util_strlcpy(err, g->err, errlen);
		goto out;
	}
	if ((r = graphs_mkdir(o->dir, err, errlen)) < 0)
		goto out;
	dfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		snprintf(err, errlen, "open %s: %s", o->dir, strerror(errno));
		goto out;
	}
	r = graphs_write_csv(g, dfd);
	if (r == 0)
		r = graphs_render(g, dfd, pids);
	r = graphs_wait(g, dfd, pids, r);
	if (r == 0 && !(*files = graphs_file_list())) {
		snprintf(g->err, sizeof(g->err), "out of memory");
		r = -ENOMEM;
	}
	if (r == 0)
		r = graphs_save_run(g, dfd, *files);
	if (r < 0 && *files) { /* the caller gets no list with an error */
		json_decref(*files);
		*files = NULL;
	}
	if (r == 0 && run_out)
		util_strlcpy(run_out, g->run, run_cap);
	if (r < 0)
		util_strlcpy(err, g->err[0] ? g->err : "graphs failed", errlen);
	if (cpu_s)
		*cpu_s = graphs_thread_cpu() - cpu0 + g->child_cpu;
out:
	for (size_t i = 0; i < NCHARTS; i++)
		if (g->f[i])
			fclose(g->f[i]);
	if (g->db && g->db != o->db) /* the caller's stays open */
		sqlite3_close(g->db);
	if (dfd >= 0)
		close(dfd);
	free(g);
	return r;
}
