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
#include <inttypes.h>
#include <jansson.h>
#include <math.h>

#include "../metrics.h"
#include "../record.h"

#define N 500

struct fixture {
	struct docker_container dc[N];
	struct snap_ctr sc[N]; /* the snapshot's groups, which the stats view */
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
		fx->sc[i].rss_kb = 1000 + i;
		fx->sc[i].nprocs = 1;
		fx->st[i].ctr = &fx->sc[i];
		fx->st[i].mem_kb = 2000 + i;
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

/* ---------- the batch as jansson's trees wrote it (the writer before) ---------- */

#define REF_JSON (JSON_COMPACT | JSON_REAL_PRECISION(6))

static double ref_clamp(double v, double lo, double hi)
{
	if (!(v >= lo))
		return lo;
	return v > hi ? hi : v;
}

static const char *ref_class(const struct cycle_row *r)
{
	return policy_class_name(r->dec ? r->dec->cls : POLICY_NONE);
}

static const char *ref_role(const struct cycle_row *r)
{
	if (r->pc.admin_logs)
		return GESTOR_ROLE_ADMIN_LOGS;
	if (r->pc.self)
		return GESTOR_ROLE_SELF;
	return r->pc.managed ? GESTOR_ROLE_MANAGED : GESTOR_ROLE_UNMANAGED;
}

static json_t *ref_u64(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static uint64_t ref_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void ref_io(json_t *o, const struct ctrio *io)
{
	uint64_t b[4] = { 0 }, n[4] = { 0 };

	if (!o || !io)
		return;
	if (io->has_cpu)
		json_object_set_new(o, "cpu_seconds", json_real((double)io->cpu_ns / 1e9));
	if (io->has_cfs) {
		json_object_set_new(o, "cfs_periods", ref_u64(io->nr_periods));
		json_object_set_new(o, "cfs_throttled_periods", ref_u64(io->nr_throttled));
		json_object_set_new(o, "cfs_throttled_seconds",
				    json_real((double)io->throttled_ns / 1e9));
	}
	if (io->has_pids) {
		json_object_set_new(o, "processes", ref_u64(io->processes));
		json_object_set_new(o, "threads", ref_u64(io->threads));
	}
	if (io->has_oom)
		json_object_set_new(o, "oom_events", ref_u64(io->oom_kill));
	for (size_t d = 0; io->has_io && d < io->ndev; d++) {
		b[0] = ref_add(b[0], io->dev[d].rbytes);
		b[1] = ref_add(b[1], io->dev[d].wbytes);
		b[2] = ref_add(b[2], io->dev[d].rios);
		b[3] = ref_add(b[3], io->dev[d].wios);
	}
	for (size_t f = 0; io->has_net && f < io->nif; f++) {
		n[0] = ref_add(n[0], io->ifs[f].rx_bytes);
		n[1] = ref_add(n[1], io->ifs[f].rx_packets);
		n[2] = ref_add(n[2], io->ifs[f].tx_bytes);
		n[3] = ref_add(n[3], io->ifs[f].tx_packets);
	}
	if (io->has_io) {
		json_object_set_new(o, "blk_read_bytes", ref_u64(b[0]));
		json_object_set_new(o, "blk_write_bytes", ref_u64(b[1]));
		json_object_set_new(o, "blk_reads", ref_u64(b[2]));
		json_object_set_new(o, "blk_writes", ref_u64(b[3]));
	}
	if (io->has_net && io->nif > 0) {
		json_object_set_new(o, "net_rx_bytes", ref_u64(n[0]));
		json_object_set_new(o, "net_rx_packets", ref_u64(n[1]));
		json_object_set_new(o, "net_tx_bytes", ref_u64(n[2]));
		json_object_set_new(o, "net_tx_packets", ref_u64(n[3]));
	}
}

/* o's text after a comma unless first; a NULL tree left out (o consumed) */
static void ref_put(FILE *f, json_t *o, bool *first)
{
	char *t = o ? json_dumps(o, REF_JSON) : NULL;

	if (t) {
		fprintf(f, "%s%s", *first ? "" : ",", t);
		*first = false;
	}
	free(t);
	json_decref(o);
}

/* o's text without its closing brace */
static void ref_open(FILE *f, json_t *o)
{
	char *t = json_dumps(o, REF_JSON);

	assert_non_null(t);
	fwrite(t, 1, strlen(t) - 1, f);
	free(t);
	json_decref(o);
}

static char *ref_batch(const struct cycle *c, const struct record_ctx *x)
{
	const struct snapshot *s = &c->cur;
	char bid[80], *body = NULL;
	size_t len = 0;
	bool first = true;
	FILE *f = open_memstream(&body, &len);

	assert_non_null(f);
	snprintf(bid, sizeof(bid), "%s-%" PRIu64, x->run_id, c->number);
	ref_open(f, json_pack("{s:s,s:s,s:s}", "batch_id", bid, "host", x->host, "run", x->run_id));
	fputs(",\"records\":[", f);
	ref_open(f, json_pack("{s:s,s:I,s:I,s:s,s:{s:I,s:I,s:I},s:f,s:b,s:{s:i,s:i}}", "type",
			      "sample", "ts_ns", (json_int_t)s->timestamp_ns, "cycle",
			      (json_int_t)c->number, "source", metrics_source_name(s->source),
			      "memory", "total_kb", (json_int_t)s->mem.total_kb, "used_kb",
			      (json_int_t)s->mem.used_kb, "available_kb",
			      (json_int_t)s->mem.available_kb, "cpu_pct",
			      c->cs.has_sys_cpu ? ref_clamp(c->cs.sys_cpu_pct, 0, 100) : 0.0,
			      "dry_run", x->dry_run, "quota", "keep_high", x->keep_high, "keep_low",
			      x->keep_low));
	fputs(",\"containers\":[", f);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct cycle_row *r = &c->rows[i];
		const struct ctr_stat *st = r->st;
		const char *lc = docker_container_label(r->dc, GESTOR_LABEL_CLASS);

		if (!st)
			continue;
		json_t *o = json_pack(
			"{s:s,s:s,s:s,s:s,s:s,s:f,s:b,s:I,s:I,s:f,s:I}", "id", r->dc->id, "name",
			r->dc->name, "class", ref_class(r), "role", ref_role(r), "label_class",
			lc ? lc : "", "cpu_pct", ref_clamp(st->cpu_pct, 0, 1e6), "has_rate",
			st->has_cpu, "rss_kb", (json_int_t)st->ctr->rss_kb, "mem_kb",
			(json_int_t)st->mem_kb, "mem_limit_pct", ref_clamp(st->mem_pct, 0, 100),
			"procs", (json_int_t)st->ctr->nprocs);
		ref_io(o, x->io ? &x->io[i] : NULL);
		ref_put(f, o, &first);
	}
	fputs("]}", f);
	first = false;
	for (size_t k = 0; k < c->ndec; k++) {
		const struct cycle_row *r = &c->rows[c->dec[k].idx];
		const struct ctr_stat *st = r->st;

		ref_put(f,
			json_pack("{s:s,s:I,s:I,s:{s:s,s:s},s:s,s:s,s:s,s:i,s:{s:f,s:I,s:I,s:f}}",
				  "type", "decision", "ts_ns", (json_int_t)c->dec_ts, "cycle",
				  (json_int_t)c->number, "container", "id", r->dc->id, "name",
				  r->dc->name, "class", ref_class(r), "action",
				  cycle_action_name(r->action), "reason", r->dec->reason, "rank",
				  r->dec->rank, "metrics", "cpu_pct",
				  ref_clamp(st->cpu_pct, 0, 1e6), "rss_kb",
				  (json_int_t)st->ctr->rss_kb, "mem_kb", (json_int_t)st->mem_kb,
				  "mem_limit_pct", ref_clamp(st->mem_pct, 0, 100)),
			&first);
	}
	fputs("]}", f);
	assert_int_equal(fclose(f), 0);
	return body;
}

/*
 * The batch written field by field is byte for byte what jansson's trees
 * wrote for the same cycle: reals of every magnitude (exponents, integral
 * values, the clamps' bounds, NaN), escapes of every kind, non-ASCII,
 * DEL, a record jansson refuses (invalid UTF-8: left out), a reason and
 * a label longer than the writer's stack buffer, the counters.
 */
static void test_same_as_jansson(void **state)
{
	static const double reals[] = { 0,	  0.1,	      1.0 / 3,	1e-5,  1.5e-7,	2,
					100,	  99.9999999, 123456.7, 1e6,   3e6,	-4,
					12345.65, 0.000123,   1e-300,	7.0e5, 999999.5 };
	const size_t nr = sizeof(reals) / sizeof(reals[0]);
	struct fixture *fx = fixture_new();
	struct ctrio *io = calloc(N, sizeof(*io));
	struct record_ctx x = {
		.run_id = "run-\x01", .host = "h\xc3\xa9", .io = io, .keep_high = 2, .keep_low = 3
	};
	char *body, *ref;

	(void)state;
	assert_non_null(io);
	fx->c.cur.mem.total_kb = 16384000;
	fx->c.cs.has_sys_cpu = true;
	fx->c.cs.sys_cpu_pct = 37.25;
	fx->c.dec_ts = 1700000000123456789ull;
	for (size_t i = 0; i < N; i++) {
		fx->st[i].cpu_pct = reals[i % nr] * (i % 3 ? 1 : 10);
		fx->st[i].mem_pct = reals[(i + 5) % nr];
		fx->st[i].has_cpu = i % 4 != 0;
		fx->sc[i].rss_kb = (uint64_t)i * 7919;
		if (i % 3 == 0) {
			io[i] = (struct ctrio){ .has_cpu = true,
						.cpu_ns = (uint64_t)i * 123456789123ull,
						.has_cfs = i % 2,
						.nr_periods = i,
						.throttled_ns = (uint64_t)i * 1000001,
						.has_pids = true,
						.processes = 1,
						.threads = i,
						.has_oom = i % 5 == 0,
						.has_io = true,
						.ndev = 2,
						.has_net = i % 2 == 0,
						.nif = i % 4 == 0 ? 2 : 1 };
			/* every counter its own value, summed over two devices
			 * and up to two interfaces (the read bytes past UINT64_MAX: saturated) */
			for (size_t d = 0; d < 2; d++) {
				io[i].dev[d].rbytes = d ? i + 7 : UINT64_MAX - i;
				io[i].dev[d].wbytes = i * 11 + d;
				io[i].dev[d].rios = i * 13 + d * 100;
				io[i].dev[d].wios = i * 17 + d * 1000;
				io[i].ifs[d].rx_bytes = i * 1000 + d;
				io[i].ifs[d].rx_packets = i * 19 + d * 3;
				io[i].ifs[d].tx_bytes = i * 23 + d * 5;
				io[i].ifs[d].tx_packets = i * 29 + d * 7;
			}
		}
	}
	fx->st[7].cpu_pct = NAN; /* clamped to 0, as before */
	snprintf(fx->dc[3].name, sizeof(fx->dc[3].name), "del\x7f\x1f\b\f\r");
	snprintf(fx->dc[5].name, sizeof(fx->dc[5].name), "bad\xff utf-8"); /* left out */
	snprintf(fx->dc[9].name, sizeof(fx->dc[9].name),
		 "\xe2\x82\xac \xf0\x9f\x90\xb3 \xee\xbc\x81");
	memset(fx->dec[4].reason, 'r', sizeof(fx->dec[4].reason) - 1);
	fx->dec[4].reason[sizeof(fx->dec[4].reason) - 1] = '\0';
	fx->dec[4].reason[10] = '"';
	fx->dec[6].rank = -1;
	body = record_batch(&fx->c, &x);
	ref = ref_batch(&fx->c, &x);
	assert_non_null(body);
	assert_non_null(strstr(ref, "\"name\":\"del\x7f\\u001F\\b\\f\\r\""));
	assert_null(strstr(ref, "bad")); /* jansson refused it: the record is not there */
	assert_non_null(strstr(ref, "1e6")); /* an exponent, as jansson writes it */
	if (strcmp(body, ref) != 0) {
		size_t k = 0;

		while (body[k] && body[k] == ref[k])
			k++;
		fail_msg("differs at byte %zu: ...%.60s... vs jansson's ...%.60s...", k,
			 body + (k > 20 ? k - 20 : 0), ref + (k > 20 ? k - 20 : 0));
	}
	free(body);
	free(ref);
	free(io);
	free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_same_as_jansson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
