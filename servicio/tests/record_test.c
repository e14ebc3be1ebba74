/*
 * record_test.c — unit tests for record.c's batch: written one record at a
 * time, it must still be one JSON document with the envelope, the sample
 * (every measured container) and one decision per decided container, at
 * 500 containers, with hostile names kept byte for byte and a record
 * larger than the writer's buffer.
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

#include "../record.h"

#define N 500

struct fixture {
	struct docker_container dc[N];
	struct ctr_stat st[N];
	struct policy_decision dec[N];
	struct cycle_row rows[N];
	struct cycle c;
};

/* N containers: every one measured, the even ones decided (kept, then removed). */
static struct fixture *fixture_new(void)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	size_t nd = 0;

	assert_non_null(fx);
	for (size_t i = 0; i < N; i++) {
		snprintf(fx->dc[i].id, sizeof(fx->dc[i].id), "%064zx", i + 1);
		snprintf(fx->dc[i].name, sizeof(fx->dc[i].name), "ctr-%zu", i);
		fx->st[i].cpu_pct = (double)i / 10.0;
		fx->st[i].has_cpu = true;
		fx->st[i].rss_kb = 1000 + i;
		fx->st[i].mem_kb = 2000 + i;
		fx->st[i].procs = 1;
		fx->rows[i].dc = &fx->dc[i];
		fx->rows[i].st = &fx->st[i];
		fx->rows[i].pc.managed = true;
		if (i % 2 == 0) {
			fx->dec[nd].idx = i;
			fx->dec[nd].cls = POLICY_LOW;
			fx->dec[nd].rank = (int)nd + 1;
			fx->rows[i].dec = &fx->dec[nd];
			fx->rows[i].action = nd < 3 ? CYCLE_KEPT : CYCLE_REMOVED;
			snprintf(fx->rows[i].reason, sizeof(fx->rows[i].reason), "rank %zu",
				 nd + 1);
			nd++;
		}
	}
	/* a class label longer than the writer's 4 KiB buffer for one record */
	static char long_class[6000];
	static struct docker_label lab = { "gestor.class", long_class };

	memset(long_class, 'x', sizeof(long_class) - 1);
	fx->dc[2].labels = &lab;
	fx->dc[2].nlabels = 1;
	/* a name with every character JSON must escape, and non-ASCII */
	snprintf(fx->dc[1].name, sizeof(fx->dc[1].name), "q\"b\\s/\n\t\x01 \xc3\xa9");
	fx->c.number = 42;
	fx->c.cur.timestamp_ns = 1700000000000000000ull;
	fx->c.cur.source = SNAP_SRC_BPF;
	fx->c.rows = fx->rows;
	fx->c.nrows = N;
	fx->c.dec = fx->dec;
	fx->c.ndec = nd;
	return fx;
}

static void test_batch(void **state)
{
	struct fixture *fx = fixture_new();
	struct record_ctx x = { .run_id = "run-1", .host = "h\"ost", .keep_low = 3 };
	json_error_t jerr;
	char *body;
	json_t *doc, *recs, *ctrs;

	(void)state;
	body = record_batch(&fx->c, &x);
	assert_non_null(body);
	doc = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		fail_msg("not JSON: %s at %d", jerr.text, jerr.position);
	assert_string_equal(json_string_value(json_object_get(doc, "batch_id")), "run-1-42");
	assert_string_equal(json_string_value(json_object_get(doc, "host")), "h\"ost");
	assert_string_equal(json_string_value(json_object_get(doc, "run")), "run-1");
	recs = json_object_get(doc, "records");
	assert_int_equal(json_array_size(recs), 1 + fx->c.ndec);

	/* the sample: every container, in row order, the hostile name intact */
	json_t *sample = json_array_get(recs, 0);
	assert_string_equal(json_string_value(json_object_get(sample, "type")), "sample");
	assert_int_equal(json_integer_value(json_object_get(sample, "cycle")), 42);
	assert_string_equal(json_string_value(json_object_get(sample, "source")), "bpf");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(sample, "quota"), "keep_low")),
		3);
	ctrs = json_object_get(sample, "containers");
	assert_int_equal(json_array_size(ctrs), N);
	for (size_t i = 0; i < N; i++) {
		json_t *o = json_array_get(ctrs, i);

		assert_string_equal(json_string_value(json_object_get(o, "id")), fx->dc[i].id);
		assert_string_equal(json_string_value(json_object_get(o, "name")), fx->dc[i].name);
		assert_int_equal(json_integer_value(json_object_get(o, "mem_kb")), 2000 + i);
	}
	assert_int_equal(
		strlen(json_string_value(json_object_get(json_array_get(ctrs, 2), "label_class"))),
		5999);

	/* the decisions, in policy order, with their actions */
	for (size_t k = 0; k < fx->c.ndec; k++) {
		json_t *d = json_array_get(recs, 1 + k);
		const struct cycle_row *r = &fx->rows[fx->dec[k].idx];

		assert_string_equal(json_string_value(json_object_get(d, "type")), "decision");
		assert_string_equal(
			json_string_value(json_object_get(json_object_get(d, "container"), "id")),
			r->dc->id);
		assert_string_equal(json_string_value(json_object_get(d, "action")),
				    k < 3 ? "kept" : "removed");
		assert_int_equal(json_integer_value(json_object_get(d, "rank")), k + 1);
	}
	json_decref(doc);
	free(body);
	free(fx);
}

/* No containers and no decisions: still a valid batch with an empty sample. */
static void test_empty(void **state)
{
	struct cycle c = { .number = 1 };
	struct record_ctx x = { .run_id = "r", .host = "h" };
	char *body;
	json_t *doc;

	(void)state;
	body = record_batch(&c, &x);
	assert_non_null(body);
	doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	json_t *recs = json_object_get(doc, "records");
	assert_int_equal(json_array_size(recs), 1);
	assert_int_equal(json_array_size(json_object_get(json_array_get(recs, 0), "containers")),
			 0);
	json_decref(doc);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
