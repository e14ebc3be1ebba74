/*
 * graphs_page.c — the report's page and archive (see graphs_int.h):
 * index.html shows every chart with links to its SVG and CSV, and the runs
 * drawn before; each run's report is copied under runs/run-<id>/, and the
 * oldest copies go past --report-keep-runs and --report-keep-mb.
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
	json_t *row;
	size_t i;

	if (!g->runs)
		return; /* a database before runs: no list */
	fputs("<h2>Runs</h2>\n<ul>\n", f);
	json_array_foreach(g->runs, i, row)
	{
		const char *run = json_string_value(json_array_get(row, 0));
		const char *host = json_string_value(json_array_get(row, 1));
		char from[32], to[32], dir[128];
		bool drawn;

		run = run ? run : "";
		html_time(from, sizeof(from), json_integer_value(json_array_get(row, 2)));
		html_time(to, sizeof(to), json_integer_value(json_array_get(row, 3)));
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
			(long long)json_integer_value(json_array_get(row, 4)));
	}
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
int graphs_save_run(struct gctx *g, int dfd, json_t *files)
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
