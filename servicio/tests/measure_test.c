/*
 * measure_test.c — the measuring stage (measure.c) on a document captured
 * from the real module (servicio/tests/fixtures/module/containers.json,
 * forced module source) and a fake Docker Engine (tests/fakedocker.h):
 * the snapshot and its source; the container list asked once, then only
 * a ping while the set of containers stays the same, asked again after a
 * removal (measure_forget_list), and not trusted (asked again) when a
 * container of the snapshot is missing from Docker's list; the lifetime
 * CPU rate of first-seen managed containers, computed here from the raw
 * document (CPU time of their processes over the age of the oldest); a
 * settle wait that is skipped when the manager is stopping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../decide.h"
#include "../measure.h"
#include "fakedocker.h"

static char doc_path[1024];
static json_t *doc;
static bool list_all = true; /* list every container of the document, or all but one */

/* the document's container ids, sorted, and their count */
static char ids[16][GESTOR_CTR_ID_LEN + 1];
static size_t nids;

static int handler(void *ctx, const char *method, const char *path, const char *body, int *status,
		   char *out, size_t outlen)
{
	(void)ctx;
	(void)body;
	if (strcmp(method, "GET") == 0 && strstr(path, "/_ping")) {
		*status = 200;
		snprintf(out, outlen, "OK");
	} else if (strcmp(method, "GET") == 0 && strstr(path, "/containers/json")) {
		json_t *a = json_array();
		char *s;

		for (size_t i = list_all ? 0 : 1; i < nids; i++) {
			char name[32];

			snprintf(name, sizeof(name), "/c%zu", i);
			json_array_append_new(
				a, json_pack("{s:s,s:[s],s:s,s:s,s:s,s:s,s:i,s:{s:s}}", "Id",
					     ids[i], "Names", name, "Image", "gestor/low:latest",
					     "ImageID", "sha256:0", "State", "running", "Status",
					     "Up", "Created", 1000, "Labels", "gestor.managed",
					     i % 2 ? "true" : "false"));
		}
		s = json_dumps(a, JSON_COMPACT);
		*status = 200;
		snprintf(out, outlen, "%s", s);
		free(s);
		json_decref(a);
	}
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int setup(void **state)
{
	const char *top = getenv("GESTOR_TOP");
	json_t *p;
	size_t i;

	(void)state;
	snprintf(doc_path, sizeof(doc_path), "%s/servicio/tests/fixtures/module/containers.json",
		 top ? top : ".");
	doc = json_load_file(doc_path, 0, NULL);
	if (!doc)
		return -1;
	json_array_foreach(json_object_get(doc, "processes"), i, p)
	{
		const char *c = json_string_value(json_object_get(p, "container_id"));
		bool seen = false;

		if (!c || !c[0])
			continue;
		for (size_t k = 0; k < nids; k++)
			seen = seen || strcmp(ids[k], c) == 0;
		if (!seen && nids < 16)
			snprintf(ids[nids++], sizeof(ids[0]), "%s", c);
	}
	qsort(ids, nids, sizeof(ids[0]), cmp_id);
	return nids >= 3 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(doc);
	return 0;
}

static struct docker *open_fake(const char *socket)
{
	struct docker_opts o = { .socket_path = socket, .api_version = "1.41", .timeout_ms = 5000 };
	struct docker *d = NULL;
	char err[256];

	assert_int_equal(docker_open(&d, &o, err, sizeof(err)), 0);
	return d;
}

static void open_measure(struct measure *ms, int settle_ms)
{
	struct metrics_config mc = { .forced = true,
				     .source = SNAP_SRC_MODULE,
				     .module_path = doc_path };

	char why[256];

	assert_int_equal(measure_open(ms, &mc, settle_ms, NULL, why, sizeof(why)), 0);
}

static void test_sample_and_list(void **state)
{
	struct fakedocker fd;
	struct measure ms;
	struct cycle c = { 0 };
	struct docker *d;
	const char *what = NULL;
	char err[256];

	(void)state;
	assert_int_equal(fakedocker_start(&fd, handler, NULL), 0);
	d = open_fake(fd.socket);
	open_measure(&ms, 1000);
	list_all = true;

	assert_int_equal(measure_sample(&ms, &c), 0);
	assert_int_equal(c.cur.source, SNAP_SRC_MODULE);
	assert_int_equal(c.cur.nprocs, json_array_size(json_object_get(doc, "processes")));
	assert_int_equal(c.cur.nctrs, nids);
	assert_int_equal(c.cs.nctrs, nids);
	for (size_t i = 0; i < nids; i++)
		assert_false(c.cs.ctrs[i].has_cpu); /* first sight: no interval rate */

	assert_int_equal(measure_list(&ms, d, &c, &what, err, sizeof(err)), 0);
	assert_string_equal(what, "list containers");
	assert_ptr_equal(c.dl, &ms.dl);
	assert_int_equal(ms.dl.n, nids);
	assert_true(ms.dl_valid);
	/* the same set: a ping only */
	assert_int_equal(measure_list(&ms, d, &c, &what, err, sizeof(err)), 0);
	assert_string_equal(what, "ping");
	assert_int_equal(fakedocker_count(&fd, "GET", "/containers/json"), 1);
	assert_int_equal(fakedocker_count(&fd, "GET", "/_ping"), 1);
	/* after a removal: listed again */
	measure_forget_list(&ms);
	assert_int_equal(measure_list(&ms, d, &c, &what, err, sizeof(err)), 0);
	assert_string_equal(what, "list containers");
	assert_int_equal(fakedocker_count(&fd, "GET", "/containers/json"), 2);

	/* Docker does not list one of the snapshot's containers yet: the list
	 * is not trusted, and asked again next time */
	list_all = false;
	measure_forget_list(&ms);
	assert_int_equal(measure_list(&ms, d, &c, &what, err, sizeof(err)), 0);
	assert_false(ms.dl_valid);
	assert_int_equal(measure_list(&ms, d, &c, &what, err, sizeof(err)), 0);
	assert_string_equal(what, "list containers");
	assert_int_equal(fakedocker_count(&fd, "GET", "/containers/json"), 4);

	measure_advance(&ms, &c);
	measure_close(&ms);
	docker_close(d);
	fakedocker_stop(&fd);

	/* Docker gone: the list fails and says which call */
	d = open_fake("/nonexistent/docker.sock");
	open_measure(&ms, 1000);
	memset(&c, 0, sizeof(c));
	assert_int_equal(measure_sample(&ms, &c), 0);
	assert_true(measure_list(&ms, d, &c, &what, err, sizeof(err)) < 0);
	assert_string_equal(what, "list containers");
	measure_advance(&ms, &c);
	measure_close(&ms);
	docker_close(d);
}

static bool not_stopping(void)
{
	return false;
}

static bool stopping(void)
{
	return true;
}

/* The lifetime rate of container id, from the raw document. */
static double lifetime_pct(const char *id)
{
	uint64_t boot = (uint64_t)json_integer_value(json_object_get(doc, "boottime_ns"));
	uint64_t cpu = 0, first = UINT64_MAX;
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(doc, "processes"), i, p)
	{
		const char *c = json_string_value(json_object_get(p, "container_id"));
		uint64_t st = (uint64_t)json_integer_value(json_object_get(p, "start_time_ns"));

		if (!c || strcmp(c, id) != 0)
			continue;
		cpu += (uint64_t)json_integer_value(json_object_get(p, "cpu_time_ns"));
		if (st < first)
			first = st;
	}
	return (double)cpu * 100.0 / (double)(boot - first);
}

static void test_settle(void **state)
{
	struct fakedocker fd;
	struct measure ms;
	struct cycle c = { 0 };
	struct docker *d;
	const char *what;
	char err[256];
	size_t rated = 0;

	(void)state;
	assert_int_equal(fakedocker_start(&fd, handler, NULL), 0);
	d = open_fake(fd.socket);
	list_all = true;

	/* settle 1 ms: every managed container (odd index) is old enough */
	open_measure(&ms, 1);
	assert_int_equal(measure_sample(&ms, &c), 0);
	assert_int_equal(measure_list(&ms, d, &c, &what, err, sizeof(err)), 0);
	measure_settle(&ms, &c, not_stopping);
	assert_false(c.settled);
	for (size_t i = 0; i < nids; i++) {
		const struct ctr_stat *st = ctrstats_find(&c.cs, ids[i]);

		assert_non_null(st);
		if (i % 2 == 0) {
			assert_false(st->has_cpu); /* not managed: left alone */
			continue;
		}
		assert_true(st->has_cpu);
		assert_true(st->cpu_pct >= 0);
		assert_true(st->cpu_pct > lifetime_pct(ids[i]) - 1e-6 &&
			    st->cpu_pct < lifetime_pct(ids[i]) + 1e-6);
		rated++;
	}
	assert_int_equal(rated, nids / 2);
	measure_advance(&ms, &c);
	measure_close(&ms);

	/* settle far in the future: the cycle would wait; stopping: it does not */
	memset(&c, 0, sizeof(c));
	open_measure(&ms, 1000000000);
	assert_int_equal(measure_sample(&ms, &c), 0);
	assert_int_equal(measure_list(&ms, d, &c, &what, err, sizeof(err)), 0);
	measure_settle(&ms, &c, stopping);
	assert_true(c.settled);
	for (size_t i = 0; i < nids; i++)
		assert_false(ctrstats_find(&c.cs, ids[i])->has_cpu);
	measure_advance(&ms, &c);
	measure_close(&ms);
	docker_close(d);
	fakedocker_stop(&fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_and_list),
		cmocka_unit_test(test_settle),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
