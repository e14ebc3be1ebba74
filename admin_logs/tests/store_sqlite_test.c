/*
 * store_sqlite_test.c — unit tests for the SQLite back end's refusals and
 * failures (store_sqlite.c through store.h), on real files in a fresh
 * directory: a database that cannot be opened (no directory, not a
 * database, a schema newer than the program) is refused with the reason;
 * a batch the database refuses (a trigger added here) is answered 500
 * alone while the rest of its group is stored; a disk that takes no more
 * bytes (RLIMIT_FSIZE 0: every write fails, as on a failing disk) answers
 * every batch of the group 500 with nothing stored, and once writes work
 * again the store goes on; GET /logs and /runs as whole documents; and a
 * batch written at once on the caller's thread (store_write_now) when the
 * store is free: committed before it returns, a duplicate 200, a refused
 * one 500, and left to the writer (0) while another batch holds it; and
 * the write connection's VFS writes each commit's WAL frames in one piece.
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "util.h"

#include "batch.h"
#include "query.h"
#include "store.h"
#include "store_sqlite_vfs.h"

static char dir[64], db[128];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/gestor-sqtest.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(db, sizeof(db), "%s/logs.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* ---- submitting and waiting ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int pending;

struct sub {
	struct batch b;
	unsigned status;
	char msg[160];
};

static void done(void *ctx, unsigned status, const char *msg)
{
	struct sub *s = ctx;

	pthread_mutex_lock(&mu);
	s->status = status;
	util_strlcpy(s->msg, msg ? msg : "", sizeof(s->msg));
	pending--;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void wait_all(void)
{
	pthread_mutex_lock(&mu);
	while (pending > 0)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

/* Batch id: a sample and a decision about the container name, in run, from host h1. */
static void submit(struct store *s, struct sub *sb, const char *id, const char *name, int ts)
{
	char body[2048], err[256];

	snprintf(body, sizeof(body),
		 "{\"batch_id\":\"%s\",\"host\":\"h1\",\"run\":\"run-s\",\"records\":["
		 "{\"type\":\"sample\",\"ts_ns\":%d,\"cycle\":1,\"source\":\"procfs\","
		 "\"memory\":{\"total_kb\":100,\"used_kb\":50,\"available_kb\":50},\"cpu_pct\":5,"
		 "\"containers\":[{\"id\":\"c1\",\"name\":\"web\",\"class\":\"high\","
		 "\"label_class\":\"high-cpu\",\"cpu_pct\":9,\"rss_kb\":1,\"mem_kb\":2,"
		 "\"mem_pct\":0.5,\"procs\":1}]},"
		 "{\"type\":\"decision\",\"ts_ns\":%d,\"cycle\":1,\"container\":{\"id\":\"c1\","
		 "\"name\":\"%s\"},\"class\":\"high\",\"action\":\"kept\",\"reason\":\"r\","
		 "\"rank\":1,\"metrics\":{\"cpu_pct\":1,\"rss_kb\":1,\"mem_kb\":2,\"mem_pct\":0.5}}"
		 "]}",
		 id, ts, ts + 1, name);
	memset(sb, 0, sizeof(*sb));
	assert_int_equal(batch_parse(body, strlen(body), "auto", &sb->b, err, sizeof(err)),
			 BATCH_OK);
	pthread_mutex_lock(&mu);
	pending++;
	pthread_mutex_unlock(&mu);
	assert_int_equal(store_submit_batch(s, &sb->b, done, sb), 0);
}

static void subs_free(struct sub *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		batch_free(&s[i].b);
}

/* Batch id parsed into b: one decision about the container name, at ts. */
static void parse_one(struct batch *b, const char *id, const char *name, int ts)
{
	char body[2048], err[256];

	snprintf(body, sizeof(body),
		 "{\"batch_id\":\"%s\",\"host\":\"h1\",\"run\":\"run-s\",\"records\":["
		 "{\"type\":\"decision\",\"ts_ns\":%d,\"cycle\":1,\"container\":{\"id\":\"c1\","
		 "\"name\":\"%s\"},\"class\":\"high\",\"action\":\"kept\",\"reason\":\"r\","
		 "\"rank\":1,\"metrics\":{\"cpu_pct\":1,\"rss_kb\":1,\"mem_kb\":2,\"mem_pct\":0.5}}"
		 "]}",
		 id, ts, name);
	assert_int_equal(batch_parse(body, strlen(body), "auto", b, err, sizeof(err)), BATCH_OK);
}

/* Batch id parsed into b: n decisions with a 600-byte reason each (n * ~800 bytes). */
static void parse_big(struct batch *b, const char *id, int n)
{
	size_t cap = (size_t)n * 1024 + 256, len;
	char *body = malloc(cap), err[256], reason[601];

	assert_non_null(body);
	memset(reason, 'r', 600);
	reason[600] = '\0';
	len = (size_t)snprintf(body, cap, "{\"batch_id\":\"%s\",\"records\":[", id);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(
			body + len, cap - len,
			"%s{\"type\":\"decision\",\"ts_ns\":%d,\"cycle\":1,\"container\":{\"id\":"
			"\"c%d\",\"name\":\"big\"},\"class\":\"low\",\"action\":\"kept\","
			"\"reason\":"
			"\"%s\",\"rank\":1,\"metrics\":{\"cpu_pct\":1,\"rss_kb\":1,\"mem_kb\":2,"
			"\"mem_pct\":0.5}}",
			i ? "," : "", 1000 + i, i, reason);
	len += (size_t)snprintf(body + len, cap - len, "]}");
	assert_int_equal(batch_parse(body, len, "auto", b, err, sizeof(err)), BATCH_OK);
	free(body);
}

/* SQL on the database file, outside the store. */
static void sql(const char *text)
{
	sqlite3 *h;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	if (sqlite3_exec(h, text, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", text, msg);
	sqlite3_close(h);
}

static long long num(const char *text)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long v;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, text, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* SQLite's integrity check of the database file says "ok". */
static void integrity_ok(void)
{
	sqlite3 *h;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static struct store *open_store(void)
{
	struct store *s = NULL;
	char err[512];

	if (store_open(&s, db, 64, false, err, sizeof(err)) < 0)
		fail_msg("store_open: %s", err);
	assert_string_equal(store_path(s), db);
	return s;
}

/* ---- the tests ---- */

static void test_open_refusals(void **state)
{
	struct store *s = NULL;
	char err[512], path[160];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such-dir/logs.db", dir);
	assert_true(store_open(&s, path, 64, false, err, sizeof(err)) < 0);
	assert_null(s);
	assert_non_null(strstr(err, path));

	/* a file that is not a database: left as it is */
	assert_non_null(f = fopen(db, "w"));
	for (int i = 0; i < 512; i++)
		fputs("not a database, ", f);
	fclose(f);
	assert_true(store_open(&s, db, 64, false, err, sizeof(err)) < 0);
	assert_null(s);
	assert_non_null(strstr(err, "not a database"));
	unlink(db);

	/* a schema from a newer admin_logs: not touched */
	sql("PRAGMA user_version = 99");
	assert_true(store_open(&s, db, 64, false, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "schema version 99 is newer"));
	assert_int_equal(num("PRAGMA user_version"), 99);
}

/* A batch the database refuses fails alone; the rest of its group is stored. */
static void test_refused_batch(void **state)
{
	struct sub sb[4];
	struct store *s;

	(void)state;
	s = open_store(); /* makes the schema */
	store_close(s);
	sql("CREATE TRIGGER poison BEFORE INSERT ON records WHEN NEW.container_name = 'poison' "
	    "BEGIN SELECT RAISE(ABORT, 'poisoned record'); END");
	s = open_store();
	submit(s, &sb[0], "ok-1", "web", 100);
	submit(s, &sb[1], "bad-1", "poison", 110);
	submit(s, &sb[2], "ok-2", "web", 120);
	submit(s, &sb[3], "ok-1", "web", 100);
	wait_all();
	assert_int_equal(sb[0].status, 201);
	assert_int_equal(sb[1].status, 500);
	assert_non_null(strstr(sb[1].msg, "poisoned record"));
	assert_int_equal(sb[2].status, 201);
	assert_int_equal(sb[3].status, 200);
	store_close(s);
	subs_free(sb, 4);
	assert_int_equal(num("SELECT count(*) FROM batches"), 2);
	assert_int_equal(num("SELECT count(*) FROM batches WHERE batch_id = 'bad-1'"), 0);
	assert_int_equal(num("SELECT count(*) FROM records"), 4);
	/* the run counts only what was stored */
	assert_int_equal(num("SELECT n_records FROM runs WHERE run = 'run-s'"), 4);
}

/* Every write fails (a disk that takes no more): 500 for the group, nothing stored; then on. */
static void test_failing_disk(void **state)
{
	struct sub sb[3];
	struct store_stats st;
	struct rlimit old, none;
	struct store *s;

	(void)state;
	s = open_store();
	submit(s, &sb[0], "before", "web", 100);
	wait_all();
	assert_int_equal(sb[0].status, 201);

	signal(SIGXFSZ, SIG_IGN); /* a write over the limit fails with EFBIG instead */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	none = old;
	none.rlim_cur = 0;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &none), 0);
	submit(s, &sb[1], "during", "web", 200);
	wait_all();
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(sb[1].status, 500);
	assert_string_equal(sb[1].msg, "database: transaction failed");

	submit(s, &sb[2], "after", "web", 300);
	wait_all();
	assert_int_equal(sb[2].status, 201);
	store_get_stats(s, &st);
	assert_int_equal(st.batches, 2);
	store_close(s);
	subs_free(sb, 3);
	assert_int_equal(num("SELECT count(*) FROM batches WHERE batch_id = 'during'"), 0);
	assert_int_equal(num("SELECT count(*) FROM batches"), 2);
}

/* GET /logs and /runs as whole documents, with the host filter. */
static void test_whole_queries(void **state)
{
	struct sub sb[2];
	struct query q;
	struct query_runs qr;
	struct store *s;
	char *out = NULL, err[256];
	size_t len;
	json_t *doc;

	(void)state;
	s = open_store();
	submit(s, &sb[0], "q-1", "web", 100);
	submit(s, &sb[1], "q-2", "db", 200);
	wait_all();

	query_init(&q);
	assert_int_equal(query_set(&q, "host", "h1", err, sizeof(err)), 0);
	assert_int_equal(query_set(&q, "container", "db", err, sizeof(err)), 0);
	assert_int_equal(store_query_logs(s, &q, &out, &len, err, sizeof(err)), 0);
	assert_non_null(doc = json_loadb(out, len, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(doc, "count")), 1);
	json_decref(doc);
	free(out);

	query_init(&q);
	assert_int_equal(query_set(&q, "host", "another", err, sizeof(err)), 0);
	assert_int_equal(store_query_logs(s, &q, &out, &len, err, sizeof(err)), 0);
	assert_non_null(doc = json_loadb(out, len, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(doc, "count")), 0);
	json_decref(doc);
	free(out);

	query_init(&q);
	assert_int_equal(query_set(&q, "run", "bad run!", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "run: not a valid run id");

	query_runs_init(&qr);
	assert_int_equal(store_query_runs(s, &qr, &out, &len, err, sizeof(err)), 0);
	assert_non_null(doc = json_loadb(out, len, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(doc, "count")), 1);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(doc, "runs"), 0), "records")),
			 4);
	json_decref(doc);
	free(out);

	/* a stored body that is no longer a JSON object: an error, not a wrong answer */
	sql("UPDATE records SET body = '\"text\"' WHERE id = (SELECT min(id) FROM records)");
	query_init(&q);
	out = NULL;
	assert_int_equal(store_query_logs(s, &q, &out, &len, err, sizeof(err)), -EIO);
	assert_null(out);
	assert_non_null(strstr(err, "stored body is not an object"));
	store_close(s);
	subs_free(sb, 2);
}

/*
 * store_write_now: the batch committed before the call returns (another
 * connection reads it), a duplicate 200, a refused one 500 with the
 * reason; 0 (the writer's) while a queued batch holds the store, which is
 * then stored by the writer; -ESHUTDOWN once draining.
 */
static void test_write_now(void **state)
{
	struct batch b[4];
	struct sub sb;
	struct store_stats st;
	struct store_sqlite_vfs_stats v0, v1;
	struct batch big;
	struct store *s;
	sqlite3 *lock;
	unsigned status = 0;
	int r = 0;
	char msg[160];

	(void)state;
	memset(b, 0, sizeof(b));
	s = open_store();
	store_close(s);
	sql("CREATE TRIGGER poison BEFORE INSERT ON records WHEN NEW.container_name = 'poison' "
	    "BEGIN SELECT RAISE(ABORT, 'poisoned record'); END");
	s = open_store();
	parse_one(&b[0], "now-1", "web", 100);
	store_sqlite_vfs_stats(&v0);
	assert_int_equal(store_write_now(s, &b[0], &status, msg, sizeof(msg)), 1);
	store_sqlite_vfs_stats(&v1);
	assert_int_equal(status, 201);
	assert_int_equal(num("SELECT count(*) FROM batches WHERE batch_id = 'now-1'"), 1);
	/* the commit's frames (a header and a page each, for at least the
	 * batches, records and two index pages): one write, or two when the
	 * WAL starts over (its header is written and synced first) */
	print_message("# WAL writes: %llu asked, %llu made\n",
		      (unsigned long long)(v1.asked - v0.asked),
		      (unsigned long long)(v1.written - v0.written));
	assert_true(v1.asked - v0.asked >= 8);
	assert_true(v1.written - v0.written >= 1 && v1.written - v0.written <= 2);
	/* a commit of about 400 KiB of frames: written in pieces the default
	 * VFS takes whole (it writes at most 128 KiB a call) */
	parse_big(&big, "now-big", 500);
	store_sqlite_vfs_stats(&v0);
	assert_int_equal(store_write_now(s, &big, &status, msg, sizeof(msg)), 1);
	store_sqlite_vfs_stats(&v1);
	assert_int_equal(status, 201);
	assert_true(v1.written - v0.written >= 3);
	assert_int_equal(num("SELECT count(*) FROM records WHERE container_name = 'big'"), 500);
	batch_free(&big);
	assert_int_equal(store_write_now(s, &b[0], &status, msg, sizeof(msg)), 1);
	assert_int_equal(status, 200);
	parse_one(&b[1], "now-bad", "poison", 110);
	assert_int_equal(store_write_now(s, &b[1], &status, msg, sizeof(msg)), 1);
	assert_int_equal(status, 500);
	assert_non_null(strstr(msg, "poisoned record"));

	/* another connection holds the write lock: the writer waits in its
	 * group with a queued batch, and a batch now is left to the writer */
	assert_int_equal(sqlite3_open(db, &lock), SQLITE_OK);
	assert_int_equal(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	submit(s, &sb, "queued", "web", 120);
	parse_one(&b[2], "now-2", "web", 130);
	assert_int_equal(store_write_now(s, &b[2], &status, msg, sizeof(msg)), 0);
	assert_int_equal(sqlite3_exec(lock, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(lock);
	wait_all();
	assert_int_equal(sb.status, 201);
	/* the writer answers its group before its idle work (a checkpoint, a
	 * retention step) and frees the connection only after it: until then a
	 * batch now is still left to it (0) */
	for (int k = 0; k < 1000 && (r = store_write_now(s, &b[2], &status, msg, sizeof(msg))) == 0;
	     k++)
		usleep(10000);
	assert_int_equal(r, 1);
	assert_int_equal(status, 201);
	store_get_stats(s, &st);
	assert_int_equal(st.batches, 4);
	assert_int_equal(st.records, 504); /* "queued" has a sample too */

	store_drain(s);
	parse_one(&b[3], "now-late", "web", 140);
	assert_int_equal(store_write_now(s, &b[3], &status, msg, sizeof(msg)), -ESHUTDOWN);
	store_close(s);
	subs_free(&sb, 1);
	for (int i = 0; i < 4; i++)
		batch_free(&b[i]);
	assert_int_equal(num("SELECT count(*) FROM batches"), 4);
	assert_int_equal(num("SELECT count(*) FROM batches WHERE batch_id = 'now-bad'"), 0);
	integrity_ok();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whole_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_now, setup, teardown),
	};

	return cmocka_run_group_tests_name("store on SQLite: refusals and failures", tests, NULL,
					   NULL);
}
