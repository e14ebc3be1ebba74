/*
 * record_test.c — unit tests for record.c's batch: written one record at a
 * time, it must still be one JSON document with the envelope, the sample
 * (every measured container) and one decision per decided container, at
 * 500 containers, with hostile names kept byte for byte and a record
 * larger than the writer's buffer; the cycle's table: the decided rows in
 * policy order with their action or the rail that kept them, the undecided
 * managed ones, admin_logs and servicio with their note, the unmanaged
 * counted on a last line, the title with the source, dry-run and CPU.
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
			snprintf(fx->dec[nd].reason, sizeof(fx->dec[nd].reason), "rank %zu",
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

/*
 * The cgroup and network counters: summed over devices and interfaces,
 * each group only when read, a counter past INT64_MAX capped, none at all
 * without x->io (an old record's shape).
 */
static void test_io(void **state)
{
	struct fixture *fx = fixture_new();
	struct ctrio *io = calloc(N, sizeof(*io));
	struct record_ctx x = { .run_id = "r", .host = "h", .io = io };
	json_t *doc, *c0, *c1;
	char *body;

	(void)state;
	assert_non_null(io);
	io[0] = (struct ctrio){ .has_cpu = true,
				.cpu_ns = 2500000000ull,
				.has_cfs = true,
				.nr_periods = 40,
				.nr_throttled = 7,
				.throttled_ns = 350000000,
				.has_pids = true,
				.processes = 2,
				.threads = 9,
				.has_oom = true,
				.oom_kill = 1,
				.has_io = true,
				.ndev = 2,
				.has_net = true,
				.nif = 2 };
	io[0].dev[0] = (struct ctrio_dev){ .rbytes = 100, .wbytes = 200, .rios = 1, .wios = 2 };
	io[0].dev[1] = (struct ctrio_dev){ .rbytes = 1000, .wbytes = UINT64_MAX, .rios = 10 };
	io[0].ifs[0] = (struct ctrio_if){ .rx_bytes = 5, .rx_packets = 1, .tx_bytes = 7 };
	io[0].ifs[1] = (struct ctrio_if){ .rx_bytes = 50, .tx_packets = 3 };
	/* a network namespace with lo alone: no network fields */
	io[1] = (struct ctrio){ .has_pids = true, .processes = 1, .threads = 1, .has_net = true };
	body = record_batch(&fx->c, &x);
	assert_non_null(body);
	doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	json_t *ctrs =
		json_object_get(json_array_get(json_object_get(doc, "records"), 0), "containers");
	c0 = json_array_get(ctrs, 0);
	c1 = json_array_get(ctrs, 1);
#define GETI(o, k) json_integer_value(json_object_get(o, k))
	assert_true(json_real_value(json_object_get(c0, "cpu_seconds")) == 2.5);
	assert_int_equal(GETI(c0, "cfs_periods"), 40);
	assert_int_equal(GETI(c0, "cfs_throttled_periods"), 7);
	assert_true(json_real_value(json_object_get(c0, "cfs_throttled_seconds")) == 0.35);
	assert_int_equal(GETI(c0, "threads"), 9);
	assert_int_equal(GETI(c0, "processes"), 2);
	assert_int_equal(GETI(c0, "oom_events"), 1);
	assert_int_equal(GETI(c0, "blk_read_bytes"), 1100);
	assert_int_equal(GETI(c0, "blk_write_bytes"), INT64_MAX); /* capped, not wrapped */
	assert_int_equal(GETI(c0, "blk_reads"), 11);
	assert_int_equal(GETI(c0, "blk_writes"), 2);
	assert_int_equal(GETI(c0, "net_rx_bytes"), 55);
	assert_int_equal(GETI(c0, "net_rx_packets"), 1);
	assert_int_equal(GETI(c0, "net_tx_bytes"), 7);
	assert_int_equal(GETI(c0, "net_tx_packets"), 3);
#undef GETI
	assert_int_equal(json_integer_value(json_object_get(c1, "threads")), 1);
	assert_null(json_object_get(c1, "net_rx_bytes"));
	assert_null(json_object_get(c1, "blk_read_bytes"));
	assert_null(json_object_get(c1, "cpu_seconds"));
	assert_null(json_object_get(json_array_get(ctrs, 2), "threads")); /* nothing read */
	json_decref(doc);
	free(body);
	/* without x->io: the record of a servicio before the counters */
	x.io = NULL;
	body = record_batch(&fx->c, &x);
	assert_non_null(body);
	assert_null(strstr(body, "threads"));
	free(body);
	free(io);
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

/* Whether the line starting at line[1] (line: its leading '\n') holds text. */
static bool line_has(const char *line, const char *text)
{
	const char *end = strchr(line + 1, '\n'), *t = strstr(line + 1, text);

	return t && (!end || t < end);
}

/* The table of a small cycle, read back line by line. */
static void test_table(void **state)
{
	struct docker_container dc[7] = { 0 };
	struct ctr_stat st[7] = { 0 };
	struct cycle_row rows[7] = { 0 };
	struct policy_decision dec[3] = { 0 };
	struct cycle c = { .number = 7, .rows = rows, .nrows = 7, .dec = dec, .ndec = 3 };
	struct record_ctx x = { .run_id = "r", .host = "h", .dry_run = true };
	static const char *const names[] = { "hot",	 "cold", "young",   "watcher",
					     "servicio", "idle", "stranger" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		snprintf(dc[i].id, sizeof(dc[i].id), "%064zx", i + 0xabc0);
		snprintf(dc[i].name, sizeof(dc[i].name), "%s", names[i]);
		st[i].has_cpu = true;
		st[i].cpu_pct = 10.0 * (double)i;
		st[i].mem_kb = 1024 * (i + 1);
		rows[i].dc = &dc[i];
		rows[i].st = &st[i];
		rows[i].pc.managed = i < 3 || i == 5;
	}
	/* decided, in policy order: cold (rank 1) kept, hot removed, young
	 * kept by the grace rail */
	dec[0] = (struct policy_decision){ .idx = 1, .cls = POLICY_LOW, .keep = true, .rank = 1 };
	dec[1] = (struct policy_decision){ .idx = 0, .cls = POLICY_HIGH, .rank = 1 };
	dec[2] = (struct policy_decision){ .idx = 2, .cls = POLICY_LOW, .rank = 2 };
	rows[1].dec = &dec[0];
	rows[1].action = CYCLE_KEPT;
	rows[0].dec = &dec[1];
	rows[0].action = CYCLE_WOULD_REMOVE;
	rows[2].dec = &dec[2];
	rows[2].action = CYCLE_KEPT;
	rows[2].hold = CYCLE_HOLD_GRACE;
	rows[3].pc.admin_logs = true;
	rows[3].note = "the log server";
	rows[4].pc.self = true;
	rows[4].st = NULL; /* no processes seen: no rate */
	rows[5].note = "not measured yet";
	rows[5].st = NULL;
	/* rows[6]: unmanaged, not shown */

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	record_table(f, &c, &x);
	fclose(f);
	assert_non_null(buf);
	/* the title: cycle, source, dry-run; the counts */
	assert_non_null(strstr(buf, "cycle 7 · "));
	assert_non_null(strstr(buf, " · dry-run · CPU 0.0%"));
	assert_non_null(strstr(buf, "(3 managed, 2 kept, 1 removed)"));
	/* decided rows first, in policy order */
	char *cold = strstr(buf, "\ncold "), *hot = strstr(buf, "\nhot "),
	     *young = strstr(buf, "\nyoung ");
	assert_true(cold && hot && young && cold < hot && hot < young);
	assert_true(line_has(cold, "kept"));
	assert_true(line_has(hot, "would_remove"));
	assert_true(line_has(young, "kept (grace age)"));
	/* the undecided shown with their notes, without a rate when unmeasured */
	char *w = strstr(buf, "\nwatcher "), *sv = strstr(buf, "\nservicio "),
	     *idle = strstr(buf, "\nidle ");
	assert_true(w && sv && idle);
	assert_true(line_has(w, "the log server"));
	assert_true(line_has(idle, "not measured yet"));
	assert_true(line_has(cold, " 10.0 ")); /* its CPU % */
	assert_false(line_has(idle, "50.0")); /* unmeasured: no rate of its own */
	assert_non_null(strstr(buf, "(+1 other containers, not managed: not shown)"));
	assert_null(strstr(buf, "stranger"));
	assert_null(strchr(buf, '\033')); /* no colour asked */
	free(buf);

	/* with colour: escape codes; without dry-run: not in the title */
	x.colour = true;
	x.dry_run = false;
	c.cs.has_sys_cpu = true;
	c.cs.sys_cpu_pct = 42.5;
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	record_table(f, &c, &x);
	fclose(f);
	assert_non_null(strchr(buf, '\033'));
	assert_null(strstr(buf, "dry-run"));
	assert_non_null(strstr(buf, "CPU 42.5%"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
