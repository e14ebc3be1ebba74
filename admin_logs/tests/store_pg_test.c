/*
 * store_pg_test.c — unit tests for the PostgreSQL back end (store_pg.c,
 * store_pg_graph.c) through store.h, on a real server: a private cluster
 * made here (initdb + pg_ctl, as the user postgres when run as root) in a
 * temporary directory, reached only on its unix socket there. Batches are
 * stored (201) and recognised again (200); GET /logs and /runs answer the
 * same whole or streamed; the graphs' queries are answered from the
 * server's tables, and a database made before the samples table gets it
 * filled from the stored records; a batch the
 * database refuses (a CHECK constraint added here) is answered 500 alone
 * while the others are stored, with the access lines; a disk-full error
 * (a trigger raising SQLSTATE 53100) is a 503 to retry; a server that is
 * stopped makes writes 503 and reads -EAGAIN, and once it is back the
 * store reconnects by itself; a schema newer than the program is refused.
 * Skipped (saying why) when PostgreSQL's server programs are not installed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "util.h"

#include "batch.h"
#include "query.h"
#include "store.h"
#include "store_graph.h"

extern char **environ;

static char pg_bin[300]; /* the server programs' directory */
static char dir[64]; /* the cluster's directory (and socket) */
static char url[256]; /* postgresql://gestor@/gestor?host=dir */
static bool as_postgres; /* root: the server runs as postgres */
static bool have_pg;
static int guard_fd = -1; /* the guard's pipe: closed when this process ends, however */
static pid_t guard_pid;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

/* Run a server program of pg_bin (as postgres when root), output to dir/cmd.log: its status. */
static int pg_run(const char *prog, const char *const args[])
{
	char path[600], log[128];
	char *argv[24];
	posix_spawn_file_actions_t fa;
	size_t n = 0;
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "%s/%s", pg_bin, prog);
	snprintf(log, sizeof(log), "%s/cmd.log", dir);
	if (as_postgres) {
		argv[n++] = (char *)"runuser";
		argv[n++] = (char *)"-u";
		argv[n++] = (char *)"postgres";
		argv[n++] = (char *)"--";
	}
	argv[n++] = path;
	for (size_t i = 0; args[i] && n < 23; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	st = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (st != 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int pg_ctl(const char *what)
{
	char data[96], slog[96], opts[256];

	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(slog, sizeof(slog), "%s/server.log", dir);
	snprintf(opts, sizeof(opts), "-c listen_addresses= -c unix_socket_directories=%s", dir);
	if (strcmp(what, "start") == 0)
		return pg_run("pg_ctl", (const char *const[]){ "-D", data, "-l", slog, "-w", "-t",
							       "120", "-o", opts, "start", NULL });
	return pg_run("pg_ctl", (const char *const[]){ "-D", data, "-m", what, "-w", "-t", "120",
						       "stop", NULL });
}

/* SQL on the test database (db NULL) or another; PQresultStatus of the last result. */
static ExecStatusType psql(const char *db, const char *sql)
{
	char conninfo[256];
	PGconn *c;
	PGresult *res;
	ExecStatusType st;

	snprintf(conninfo, sizeof(conninfo), "host=%s user=gestor dbname=%s", dir,
		 db ? db : "gestor");
	c = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, sql);
	st = PQresultStatus(res);
	if (st == PGRES_FATAL_ERROR)
		print_message("psql: %s", PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
	return st;
}

/* A number the test database answers. */
static long long psql_num(const char *sql)
{
	char conninfo[256];
	PGconn *c;
	PGresult *res;
	long long v;

	snprintf(conninfo, sizeof(conninfo), "host=%s user=gestor dbname=gestor", dir);
	c = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, sql);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	PQfinish(c);
	return v;
}

/* The newest /usr/lib/postgresql/N/bin with initdb and pg_ctl. */
static bool find_pg_bin(void)
{
	DIR *d = opendir("/usr/lib/postgresql");
	struct dirent *e;
	long best = -1;
	char p[512];

	if (!d)
		return false;
	while ((e = readdir(d))) {
		long v = strtol(e->d_name, NULL, 10);
		snprintf(p, sizeof(p), "/usr/lib/postgresql/%s/bin/initdb", e->d_name);
		if (v > best && access(p, X_OK) == 0) {
			best = v;
			snprintf(pg_bin, sizeof(pg_bin), "/usr/lib/postgresql/%s/bin", e->d_name);
		}
	}
	closedir(d);
	return best >= 0;
}

/*
 * A child that waits for this process to end (its pipe's end-of-file,
 * also after a crash or an abort), then stops the cluster and removes its
 * directory: no server is ever left behind.
 */
static int start_guard(void)
{
	int p[2];
	char c;

	if (pipe2(p, O_CLOEXEC) != 0) /* the server must not hold it open */
		return -1;
	guard_pid = fork();
	if (guard_pid < 0)
		return -1;
	if (guard_pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) > 0)
			;
		pg_ctl("immediate");
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		_exit(0);
	}
	close(p[0]);
	guard_fd = p[1];
	return 0;
}

static int group_setup(void **state)
{
	char data[96];
	struct passwd *pw = NULL;

	(void)state;
	if (!find_pg_bin())
		return 0; /* every test says skipped */
	as_postgres = geteuid() == 0;
	if (as_postgres && !(pw = getpwnam("postgres")))
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/gestor-pgtest.XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755) != 0 ||
	    (pw && chown(dir, pw->pw_uid, pw->pw_gid) != 0))
		return -1;
	if (start_guard() < 0)
		return -1;
	snprintf(data, sizeof(data), "%s/data", dir);
	if (pg_run("initdb", (const char *const[]){ "-D", data, "-U", "gestor", "--auth=trust",
						    "-E", "UTF8", NULL }) != 0 ||
	    pg_ctl("start") != 0) {
		fprintf(stderr, "the private PostgreSQL did not start: see %s/cmd.log\n", dir);
		return -1;
	}
	if (psql("postgres", "CREATE DATABASE gestor") != PGRES_COMMAND_OK)
		return -1;
	snprintf(url, sizeof(url), "postgresql://gestor@/gestor?host=%s", dir);
	have_pg = true;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (guard_fd >= 0) {
		close(guard_fd); /* the guard stops the cluster and removes dir */
		waitpid(guard_pid, NULL, 0);
	}
	return 0;
}

static void need_pg(void)
{
	if (!have_pg) {
		print_message("skipped: PostgreSQL's server programs (postgresql-15) are not "
			      "installed, or there is no user postgres\n");
		skip();
	}
}

/* ---- submitting and waiting ---- */

struct outcome {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int pending;
};

static struct outcome w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };

struct sub {
	struct batch b;
	unsigned status;
	char msg[160];
};

static void done(void *ctx, unsigned status, const char *msg)
{
	struct sub *s = ctx;

	pthread_mutex_lock(&w.mu);
	s->status = status;
	util_strlcpy(s->msg, msg ? msg : "", sizeof(s->msg));
	w.pending--;
	pthread_cond_broadcast(&w.cv);
	pthread_mutex_unlock(&w.mu);
}

static void wait_all(void)
{
	pthread_mutex_lock(&w.mu);
	while (w.pending > 0)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
}

/* Batch id of two records (a sample of container name and a decision about it), in run. */
static void submit(struct store *s, struct sub *sb, const char *id, const char *run,
		   const char *name, int ts)
{
	char body[2048], err[256];

	snprintf(body, sizeof(body),
		 "{\"batch_id\":\"%s\",\"host\":\"h1\",\"run\":\"%s\",\"records\":["
		 "{\"type\":\"sample\",\"ts_ns\":%d,\"cycle\":1,\"source\":\"procfs\","
		 "\"memory\":{\"total_kb\":100,\"used_kb\":50,\"available_kb\":50},\"cpu_pct\":5,"
		 "\"containers\":[{\"id\":\"c1\",\"name\":\"web\",\"class\":\"high\","
		 "\"label_class\":\"high-cpu\",\"cpu_pct\":9,\"rss_kb\":1,\"mem_kb\":2,"
		 "\"mem_pct\":0.5,\"procs\":1}]},"
		 "{\"type\":\"decision\",\"ts_ns\":%d,\"cycle\":1,\"container\":{\"id\":\"c1\","
		 "\"name\":\"%s\"},\"class\":\"high\",\"action\":\"kept\",\"reason\":\"r\","
		 "\"rank\":1,\"metrics\":{\"cpu_pct\":1,\"rss_kb\":1,\"mem_kb\":2,\"mem_pct\":0.5}}"
		 "]}",
		 id, run, ts, ts + 1, name);
	memset(sb, 0, sizeof(*sb));
	assert_int_equal(batch_parse(body, strlen(body), "auto", &sb->b, err, sizeof(err)),
			 BATCH_OK);
	pthread_mutex_lock(&w.mu);
	w.pending++;
	pthread_mutex_unlock(&w.mu);
	assert_int_equal(store_submit_batch(s, &sb->b, done, sb), 0);
}

static void subs_free(struct sub *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		batch_free(&s[i].b);
}

static struct store *open_store(void)
{
	struct store *s = NULL;
	char err[512];

	if (store_open(&s, url, 64, false, err, sizeof(err)) < 0)
		fail_msg("store_open: %s", err);
	return s;
}

/* ---- the tests ---- */

/* Stored, recognised again, counted; and the same after reopening. */
static void test_store_and_reopen(void **state)
{
	struct sub sb[3];
	struct store_stats st;
	struct store *s;

	(void)state;
	need_pg();
	s = open_store();
	submit(s, &sb[0], "pg-1", "run-a", "web", 100);
	submit(s, &sb[1], "pg-2", "run-a", "db", 200);
	wait_all();
	submit(s, &sb[2], "pg-1", "run-a", "web", 100);
	wait_all();
	assert_int_equal(sb[0].status, 201);
	assert_int_equal(sb[1].status, 201);
	assert_int_equal(sb[2].status, 200);
	store_get_stats(s, &st);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.records, 4);
	store_close(s);
	subs_free(sb, 3);

	/* the schema is there: opening again migrates nothing and counts what is stored */
	s = open_store();
	store_get_stats(s, &st);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.records, 4);
	store_close(s);
	assert_int_equal(psql_num("SELECT count(*) FROM sample_containers WHERE cid = 'c1'"), 2);
	assert_int_equal(psql_num("SELECT n_records FROM runs WHERE run = 'run-a'"), 4);
}

/* GET /logs and /runs as whole documents and streamed, over what is stored. */
static void test_queries(void **state)
{
	struct query q;
	struct query_runs qr;
	struct store_rows *rows;
	struct store *s;
	char *out = NULL, err[256];
	const char *text;
	size_t len, n = 0;
	json_t *doc;

	(void)state;
	need_pg();
	s = open_store();

	query_init(&q);
	assert_int_equal(query_set(&q, "container", "db", err, sizeof(err)), 0);
	assert_int_equal(store_query_logs(s, &q, &out, &len, err, sizeof(err)), 0);
	assert_non_null(doc = json_loadb(out, len, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(doc, "count")), 1);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(doc, "records"), 0), "batch_id")),
		"pg-2");
	json_decref(doc);
	free(out);

	/* paging: one record a page, and a next page while there is one */
	query_init(&q);
	assert_int_equal(query_set(&q, "limit", "1", err, sizeof(err)), 0);
	assert_int_equal(query_set(&q, "offset", "2", err, sizeof(err)), 0);
	assert_int_equal(store_query_logs(s, &q, &out, &len, err, sizeof(err)), 0);
	assert_non_null(doc = json_loadb(out, len, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(doc, "count")), 1);
	assert_int_equal(json_integer_value(json_object_get(doc, "next_offset")), 3);
	json_decref(doc);
	free(out);

	query_runs_init(&qr);
	assert_int_equal(query_runs_set(&qr, "host", "h1", err, sizeof(err)), 0);
	assert_int_equal(store_query_runs(s, &qr, &out, &len, err, sizeof(err)), 0);
	assert_non_null(doc = json_loadb(out, len, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(doc, "count")), 1);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(doc, "runs"), 0), "records")),
			 4);
	json_decref(doc);
	free(out);

	/* streamed: every record of run-a, one row at a time */
	query_init(&q);
	assert_int_equal(query_set(&q, "run", "run-a", err, sizeof(err)), 0);
	assert_int_equal(store_rows_open(s, false, &q, &rows, err, sizeof(err)), 0);
	while (store_rows_next(rows, &text, &len, err, sizeof(err)) == 1) {
		assert_non_null(doc = json_loadb(text, len, 0, NULL));
		assert_non_null(json_object_get(doc, "stored_ns"));
		json_decref(doc);
		n++;
	}
	assert_int_equal(n, 4);
	assert_false(store_rows_more(rows));
	store_rows_close(rows);

	query_runs_init(&qr);
	assert_int_equal(store_rows_open(s, true, &qr, &rows, err, sizeof(err)), 0);
	assert_int_equal(store_rows_next(rows, &text, &len, err, sizeof(err)), 1);
	assert_non_null(strstr(text, "\"run-a\""));
	assert_int_equal(store_rows_next(rows, &text, &len, err, sizeof(err)), 0);
	store_rows_close(rows);
	store_close(s);
}

/* Query q of g (with arguments a), expecting rows: the number of rows read. */
static int gv_rows(struct store_graph *g, enum sg_query q, const struct sg_arg *a)
{
	char err[256];
	int n = 0, rc;

	assert_int_equal(store_graph_query(g, q, a, err, sizeof(err)), 0);
	while ((rc = store_graph_next(g, err, sizeof(err))) == 1)
		n++;
	assert_int_equal(rc, 0);
	return n;
}

/* Query q of g, positioned on its first row (which must come). */
static void gv_first(struct store_graph *g, enum sg_query q, const struct sg_arg *a)
{
	char err[256];

	assert_int_equal(store_graph_query(g, q, a, err, sizeof(err)), 0);
	if (store_graph_next(g, err, sizeof(err)) != 1)
		fail_msg("no row: %s", err);
}

/*
 * The graphs' queries answered from PostgreSQL's own tables (run-a: two
 * samples of c1 at 100 and 200, host h1): the range, the samples with their
 * per-class counts, the busiest container and its series, the runs; on
 * another host, nothing.
 */
static void test_graph_view(void **state)
{
	const struct sg_arg run[] = { { .s = "run-a" } }, top[] = { { .i = 4 }, { .s = "run-a" } };
	struct store_graph *g = NULL;
	struct store *s;
	char err[256];
	int64_t first, last;

	(void)state;
	need_pg();
	s = open_store();
	assert_int_equal(store_graph_open(s, "h1", &g, err, sizeof(err)), 0);
	gv_first(g, SG_LATEST_RUN, NULL);
	assert_string_equal(store_graph_text(g, 0), "run-a");
	gv_first(g, SG_RANGE, run);
	assert_int_equal(store_graph_num(g, 0) * 10000 + store_graph_num(g, 1) * 10 +
				 store_graph_num(g, 2),
			 100 * 10000 + 200 * 10 + 2);
	gv_first(g, SG_SAMPLES_SORTED, run);
	assert_int_equal(store_graph_num(g, 0), 100); /* ts, used_kb 50, one high */
	assert_int_equal(store_graph_num(g, 1), 50);
	assert_true(store_graph_real(g, 4) == 5.0);
	assert_int_equal(store_graph_num(g, 5), 1);
	assert_int_equal(store_graph_num(g, 7), 0);
	assert_null(store_graph_text(g, 8)); /* no container of no class: no JSON */
	gv_first(g, SG_TOP_CPU, top);
	assert_string_equal(store_graph_text(g, 0), "c1");
	assert_string_equal(store_graph_text(g, 1), "web");
	first = store_graph_num(g, 2);
	last = store_graph_num(g, 3);
	assert_true(first < last);
	const struct sg_arg ser[] = { { .i = 100 },  { .i = 1 },    { .i = first },
				      { .i = last }, { .s = "c1" }, { .s = "run-a" } };
	gv_first(g, SG_SERIES_CPU, ser);
	assert_true(store_graph_num(g, 0) == 0 && store_graph_real(g, 2) == 9.0);
	assert_int_equal(gv_rows(g, SG_SERIES_CPU, ser), 2);
	assert_int_equal(gv_rows(g, SG_REMOVED, run), 0);
	gv_first(g, SG_RUNS, NULL);
	assert_string_equal(store_graph_text(g, 1), "h1");
	assert_int_equal(store_graph_num(g, 4), 4);
	store_graph_close(g);

	/* another host's view: the run is not there */
	assert_int_equal(store_graph_open(s, "other-host", &g, err, sizeof(err)), 0);
	assert_int_equal(gv_rows(g, SG_RUN_FOUND, run), 0);
	assert_int_equal(gv_rows(g, SG_LATEST_RUN, NULL), 0);
	store_graph_close(g);
	store_close(s);
}

/*
 * A database made before the graphs' samples table gets it at open, filled
 * from the sample records already stored (with their per-class counts).
 */
static void test_samples_migration(void **state)
{
	struct store *s;

	(void)state;
	need_pg();
	assert_int_equal(psql(NULL, "DROP TABLE samples"), PGRES_COMMAND_OK);
	s = open_store();
	store_close(s);
	assert_int_equal(psql_num("SELECT count(*) FROM samples s JOIN records r ON r.id = "
				  "s.record WHERE r.run = 'run-a' AND s.n_high = 1 AND s.n_low = 0 "
				  "AND s.n_unknown = 0 AND s.used_kb = 50 AND s.cpu_pct = 5"),
			 2);
	assert_int_equal(psql_num("SELECT count(*) FROM samples"),
			 psql_num("SELECT count(*) FROM records WHERE type = 'sample'"));
}

/*
 * A batch the database refuses fails alone: the group is written again batch
 * by batch, the refused one is answered 500 and the others are stored, the
 * access lines of the group too.
 */
static void test_refused_batch(void **state)
{
	struct sub sb[4];
	struct access_entry e = { .ts_ns = 5, .status = 201, .bytes_in = 10, .duration_us = 7 };
	struct store *s;
	long long acc0;

	(void)state;
	need_pg();
	assert_int_equal(psql(NULL, "ALTER TABLE records ADD CONSTRAINT no_poison "
				    "CHECK (container_name IS DISTINCT FROM 'poison')"),
			 PGRES_COMMAND_OK);
	acc0 = psql_num("SELECT count(*) FROM access_log");
	s = open_store();
	util_strlcpy(e.client, "127.0.0.1", sizeof(e.client));
	util_strlcpy(e.method, "POST", sizeof(e.method));
	util_strlcpy(e.path, "/logs", sizeof(e.path));
	store_submit_access(s, &e);
	submit(s, &sb[0], "ok-1", "run-b", "web", 300);
	submit(s, &sb[1], "bad-1", "run-b", "poison", 310);
	submit(s, &sb[2], "ok-2", "run-b", "web", 320);
	submit(s, &sb[3], "ok-1", "run-b", "web", 300);
	wait_all();
	assert_int_equal(sb[0].status, 201);
	assert_int_equal(sb[1].status, 500);
	assert_non_null(strstr(sb[1].msg, "no_poison"));
	assert_int_equal(sb[2].status, 201);
	assert_int_equal(sb[3].status, 200);
	store_close(s); /* commits the access lines still queued */
	subs_free(sb, 4);
	assert_int_equal(psql_num("SELECT count(*) FROM batches WHERE batch_id = 'bad-1'"), 0);
	assert_int_equal(psql_num("SELECT count(*) FROM batches WHERE run = 'run-b'"), 2);
	assert_int_equal(psql_num("SELECT count(*) FROM access_log WHERE path = '/logs'") - acc0,
			 1);
	assert_int_equal(psql(NULL, "ALTER TABLE records DROP CONSTRAINT no_poison"),
			 PGRES_COMMAND_OK);
}

/* The disk is full (SQLSTATE 53100): 503, retry later; then the next batch is stored. */
static void test_disk_full(void **state)
{
	struct sub sb[2];
	struct store *s;

	(void)state;
	need_pg();
	assert_int_equal(psql(NULL, "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql "
				    "AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space "
				    "left on device' USING ERRCODE = 'disk_full'; END $$"),
			 PGRES_COMMAND_OK);
	assert_int_equal(
		psql(NULL, "CREATE TRIGGER full_disk BEFORE INSERT ON records FOR EACH "
			   "ROW WHEN (NEW.container_name = 'full') EXECUTE FUNCTION full_disk()"),
		PGRES_COMMAND_OK);
	s = open_store();
	submit(s, &sb[0], "full-1", "run-c", "full", 400);
	wait_all();
	assert_int_equal(sb[0].status, 503);
	assert_non_null(strstr(sb[0].msg, "retry later"));
	submit(s, &sb[1], "after-full", "run-c", "web", 410);
	wait_all();
	assert_int_equal(sb[1].status, 201);
	store_close(s);
	subs_free(sb, 2);
	assert_int_equal(psql_num("SELECT count(*) FROM batches WHERE run = 'run-c'"), 1);
	assert_int_equal(psql(NULL, "DROP TRIGGER full_disk ON records"), PGRES_COMMAND_OK);
}

/* The server goes away: writes are 503, reads -EAGAIN; back, the store reconnects. */
static void test_server_away(void **state)
{
	struct sub sb[2];
	struct query q;
	struct query_runs qr;
	struct store_rows *rows = NULL;
	struct store *s;
	struct store_graph *g = NULL;
	char *out = NULL, err[256];
	size_t len;

	(void)state;
	need_pg();
	s = open_store();
	assert_int_equal(pg_ctl("fast"), 0);

	submit(s, &sb[0], "away-1", "run-d", "web", 500);
	wait_all();
	assert_int_equal(sb[0].status, 503);
	query_init(&q);
	assert_int_equal(store_rows_open(s, false, &q, &rows, err, sizeof(err)), -EAGAIN);
	assert_null(rows);
	assert_int_equal(store_query_logs(s, &q, &out, &len, err, sizeof(err)), -EAGAIN);
	query_runs_init(&qr);
	assert_int_equal(store_query_runs(s, &qr, &out, &len, err, sizeof(err)), -EAGAIN);
	assert_int_equal(store_graph_open(s, NULL, &g, err, sizeof(err)), -EAGAIN);
	assert_null(g);

	assert_int_equal(pg_ctl("start"), 0);
	submit(s, &sb[1], "away-1", "run-d", "web", 500);
	wait_all();
	assert_int_equal(sb[1].status, 201);
	store_close(s);
	subs_free(sb, 2);
	assert_int_equal(psql_num("SELECT count(*) FROM batches WHERE batch_id = 'away-1'"), 1);
}

/* A stored record that is no longer a JSON object: the reads fail, they do not answer wrong. */
static void test_corrupt_record(void **state)
{
	struct store *s;
	struct query q;
	const struct sg_arg run[] = { { .s = "run-a" } };
	struct store_graph *g = NULL;
	char *out = NULL, err[256];
	size_t len;

	(void)state;
	need_pg();
	assert_int_equal(psql(NULL, "UPDATE records SET body = '[1]' WHERE id = (SELECT min(id) "
				    "FROM records WHERE run = 'run-a')"),
			 PGRES_COMMAND_OK);
	s = open_store();
	/* the graphs read the rows derived at ingest, not the body: they still answer */
	assert_int_equal(store_graph_open(s, NULL, &g, err, sizeof(err)), 0);
	gv_first(g, SG_RANGE, run);
	assert_int_equal(store_graph_num(g, 2), 2);
	store_graph_close(g);
	query_init(&q);
	assert_int_equal(store_query_logs(s, &q, &out, &len, err, sizeof(err)), -EIO);
	assert_null(out);
	assert_non_null(strstr(err, "stored body is not an object"));
	store_close(s);
}

/* A database whose schema is newer than this program is not touched. */
static void test_newer_schema(void **state)
{
	struct store *s = NULL;
	char err[512];

	(void)state;
	need_pg();
	assert_int_equal(psql("postgres", "CREATE DATABASE future"), PGRES_COMMAND_OK);
	assert_int_equal(psql("future", "CREATE TABLE schema_version(version integer NOT NULL);"
					" INSERT INTO schema_version VALUES (99)"),
			 PGRES_COMMAND_OK);
	snprintf(url, sizeof(url), "postgresql://gestor@/future?host=%s", dir);
	assert_int_equal(store_open(&s, url, 64, false, err, sizeof(err)), -EIO);
	assert_null(s);
	assert_non_null(strstr(err, "newer than this admin_logs"));
	snprintf(url, sizeof(url), "postgresql://gestor@/gestor?host=%s", dir);

	/* and a database that does not exist */
	snprintf(url, sizeof(url), "postgresql://gestor@/nowhere?host=%s", dir);
	assert_true(store_open(&s, url, 64, false, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "nowhere"));
	snprintf(url, sizeof(url), "postgresql://gestor@/gestor?host=%s", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_and_reopen), cmocka_unit_test(test_queries),
		cmocka_unit_test(test_graph_view),	 cmocka_unit_test(test_samples_migration),
		cmocka_unit_test(test_refused_batch),	 cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_server_away),	 cmocka_unit_test(test_corrupt_record),
		cmocka_unit_test(test_newer_schema),
	};

	return cmocka_run_group_tests_name("store on PostgreSQL", tests, group_setup,
					   group_teardown);
}
