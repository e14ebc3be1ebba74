/*
 * graphs_gp.c — a chart's gnuplot script (see graphs_int.h): <name>.gp draws
 * <name>.png (pngcairo) and <name>.svg from <name>.csv, every name in it as
 * a quoted string drawn as it is; and the gnuplot children that run the
 * scripts (posix_spawn, no shell, cwd = the report directory, output kept in
 * .gnuplot-<n>.log).
 */
#include "graphs_int.h"

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

/* The common head of each terminal's output, then the plot command. */
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

int gp_script(struct gctx *g, int dfd, const struct chart *c, const struct chart_data *d)
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
pid_t gp_spawn(struct gctx *g, const char *dir, unsigned k)
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
