/*
 * graphs.h — draw the report: charts of the stored samples and decisions,
 * rendered by gnuplot (pngcairo and SVG) into a report directory, each with
 * the CSV it was drawn from beside it, and an index.html showing them all.
 *
 * One run at a time (servicio's run id, carried by its batches). Charts:
 * system memory used, system CPU %, per-container CPU % and memory
 * of the busiest N containers (line charts and heatmaps), containers removed
 * per class (bar chart, and cumulative over time), containers running per
 * class. Series longer than GRAPHS_MAX_POINTS are averaged into equal time
 * buckets (the CSV holds exactly what is drawn). gnuplot runs as child
 * processes with script files (posix_spawn, no shell), in parallel.
 *
 * Every string of a record (container names, hosts, run ids) is data:
 * gnuplot gets it as a string constant, the CSV as a quoted, formula-safe
 * cell, index.html escaped (graphs_text.h). A run without records writes
 * nothing; the saved reports under runs/ are bounded (keep_runs,
 * keep_bytes), the one drawn longest ago removed first. Who may draw and
 * when (POST, one at a time, a bounded queue) is http.c's and
 * graphs_queue.h's business.
 */
#ifndef ADMIN_LOGS_GRAPHS_H
#define ADMIN_LOGS_GRAPHS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store_graph;

#define GRAPHS_MAX_POINTS 800

struct graphs_opts {
	const char *db_path; /* SQLite database to read (when view is NULL) */
	/* else this view of the store (store_graph.h), which graphs_draw takes
	 * over: closed once the CSVs are written, also on error */
	struct store_graph *view;
	const char *dir; /* report directory (created when missing) */
	const char *gnuplot; /* gnuplot program */
	unsigned top_n; /* busiest containers charted */
	const char *run; /* the run to draw (records of batches with this "run"); NULL: the
			    latest to start ("" : the records that carried no run) */
	const char *host; /* NULL or "": every host; else only this host's records */
	unsigned keep_runs; /* runs/ keeps at most this many saved reports */
	uint64_t keep_bytes; /* and at most this many bytes of them (the newest stays) */
	unsigned timeout_s; /* every gnuplot of a drawing done by then, else killed (0: 300) */
};

/*
 * Draw every chart of one run now, into dir and again into
 * dir/runs/run-<id>/ (kept when another run is drawn; each index.html
 * lists the runs, linking the saved reports). *files gets a new JSON array
 * of the file names written (relative to dir); *cpu_s (when not NULL) the
 * CPU seconds spent, this thread's and gnuplot's; run_out (when not NULL)
 * the run drawn. The oldest saved reports are removed past keep_runs or
 * keep_bytes. -ENOENT when the run has no record (nothing is written then),
 * else 0 or -errno, with the reason in err.
 */
int graphs_draw(const struct graphs_opts *o, json_t **files, double *cpu_s, char *run_out,
		size_t run_cap, char *err, size_t errlen);

#endif
