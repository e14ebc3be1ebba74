/*
 * graphs_int.h — what the parts of the report share (internal to graphs*.c):
 * the charts, what each chart's CSV turned out to hold, and the drawing's
 * context. graphs.c asks the store's graph query layer (store_graph.h) for
 * the stored samples, turns them into series and CSV files and runs the
 * drawing; graphs_gp.c writes each chart's gnuplot script and
 * starts gnuplot; graphs_page.c writes the report's page and keeps the
 * archive of past runs' reports.
 */
#ifndef ADMIN_LOGS_GRAPHS_INT_H
#define ADMIN_LOGS_GRAPHS_INT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>
#include "graphs.h"
#include "graphs_text.h"
#include "store_graph.h"

#define GRAPHS_TIMEOUT_S 300u /* graphs_opts.timeout_s when 0 */
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

extern const struct chart graphs_charts[NCHARTS];

/* What a chart's CSV turned out to hold, for its gnuplot script. */
struct chart_data {
	unsigned nseries; /* value columns after time_utc,epoch_s */
	char series[GRAPHS_SERIES][GTEXT_MAX]; /* display forms (graphs_text.h) */
	uint64_t rows;
	uint64_t npts[GRAPHS_SERIES]; /* containers: samples in each series (0: not counted) */
	double dx; /* heatmap cell width in seconds */
};

struct gctx {
	struct store_graph *v; /* the store's view the series are read from */
	json_t *runs; /* index.html's list: [run, host, first_ns, last_ns, records] each */
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

/* graphs_gp.c: chart c's script <name>.gp in dfd, for the CSV described by d. 0 or -errno. */
int gp_script(struct gctx *g, int dfd, const struct chart *c, const struct chart_data *d);
/* graphs_gp.c: gnuplot child k (of GRAPHS_PROCS) running its share of the scripts in dir. */
pid_t gp_spawn(struct gctx *g, const char *dir, unsigned k);

/* graphs_page.c: index.html in dfd, the run's copy under runs/, the archive pruned. */
int graphs_save_run(struct gctx *g, int dfd, json_t *files);

#endif
