/*
 * graphs_test.c — unit tests for graphs_draw (graphs.c) on a real SQLite
 * store in a fresh directory, with stand-in gnuplot programs (shell
 * scripts written here): one that writes every "set output" file its
 * scripts name, one that fails with a message on stderr. What is checked:
 * every file of the answer's list exists (the CSV data, the images, the
 * index), the run drawn is reported and saved under runs/, keep_runs
 * removes the oldest saved report, a failing gnuplot is an error that
 * quotes its exit status and its message, a run without records is
 * -ENOENT with nothing written, and a report directory that cannot be
 * made is an error naming it.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "util.h"

#include "batch.h"
#include "graphs.h"
#include "store.h"

static char dir[64], db[128], report[128], ok_gp[128], bad_gp[128], hang_gp[128];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static bool exists(const char *d, const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", d, name);
	return access(p, F_OK) == 0;
}

/* ---- the database: two runs stored through the store ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int pending;

static void done(void *ctx, unsigned status, const char *msg)
{
	(void)msg;
	assert_int_equal(status, 201);
	batch_free(ctx);
	free(ctx);
	pthread_mutex_lock(&mu);
	pending--;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

/* Batch id in run: samples of two containers over a few cycles, and a decision. */
static void submit(struct store *s, const char *id, const char *run, long long t0)
{
	char body[8192], err[256];
	size_t n = 0;
	struct batch *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	n += (size_t)snprintf(body + n, sizeof(body) - n,
			      "{\"batch_id\":\"%s\",\"host\":\"h1\",\"run\":\"%s\",\"records\":[",
			      id, run);
	for (int c = 0; c < 5; c++)
		n += (size_t)snprintf(
			body + n, sizeof(body) - n,
			"{\"type\":\"sample\",\"ts_ns\":%lld,\"cycle\":%d,\"source\":\"procfs\","
			"\"memory\":{\"total_kb\":1000,\"used_kb\":%d,\"available_kb\":100},"
			"\"cpu_pct\":%d,\"containers\":["
			"{\"id\":\"c1\",\"name\":\"web\",\"class\":\"high\",\"label_class\":"
			"\"high-cpu\",\"cpu_pct\":%d,\"rss_kb\":10,\"mem_kb\":20,\"mem_pct\":1,"
			"\"procs\":1},"
			"{\"id\":\"c2\",\"name\":\"db\",\"class\":\"low\",\"label_class\":"
			"\"low-cpu\",\"cpu_pct\":3,\"rss_kb\":30,\"mem_kb\":40,\"mem_pct\":2,"
			"\"procs\":2}]},",
			t0 + c * 1000000000LL, c, 500 + c, 10 + c, 50 + c);
	n += (size_t)snprintf(
		body + n, sizeof(body) - n,
		"{\"type\":\"decision\",\"ts_ns\":%lld,\"cycle\":4,\"container\":{\"id\":\"c2\","
		"\"name\":\"db\"},\"class\":\"low\",\"action\":\"removed\",\"reason\":\"r\","
		"\"rank\":1,\"metrics\":{\"cpu_pct\":3,\"rss_kb\":30,\"mem_kb\":40,"
		"\"mem_pct\":2}}]}",
		t0 + 4500000000LL);
	assert_int_equal(batch_parse(body, n, "auto", b, err, sizeof(err)), BATCH_OK);
	pthread_mutex_lock(&mu);
	pending++;
	pthread_mutex_unlock(&mu);
	assert_int_equal(store_submit_batch(s, b, done, b), 0);
}

static int setup(void **state)
{
	struct store *s = NULL;
	char err[256];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/gestor-graphstest.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(db, sizeof(db), "%s/logs.db", dir);
	snprintf(report, sizeof(report), "%s/report", dir);
	snprintf(ok_gp, sizeof(ok_gp), "%s/gnuplot-ok", dir);
	snprintf(bad_gp, sizeof(bad_gp), "%s/gnuplot-bad", dir);
	snprintf(hang_gp, sizeof(hang_gp), "%s/gnuplot-hang", dir);
	if (store_open(&s, db, 64, false, err, sizeof(err)) < 0)
		return -1;
	submit(s, "g-1", "run-1", 1000000000000LL);
	submit(s, "g-2", "run-2", 2000000000000LL);
	pthread_mutex_lock(&mu);
	while (pending > 0)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	store_close(s);
	/* writes every file its scripts send output to, as gnuplot would */
	write_file(ok_gp,
		   "#!/bin/sh\n"
		   "for f in \"$@\"; do\n"
		   "  sed -n 's/^set output \"\\(.*\\)\"$/\\1/p' \"$f\" | while read -r o; do\n"
		   "    printf 'drawn from %s\\n' \"$f\" > \"$o\"\n"
		   "  done\n"
		   "done\n",
		   0755);
	write_file(bad_gp,
		   "#!/bin/sh\n"
		   "echo \"\\\"$1\\\" line 3: unknown or ambiguous terminal type\" >&2\n"
		   "exit 3\n",
		   0755);
	write_file(hang_gp, "#!/bin/sh\necho started >&2\nexec sleep 600\n", 0755);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static struct graphs_opts opts(const char *gnuplot, const char *run)
{
	return (struct graphs_opts){ .db_path = db,
				     .dir = report,
				     .gnuplot = gnuplot,
				     .top_n = 5,
				     .run = run,
				     .keep_runs = 10,
				     .keep_bytes = 64u << 20 };
}

/* Every file the answer lists is there; the run drawn is saved under runs/. */
static void test_draw(void **state)
{
	struct graphs_opts o = opts(ok_gp, NULL);
	char err[256], run[80] = "", saved[256];
	json_t *files = NULL, *f;
	double cpu = -1;
	size_t i;

	(void)state;
	assert_int_equal(graphs_draw(&o, &files, &cpu, run, sizeof(run), err, sizeof(err)), 0);
	assert_string_equal(run, "run-2"); /* none named: the latest to start */
	assert_true(cpu >= 0);
	assert_true(json_array_size(files) > 3);
	json_array_foreach(files, i, f)
	{
		if (!exists(report, json_string_value(f)))
			fail_msg("%s is listed but not in %s", json_string_value(f), report);
	}
	json_decref(files);
	snprintf(saved, sizeof(saved), "%s/runs/run-run-2", report);
	assert_true(exists(saved, "index.html"));
	/* nothing of gnuplot's is left when it succeeded */
	assert_false(exists(report, ".gnuplot-0.log"));
}

/* A saved report per run, the oldest removed past keep_runs. */
static void test_keep_runs(void **state)
{
	struct graphs_opts o = opts(ok_gp, "run-1");
	char err[256], runs[256];
	json_t *files = NULL;

	(void)state;
	assert_int_equal(graphs_draw(&o, &files, NULL, NULL, 0, err, sizeof(err)), 0);
	json_decref(files);
	snprintf(runs, sizeof(runs), "%s/runs", report);
	assert_true(exists(runs, "run-run-1"));

	o.run = "run-2";
	o.keep_runs = 1;
	assert_int_equal(graphs_draw(&o, &files, NULL, NULL, 0, err, sizeof(err)), 0);
	json_decref(files);
	assert_true(exists(runs, "run-run-2"));
	assert_false(exists(runs, "run-run-1"));
}

/* gnuplot failing: an error with its exit status and the start of what it said. */
static void test_gnuplot_fails(void **state)
{
	struct graphs_opts o = opts(bad_gp, "run-1");
	char err[512];
	json_t *files = NULL;

	(void)state;
	assert_int_equal(graphs_draw(&o, &files, NULL, NULL, 0, err, sizeof(err)), -EIO);
	assert_null(files);
	assert_non_null(strstr(err, "gnuplot failed (exit status 3)"));
	assert_non_null(strstr(err, "unknown or ambiguous terminal type"));
	/* its log stays for whoever looks into the report directory */
	assert_true(exists(report, ".gnuplot-0.log"));
}

/* gnuplot hanging: killed at the deadline, an error that says so. */
static void test_gnuplot_hangs(void **state)
{
	struct graphs_opts o = opts(hang_gp, "run-1");
	char err[512];
	json_t *files = NULL;
	uint64_t t0 = util_mono_ns();

	(void)state;
	o.timeout_s = 1;
	assert_int_equal(graphs_draw(&o, &files, NULL, NULL, 0, err, sizeof(err)), -EIO);
	assert_null(files);
	assert_non_null(strstr(err, "gnuplot failed (killed after 1)"));
	/* not left to its 600 s: a hang guard, generous, not a timing claim */
	assert_true(util_mono_ns() - t0 < 120ull * 1000000000ull);
}

/* A run with no record: -ENOENT and nothing written. */
static void test_no_such_run(void **state)
{
	struct graphs_opts o = opts(ok_gp, "run-none");
	char err[256];
	json_t *files = NULL;

	(void)state;
	assert_int_equal(graphs_draw(&o, &files, NULL, NULL, 0, err, sizeof(err)), -ENOENT);
	assert_null(files);
	assert_false(exists(dir, "report"));
}

/* A report directory that cannot be made (a file is in the way). */
static void test_bad_dir(void **state)
{
	struct graphs_opts o = opts(ok_gp, "run-1");
	char err[256], path[256];
	json_t *files = NULL;

	(void)state;
	write_file(report, "a file, not a directory\n", 0644);
	snprintf(path, sizeof(path), "%s/sub", report);
	o.dir = path;
	assert_true(graphs_draw(&o, &files, NULL, NULL, 0, err, sizeof(err)) < 0);
	assert_null(files);
	assert_non_null(strstr(err, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_draw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gnuplot_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gnuplot_hangs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_such_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_dir, setup, teardown),
	};

	return cmocka_run_group_tests_name("graphs_draw", tests, NULL, NULL);
}
