/*
 * graphs.c — the report (see graphs.h): the stored samples turned into
 * series and written as CSV, then drawn and the page made.
 *
 * For each chart: one SQL query (averaged into time buckets so no chart has
 * more than GRAPHS_MAX_POINTS points per series) writes <name>.csv; its
 * gnuplot script and the two gnuplot children that run them are
 * graphs_gp.c's, waited for here with a deadline; index.html and the
 * archive of past runs are graphs_page.c's. Times are UTC; epoch seconds
 * are in the CSV beside the readable time so the CSV can be checked against
 * the stored ns values.
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

#include "gestor.h"
#include "graphs_text.h"
#include "log.h"
#include "store_graph.h"
#include "util.h"

#include "graphs_int.h"

const struct chart graphs_charts[NCHARTS] = {
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

/* Query q of the store's view (store_graph.h) with arguments a. 0 or -EIO, g->err set. */
static int g_query(struct gctx *g, enum sg_query q, const struct sg_arg *a)
{
	return store_graph_query(g->v, q, a, g->err, sizeof(g->err)) < 0 ? -EIO : 0;
}

/* The query's next row: 1, 0 at the end, -EIO with g->err set. */
static int g_next(struct gctx *g)
{
	int r = store_graph_next(g->v, g->err, sizeof(g->err));

	return r < 0 ? -EIO : r;
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
			 : (name && strstr(name, GESTOR_ROLE_ADMIN_LOGS)))
			v[SV_ADMIN]++;
		else if (role ? strcmp(role, GESTOR_ROLE_MANAGED) != 0 : (!lc || !lc[0]))
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
	const struct sg_arg a[] = { { .s = g->run } };
	size_t i;
	int rc, c;

	if (g_query(g, each ? SG_SAMPLES_SORTED : SG_SAMPLES, a) < 0)
		return -EIO;
	for (i = 0; (rc = g_next(g)) == 1; i++) {
		int64_t ts = store_graph_num(g->v, 0);
		size_t k = each ? i : (size_t)((ts - g->t0) / g->bucket);
		if (k >= nb)
			continue; /* a sample stored after the span was taken */
		if (b[k].n == 0 || ts < b[k].ts)
			b[k].ts = ts;
		b[k].n++;
		for (c = 0; c < SV_ADMIN; c++)
			b[k].v[c] += store_graph_real(g->v, (unsigned)c + 1);
		if (store_graph_num(g->v, 7) > 0)
			samples_split_unknown(store_graph_text(g->v, 8), b[k].v);
	}
	return rc;
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

/* The bucketed points of series s: the rows of the open series query. */
static int containers_series(struct gctx *g, unsigned s, struct points *pts)
{
	int rc;

	while ((rc = g_next(g)) == 1) {
		if (points_add(g, pts,
			       (struct point){ .k = store_graph_num(g->v, 0),
					       .ts = store_graph_num(g->v, 1),
					       .s = s,
					       .v = store_graph_real(g->v, 2) }) < 0)
			return -ENOMEM;
	}
	return rc;
}

/* One of the busiest containers: its id and its first and last record. */
struct top_ctr {
	char cid[GTEXT_MAX];
	int64_t first, last;
};

/*
 * The busiest managed containers by mem (or CPU), at most top_n, into
 * top[0..*n), each a series named in both charts' data. Managed: decided
 * high or low in a sample of the run (not the admin_logs container, not
 * unmanaged ones, however busy).
 */
static int containers_top(struct gctx *g, bool mem, struct top_ctr *top, unsigned *n)
{
	struct chart_data *dl = &g->d[mem ? C_CMEM : C_CCPU],
			  *dh = &g->d[mem ? C_CMEM_HEAT : C_CCPU_HEAT];
	const struct sg_arg a[] = {
		{ .i = g->o->top_n < GRAPHS_SERIES ? g->o->top_n : GRAPHS_SERIES },
		{ .s = g->run },
	};
	int rc;

	*n = 0;
	if (g_query(g, mem ? SG_TOP_MEM : SG_TOP_CPU, a) < 0)
		return -EIO;
	while ((rc = g_next(g)) == 1 && *n < GRAPHS_SERIES) {
		const char *cid = store_graph_text(g->v, 0);

		util_strlcpy(top[*n].cid, cid ? cid : "", sizeof(top[*n].cid));
		top[*n].first = store_graph_num(g->v, 2);
		top[*n].last = store_graph_num(g->v, 3);
		d_series(dl, store_graph_text(g->v, 1));
		d_series(dh, store_graph_text(g->v, 1));
		(*n)++;
	}
	return rc < 0 ? -EIO : 0;
}

/* The busiest containers' points, each from its own record range, sorted by bucket. */
static int containers_points(struct gctx *g, bool mem, struct points *pts)
{
	struct top_ctr *top = calloc(GRAPHS_SERIES, sizeof(*top));
	unsigned n = 0;
	int r = top ? containers_top(g, mem, top, &n) : -ENOMEM;

	for (unsigned s = 0; r == 0 && s < n; s++) {
		const struct sg_arg a[] = { { .i = g->t0 },	   { .i = g->bucket },
					    { .i = top[s].first }, { .i = top[s].last },
					    { .s = top[s].cid },   { .s = g->run } };

		r = g_query(g, mem ? SG_SERIES_MEM : SG_SERIES_CPU, a);
		if (r == 0)
			r = containers_series(g, s, pts);
	}
	if (!top)
		snprintf(g->err, sizeof(g->err), "out of memory");
	free(top);
	if (r == 0 && pts->n > 0)
		qsort(pts->v, pts->n, sizeof(*pts->v), point_cmp);
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
	const struct sg_arg a[] = { { .s = g->run } };
	int64_t high = 0, low = 0, n = 0, total = 0, step;
	int rc;

	if (g_query(g, SG_REMOVED_COUNT, a) < 0 || (rc = g_next(g)) < 0)
		return -EIO;
	total = rc == 1 ? store_graph_num(g->v, 0) : 0;
	step = total / GRAPHS_MAX_POINTS + 1;
	if (g_query(g, SG_REMOVED, a) < 0)
		return -EIO;
	fputs("time_utc,epoch_s,high,low\n", fc);
	d_series(&g->d[C_REMOVED_CUM], "high");
	d_series(&g->d[C_REMOVED_CUM], "low");
	while ((rc = g_next(g)) == 1) {
		const char *cls = store_graph_text(g->v, 1);
		if (cls && strcmp(cls, "high") == 0)
			high++;
		else
			low++;
		n++;
		if (n % step == 0 || n == total) {
			csv_time(fc, store_graph_num(g->v, 0));
			fprintf(fc, ",%lld,%lld\n", (long long)high, (long long)low);
			g->d[C_REMOVED_CUM].rows++;
		}
	}
	fprintf(fb, "class,removed\nhigh,%lld\nlow,%lld\n", (long long)high, (long long)low);
	g->d[C_REMOVED].rows = 2;
	d_series(&g->d[C_REMOVED], "removed");
	return rc;
}

/* The runs index.html lists (the 100 latest), in g->runs; none when they cannot be read. */
static void graphs_read_runs(struct gctx *g)
{
	char err[256];
	int rc;

	if (store_graph_query(g->v, SG_RUNS, NULL, err, sizeof(err)) < 0 ||
	    !(g->runs = json_array()))
		return; /* a database before runs: no list */
	while ((rc = store_graph_next(g->v, err, sizeof(err))) == 1) {
		const char *run = store_graph_text(g->v, 0), *host = store_graph_text(g->v, 1);

		json_array_append_new(g->runs,
				      json_pack("[s,s,I,I,I]", run ? run : "", host ? host : "",
						(json_int_t)store_graph_num(g->v, 2),
						(json_int_t)store_graph_num(g->v, 3),
						(json_int_t)store_graph_num(g->v, 4)));
	}
	if (rc < 0) {
		json_decref(g->runs);
		g->runs = NULL;
	}
}

/* The run to draw: the one asked for, else the latest to start. */
static int graphs_pick_run(struct gctx *g)
{
	int rc;

	if (g->o->run) {
		util_strlcpy(g->run, g->o->run, sizeof(g->run));
		return 0;
	}
	g->run[0] = '\0';
	if (g_query(g, SG_LATEST_RUN, NULL) < 0 || (rc = g_next(g)) < 0)
		return -EIO;
	if (rc == 1 && store_graph_text(g->v, 0))
		util_strlcpy(g->run, store_graph_text(g->v, 0), sizeof(g->run));
	return 0;
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
	const struct sg_arg a[] = { { .s = g->run } };
	int rc;

	if (g_query(g, SG_RANGE, a) < 0 || (rc = g_next(g)) < 0)
		return -EIO;
	if (rc == 1) {
		g->t0 = store_graph_num(g->v, 0);
		g->t1 = store_graph_num(g->v, 1);
		g->nsamples = store_graph_num(g->v, 2);
	}
	g->bucket = (g->t1 - g->t0) / GRAPHS_MAX_POINTS + 1;
	/* with few samples, keep each one: bucket narrower than any gap */
	if (g->nsamples <= GRAPHS_MAX_POINTS)
		g->bucket = 1;
	return 0;
}

/*
 * Open the view every chart reads (one read transaction: every chart sees
 * the same data) and pick the run: -ENOENT when it has no record (on host,
 * when given), before anything is written.
 */
static int graphs_open(struct gctx *g)
{
	const struct sg_arg a[] = { { .s = g->run } };
	int rc;

	if (g->o->view)
		g->v = g->o->view;
	else if (store_graph_open_sqlite(g->o->db_path, g->o->host, &g->v, g->err, sizeof(g->err)) <
		 0)
		return -EIO;
	if (graphs_pick_run(g) < 0 || g_query(g, SG_RUN_FOUND, a) < 0 || (rc = g_next(g)) < 0)
		return -EIO;
	if (rc == 1)
		return 0;
	snprintf(g->err, sizeof(g->err), "no records of run %s%s to draw",
		 g->run[0] ? g->run : "\"\" (no run id)",
		 g->o->host && g->o->host[0] ? " on the host asked for" : "");
	return -ENOENT;
}

/* Each chart's CSV, from the view graphs_open opened, which is closed after. */
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
	graphs_read_runs(g);
	store_graph_close(g->v); /* the read transaction ends before the drawing */
	g->v = NULL;
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

static unsigned graphs_timeout_s(const struct gctx *g)
{
	return g->o->timeout_s ? g->o->timeout_s : GRAPHS_TIMEOUT_S;
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
		 status == -1 ? (int)graphs_timeout_s(g)
			      : (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)),
		 msg);
}

/* Wait for every child that was started, with one deadline; r is the
 * result so far, which the first failed child turns into -EIO. */
static int graphs_wait(struct gctx *g, int dfd, const pid_t pids[GRAPHS_PROCS], int r)
{
	uint64_t deadline = util_mono_ns() + (uint64_t)graphs_timeout_s(g) * 1000000000ull;

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
		store_graph_close(o->view);
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
	store_graph_close(g->v); /* still open after an error */
	json_decref(g->runs);
	if (dfd >= 0)
		close(dfd);
	free(g);
	return r;
}
