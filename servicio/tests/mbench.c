/*
 * mbench.c — the metrics layer's benchmark program (bench/metrics.sh):
 * starts N idle child processes (default 2,000) and times, per source,
 * one snapshot plus the per-container aggregation against the previous one
 * (what servicio does each cycle):
 *   procfs  procfs_snapshot() of the live /proc + ctrstats_compute()
 *   module  modsrc_read() of a module-format document of the same processes
 *           (written from a procfs snapshot with modsrc_format(): this
 *           machine cannot load the module) + ctrstats_compute()
 * Prints the median and best of R runs each, in ms, and the per-process cost.
 *
 * usage: mbench [N [RUNS]]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../ctrstats.h"
#include "../modsrc.h"
#include "../procfs.h"
#include "../snapshot.h"
#include "util.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void report(const char *what, uint64_t *t, int runs, size_t nprocs)
{
	qsort(t, (size_t)runs, sizeof(*t), cmp_u64);
	printf("%-40s %8.2f ms %8.2f ms %8.2f us\n", what, (double)t[runs / 2] / 1e6,
	       (double)t[0] / 1e6, (double)t[runs / 2] / 1e3 / (double)nprocs);
}

/* argument s, all of it, as a number in [min, max] into *v */
static bool arg_i64(const char *s, int64_t min, int64_t max, int64_t *v)
{
	const char *end;

	return util_parse_i64(s, &end, min, max, v) == 0 && *end == '\0';
}

int main(int argc, char **argv)
{
	int64_t n = 2000, runs = 15;
	pid_t *kids;
	uint64_t *t;
	struct snapshot prev, cur;
	struct ctrstats st;
	char err[256], path[] = "/tmp/gestor-mtest-bench-XXXXXX", *doc;
	size_t len;
	int fd;

	if ((argc > 1 && !arg_i64(argv[1], 0, 1000000, &n)) ||
	    (argc > 2 && !arg_i64(argv[2], 1, 100000, &runs))) {
		fprintf(stderr, "usage: mbench [N [RUNS]]\n");
		return 2;
	}
	kids = calloc((size_t)n, sizeof(pid_t));
	t = calloc((size_t)runs, sizeof(uint64_t));
	if (!kids || !t) {
		free(kids);
		free(t);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			alarm(600);
			pause();
			_exit(0);
		}
		if (kids[i] < 0) {
			fprintf(stderr, "mbench: fork: %s\n", strerror(errno));
			n = i;
			break;
		}
	}
	usleep(200000);

	/* procfs: snapshot + aggregation, against the previous snapshot */
	if (procfs_snapshot(NULL, &prev, err, sizeof(err)) < 0)
		goto fail;
	size_t total = prev.nprocs;
	for (int r = 0; r < runs; r++) {
		uint64_t t0 = util_mono_ns();
		if (procfs_snapshot(NULL, &cur, err, sizeof(err)) < 0 ||
		    ctrstats_compute(&prev, &cur, NULL, &st, err, sizeof(err)) < 0)
			goto fail;
		t[r] = util_mono_ns() - t0;
		ctrstats_free(&st);
		snapshot_free(&prev);
		prev = cur;
	}
	printf("%-40s %11s %11s %11s\n", "", "median", "best", "per process");
	char what[80];
	snprintf(what, sizeof(what), "procfs source, %zu processes", total);
	report(what, t, runs, total);

	/* module source: the same processes as a module document */
	doc = modsrc_format(&prev, &len);
	fd = mkstemp(path);
	if (!doc || fd < 0 || util_write_all(fd, doc, len) < 0)
		goto fail;
	close(fd);
	free(doc);
	for (int r = 0; r < runs; r++) {
		uint64_t t0 = util_mono_ns();
		if (modsrc_read(path, &cur, err, sizeof(err)) < 0 ||
		    ctrstats_compute(&prev, &cur, NULL, &st, err, sizeof(err)) < 0)
			goto fail;
		t[r] = util_mono_ns() - t0;
		ctrstats_free(&st);
		snapshot_free(&cur);
	}
	snprintf(what, sizeof(what), "module source (parse %zu KiB document)", len / 1024);
	report(what, t, runs, total);
	unlink(path);
	snapshot_free(&prev);
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	free(t);
	return 0;
fail:
	fprintf(stderr, "mbench: %s\n", err);
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	unlink(path);
	free(kids);
	free(t);
	return 1;
}
