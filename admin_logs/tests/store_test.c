/*
 * store_test.c — unit tests for store.c and query.c on a real SQLite file:
 * concurrent submitters all answered 201 after commit, duplicates 200,
 * everything still there after reopening, and GET /logs filters and
 * paging over the stored records. Also query time and parameter parsing,
 * and the graphs' queries (store_graph.h) on SQLite.
 */
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

#include "util.h"

#include "batch.h"
#include "query.h"
#include "store.h"
#include "store_graph.h"

static char dir[64], db[128];

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int pending;
	int count201, count200, other;
};

static struct waiter w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0 };

/* The batch (ctx) is the submitter's until here: freed once the store is done with it. */
static void done(void *ctx, unsigned status, const char *msg)
{
	struct batch *b = ctx;

	(void)msg;
	batch_free(b);
	free(b);
	pthread_mutex_lock(&w.mu);
	if (status == 201)
		w.count201++;
	else if (status == 200)
		w.count200++;
	else
		w.other++;
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

/* Batch i's body: a sample of one container and a decision about it, in run (NULL: none). */
static void batch_body(char *body, size_t cap, const char *id, const char *run, int i)
{
	char rp[96] = "";

	if (run)
		snprintf(rp, sizeof(rp), "\"run\":\"%s\",", run);
	snprintf(body, cap,
		 "{\"batch_id\":\"%s\",\"host\":\"h\",%s\"records\":["
		 "{\"type\":\"sample\",\"ts_ns\":%d,\"cycle\":%d,\"source\":\"procfs\","
		 "\"memory\":{\"total_kb\":100,\"used_kb\":%d,\"available_kb\":1},\"cpu_pct\":1,"
		 "\"containers\":[{\"id\":\"c%d\",\"name\":\"web-%d\",\"class\":\"high\","
		 "\"label_class\":\"high-cpu\",\"cpu_pct\":9,\"rss_kb\":1,\"mem_kb\":2,"
		 "\"mem_pct\":0.5,\"procs\":1}]},"
		 "{\"type\":\"decision\",\"ts_ns\":%d,\"cycle\":%d,\"container\":{\"id\":\"c%d\","
		 "\"name\":\"web-%d\"},\"class\":\"high\",\"action\":\"%s\",\"reason\":\"r\","
		 "\"rank\":1,\"metrics\":{\"cpu_pct\":1,\"rss_kb\":1,\"mem_kb\":2,\"mem_pct\":0.5}}"
		 "]}",
		 id, rp, 1000 + 2 * i, i, i, i % 5, i % 5, 1001 + 2 * i, i, i % 5, i % 5,
		 i % 10 == 0 ? "removed" : "kept");
}

static void submit(struct store *s, const char *id, int i)
{
	char body[1024], err[256];
	struct batch *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	batch_body(body, sizeof(body), id, NULL, i);
	assert_int_equal(batch_parse(body, strlen(body), "auto", b, err, sizeof(err)), BATCH_OK);
	pthread_mutex_lock(&w.mu);
	w.pending++;
	pthread_mutex_unlock(&w.mu);
	assert_int_equal(store_submit_batch(s, b, done, b), 0);
}

struct thr {
	struct store *s;
	int base;
};

static void *submitter(void *arg)
{
	struct thr *t = arg;
	char id[32];

	for (int i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "t%d-%d", t->base, i);
		submit(t->s, id, t->base * 50 + i);
	}
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/gestor-al-store-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(db, sizeof(db), "%s/t.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return util_rm_tree(dir);
}

static void run_query(const char *args[][2], size_t n, json_t **doc)
{
	struct query q;
	struct store *s;
	char err[256], *out = NULL;
	size_t len;

	query_init(&q);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(query_set(&q, args[i][0], args[i][1], err, sizeof(err)), 0);
	assert_int_equal(store_open(&s, db, 64, false, err, sizeof(err)), 0);
	assert_int_equal(store_query_logs(s, &q, &out, &len, err, sizeof(err)), 0);
	store_close(s);
	*doc = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(*doc);
}

static json_int_t count_of(const char *args[][2], size_t n)
{
	json_t *doc;
	json_int_t c;

	run_query(args, n, &doc);
	c = json_integer_value(json_object_get(doc, "count"));
	json_decref(doc);
	return c;
}

static void test_group_commit_and_query(void **state)
{
	struct store *s;
	struct store_stats st;
	char err[256];
	pthread_t th[4];
	struct thr t[4];

	(void)state;
	assert_int_equal(store_open(&s, db, 64, false, err, sizeof(err)), 0);
	for (int i = 0; i < 4; i++) {
		t[i] = (struct thr){ s, i };
		pthread_create(&th[i], NULL, submitter, &t[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	wait_all();
	assert_int_equal(w.count201, 200);
	assert_int_equal(w.other, 0);
	submit(s, "t0-0", 0); /* a retry */
	wait_all();
	assert_int_equal(w.count200, 1);
	store_get_stats(s, &st);
	assert_int_equal(st.batches, 200);
	assert_int_equal(st.records, 400);
	assert_true(st.commits >= 1 && st.commits <= 201);
	print_message("# %llu commits for 201 batches\n", (unsigned long long)st.commits);
	store_close(s);

	/* reopened: everything is there */
	assert_int_equal(store_open(&s, db, 64, false, err, sizeof(err)), 0);
	store_get_stats(s, &st);
	assert_int_equal(st.batches, 200);
	assert_int_equal(st.records, 400);
	store_close(s);

	const char *a1[][2] = { { "type", "sample" }, { "limit", "10000" } };
	assert_int_equal(count_of(a1, 2), 200);
	const char *a2[][2] = { { "action", "removed" } };
	assert_int_equal(count_of(a2, 1), 20);
	const char *a3[][2] = { { "container", "web-3" }, { "limit", "10000" } };
	assert_int_equal(count_of(a3, 2), 80); /* 40 decisions + 40 samples listing it */
	const char *a4[][2] = { { "batch", "t2-7" } };
	assert_int_equal(count_of(a4, 1), 2);
	const char *a5[][2] = { { "since", "1000" }, { "until", "1009" } };
	assert_int_equal(count_of(a5, 2), 10);
	const char *a6[][2] = { { "limit", "7" }, { "offset", "395" } };
	json_t *doc;
	run_query(a6, 2, &doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "count")), 5);
	assert_true(json_is_null(json_object_get(doc, "next_offset")));
	json_t *r0 = json_array_get(json_object_get(doc, "records"), 0);
	assert_non_null(json_string_value(json_object_get(r0, "batch_id")));
	assert_true(json_integer_value(json_object_get(r0, "stored_ns")) > 0);
	json_decref(doc);
	const char *a7[][2] = { { "limit", "7" } };
	run_query(a7, 1, &doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "next_offset")), 7);
	json_decref(doc);
}

/* Batch id of batch_body's i, in run, to s; wait_all() waits for it. */
static void submit_run(struct store *s, const char *id, const char *run, int i)
{
	char body[1024], err[256];
	struct batch *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	batch_body(body, sizeof(body), id, run, i);
	assert_int_equal(batch_parse(body, strlen(body), "auto", b, err, sizeof(err)), BATCH_OK);
	pthread_mutex_lock(&w.mu);
	w.pending++;
	pthread_mutex_unlock(&w.mu);
	assert_int_equal(store_submit_batch(s, b, done, b), 0);
}

/* Query q of g (with arguments a), positioned on its first row (which must come). */
static void gv_first(struct store_graph *g, enum sg_query q, const struct sg_arg *a)
{
	char err[256];

	assert_int_equal(store_graph_query(g, q, a, err, sizeof(err)), 0);
	if (store_graph_next(g, err, sizeof(err)) != 1)
		fail_msg("no row: %s", err);
}

/* The rows left of g's query after its first. */
static int gv_rest(struct store_graph *g)
{
	char err[256];
	int n = 0;

	while (store_graph_next(g, err, sizeof(err)) == 1)
		n++;
	return n;
}

/*
 * The graphs' queries on SQLite (store_graph.h): run r.1 (samples at 1006
 * and 1008 of c3 and c4, host h) and r.2 (a removal at 1021), through the
 * store's view; another host's view has none of them.
 */
static void test_graph_view(void **state)
{
	const struct sg_arg r1[] = { { .s = "r.1" } }, r2[] = { { .s = "r.2" } },
			    top[] = { { .i = 4 }, { .s = "r.1" } };
	struct store_graph *g = NULL;
	struct store *s;
	char err[256];

	(void)state;
	assert_int_equal(store_open(&s, db, 64, false, err, sizeof(err)), 0);
	submit_run(s, "g1", "r.1", 3);
	submit_run(s, "g2", "r.1", 4);
	submit_run(s, "g3", "r.2", 10);
	wait_all();
	assert_int_equal(store_graph_open(s, "h", &g, err, sizeof(err)), 0);
	gv_first(g, SG_LATEST_RUN, NULL);
	assert_string_equal(store_graph_text(g, 0), "r.2");
	gv_first(g, SG_RANGE, r1);
	assert_int_equal(store_graph_num(g, 0) * 10000 + store_graph_num(g, 1) * 10 +
				 store_graph_num(g, 2),
			 1006 * 10000 + 1008 * 10 + 2);
	gv_first(g, SG_SAMPLES_SORTED, r1);
	assert_int_equal(store_graph_num(g, 0), 1006); /* ts, used_kb 3, one high */
	assert_int_equal(store_graph_num(g, 1), 3);
	assert_int_equal(store_graph_num(g, 5), 1);
	assert_null(store_graph_text(g, 8));
	gv_first(g, SG_TOP_CPU, top);
	assert_int_equal(gv_rest(g), 1); /* c3 and c4 */
	gv_first(g, SG_REMOVED_COUNT, r2);
	assert_int_equal(store_graph_num(g, 0), 1);
	gv_first(g, SG_RUNS, NULL);
	assert_string_equal(store_graph_text(g, 0), "r.2");
	assert_int_equal(gv_rest(g), 1);
	store_graph_close(g);
	assert_int_equal(store_graph_open(s, "x", &g, err, sizeof(err)), 0);
	assert_int_equal(store_graph_query(g, SG_RUN_FOUND, r1, err, sizeof(err)), 0);
	assert_int_equal(store_graph_next(g, err, sizeof(err)), 0);
	store_graph_close(g);
	store_close(s);
}

static void test_query_params(void **state)
{
	struct query q;
	char err[256];
	int64_t ns;

	(void)state;
	assert_int_equal(query_parse_time("1764338400000000000", &ns), 0);
	assert_int_equal(ns, 1764338400000000000LL);
	assert_int_equal(query_parse_time("2025-11-28T14:00:00Z", &ns), 0);
	assert_int_equal(ns, 1764338400000000000LL);
	assert_int_equal(query_parse_time("2025-11-28T14:00:00.5Z", &ns), 0);
	assert_int_equal(ns, 1764338400500000000LL);
	assert_int_equal(query_parse_time("2025-11-28T14:00:00+00:00", &ns), 0);
	assert_int_equal(query_parse_time("2025-11-28T14:00:00+01:00", &ns), -EINVAL);
	assert_int_equal(query_parse_time("2025-11-28", &ns), -EINVAL);
	assert_int_equal(query_parse_time("-5", &ns), -EINVAL);
	assert_int_equal(query_parse_time("", &ns), -EINVAL);
	query_init(&q);
	assert_int_equal(query_set(&q, "limit", "0", err, sizeof(err)), -EINVAL);
	assert_int_equal(query_set(&q, "limit", "10001", err, sizeof(err)), -EINVAL);
	assert_int_equal(query_set(&q, "offset", "x", err, sizeof(err)), -EINVAL);
	assert_int_equal(query_set(&q, "type", "both", err, sizeof(err)), -EINVAL);
	assert_int_equal(query_set(&q, "batch", "a b", err, sizeof(err)), -EINVAL);
	assert_int_equal(query_set(&q, "order", "up", err, sizeof(err)), -EINVAL);
	assert_int_equal(query_set(&q, "colour", "red", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "colour"));
	assert_int_equal(query_set(&q, "container", "", err, sizeof(err)), -EINVAL);
	assert_int_equal(query_set(&q, "order", "desc", err, sizeof(err)), 0);
	assert_true(q.desc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_commit_and_query, setup, teardown),
		cmocka_unit_test(test_query_params),
		cmocka_unit_test_setup_teardown(test_graph_view, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
