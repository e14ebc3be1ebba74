/*
 * record.c — the cycle's table (its title; table.c prints the records) and
 * its batch of log records (see record.h), both read from the cycle's
 * container records.
 */
#include "record.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gestor.h"
#include "metrics.h"
#include "table.h"
#include "util.h"

static const char *record_class(const struct cycle_row *r)
{
	return policy_class_name(r->dec ? r->dec->cls : POLICY_NONE);
}

void record_table(FILE *out, const struct cycle *c, const struct record_ctx *x)
{
	char title[160], hhmmss[16];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(hhmmss, sizeof(hhmmss), "%H:%M:%S", &tm);
	snprintf(title, sizeof(title), "cycle %" PRIu64 " · %sZ · %s%s · CPU %.1f%%", c->number,
		 hhmmss, metrics_source_name(c->cur.source), x->dry_run ? " · dry-run" : "",
		 c->cs.has_sys_cpu ? c->cs.sys_cpu_pct : 0.0);
	table_print(out, title, c, x->colour);
}

static double record_clamp(double v, double lo, double hi)
{
	if (!(v >= lo)) /* NaN too */
		return lo;
	return v > hi ? hi : v;
}

/* Why a container is or is not decided, for the report's split of "unknown". */
static const char *record_role(const struct cycle_row *r)
{
	if (r->pc.admin_logs)
		return GESTOR_ROLE_ADMIN_LOGS;
	if (r->pc.self)
		return GESTOR_ROLE_SELF;
	return r->pc.managed ? GESTOR_ROLE_MANAGED : GESTOR_ROLE_UNMANAGED;
}

/*
 * A record's text, written field by field as jansson would write the tree
 * of the same values (json_pack, then json_dumpb with RECORD_JSON): the
 * same keys in the same order, integers as %lld, reals as jansson's
 * dtostr (record_rb_real), strings escaped as jansson escapes them. At 500
 * containers a cycle writes ~1,000 records; through a jansson tree each
 * cost ~2.5 us of allocations and dumping (2.5 ms a cycle, a quarter of a
 * point of a core at a 1 s interval). record_test compares the text with
 * jansson's, byte for byte.
 */
#define RECORD_JSON (JSON_COMPACT | JSON_REAL_PRECISION(6))

struct record_rb {
	char *p; /* stack, or heap once it outgrew it */
	size_t n, cap;
	bool heap, bad; /* bad: out of memory, or a string jansson refuses */
	char stack[2048];
};

static void record_rb_init(struct record_rb *b)
{
	b->p = b->stack;
	b->n = 0;
	b->cap = sizeof(b->stack);
	b->heap = b->bad = false;
}

static void record_rb_put(struct record_rb *b, const char *s, size_t n)
{
	if (b->bad)
		return;
	if (b->cap - b->n < n) {
		size_t cap = (b->n + n) * 2;
		char *q = b->heap ? realloc(b->p, cap) : malloc(cap);

		if (!q) {
			b->bad = true;
			return;
		}
		if (!b->heap)
			memcpy(q, b->p, b->n);
		b->p = q;
		b->cap = cap;
		b->heap = true;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

#define record_rb_lit(b, lit) record_rb_put(b, lit, sizeof(lit) - 1)

/* json_integer's text: "%" JSON_INTEGER_FORMAT */
static void record_rb_int(struct record_rb *b, json_int_t v)
{
	char t[24];
	int n = snprintf(t, sizeof(t), "%" JSON_INTEGER_FORMAT, v);

	record_rb_put(b, t, (size_t)n);
}

/* A kernel counter as a JSON integer (jansson's are signed). */
static void record_rb_u64(struct record_rb *b, uint64_t v)
{
	record_rb_int(b, v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/*
 * json_real's text at JSON_REAL_PRECISION(6), as jansson's jsonp_dtostr
 * writes it: "%.6g", ".0" added when there is neither '.' nor 'e', and the
 * exponent without '+' or leading zeros. A value that is not finite makes
 * no real (json_real gives NULL): the record is left out, as before.
 */
static void record_rb_real(struct record_rb *b, double v)
{
	char t[48], *e, *from;
	int n;

	if (!isfinite(v)) {
		b->bad = true;
		return;
	}
	n = snprintf(t, sizeof(t) - 3, "%.6g", v);
	if (n < 0 || (size_t)n >= sizeof(t) - 3) {
		b->bad = true;
		return;
	}
	if (!strchr(t, '.') && !strchr(t, 'e')) {
		memcpy(t + n, ".0", 3);
		n += 2;
	}
	e = strchr(t, 'e');
	if (e) {
		e++;
		from = e + 1;
		if (*e == '-')
			e++;
		while (*from == '0')
			from++;
		if (from != e) {
			memmove(e, from, (size_t)(t + n - from) + 1);
			n -= (int)(from - e);
		}
	}
	record_rb_put(b, t, (size_t)n);
}

/* s through jansson itself, which checks its UTF-8 (invalid: b is bad, the
 * record left out, as json_pack refused it). */
static void record_rb_str_jansson(struct record_rb *b, const char *s)
{
	json_t *j = json_string(s);
	size_t n = j ? json_dumpb(j, NULL, 0, RECORD_JSON | JSON_ENCODE_ANY) : 0;
	char *t = n ? malloc(n) : NULL;

	if (t && json_dumpb(j, t, n, RECORD_JSON | JSON_ENCODE_ANY) == n)
		record_rb_put(b, t, n);
	else
		b->bad = true;
	free(t);
	json_decref(j);
}

/* The escape of byte u (below 0x20, '"' or '\\') as jansson writes it, in
 * esc (6 bytes); its length. */
static size_t record_esc(unsigned char u, char esc[6])
{
	static const char hex[] = "0123456789ABCDEF";
	static const char shorts[][2] = { { '\\', '\\' }, { '"', '"' },	 { '\b', 'b' },
					  { '\f', 'f' },  { '\n', 'n' }, { '\r', 'r' },
					  { '\t', 't' } };

	esc[0] = '\\';
	for (size_t i = 0; i < UTIL_ARRAY_LEN(shorts); i++)
		if (u == (unsigned char)shorts[i][0]) {
			esc[1] = shorts[i][1];
			return 2;
		}
	esc[1] = 'u';
	esc[2] = esc[3] = '0';
	esc[4] = hex[u >> 4];
	esc[5] = hex[u & 15];
	return 6;
}

/*
 * s as a JSON string, escaped as jansson's dump escapes it: `\` `"` and the
 * bytes below 0x20 (\b \f \n \r \t short, others \u00XX), the rest as is.
 * A string with bytes above 0x7f goes through jansson itself.
 */
static void record_rb_str(struct record_rb *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0;

	for (const unsigned char *q = u; *q; q++)
		if (*q >= 0x80) {
			record_rb_str_jansson(b, s);
			return;
		}
	record_rb_lit(b, "\"");
	for (;; u++) {
		char esc[6];

		if (*u >= 0x20 && *u != '"' && *u != '\\') {
			run++;
			continue;
		}
		record_rb_put(b, (const char *)u - run, run);
		run = 0;
		if (!*u)
			break;
		record_rb_put(b, esc, record_esc(*u, esc));
	}
	record_rb_lit(b, "\"");
}

/* ,"key": (key: a literal that needs no escaping) */
#define record_rb_key(b, key) record_rb_lit(b, ",\"" key "\":")

/* ,"key": for a key of n bytes that needs no escaping (a table's), in one
 * put as record_rb_key's literal */
static void record_rb_keyn(struct record_rb *b, const char *key, size_t n)
{
	char t[64];

	if (n > sizeof(t) - 4) {
		b->bad = true;
		return;
	}
	t[0] = ',';
	t[1] = '"';
	memcpy(t + 2, key, n);
	t[n + 2] = '"';
	t[n + 3] = ':';
	record_rb_put(b, t, n + 4);
}

/* a + b, at most UINT64_MAX */
static uint64_t record_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* A key of the records and the uint64_t counter of a device's or an
 * interface's struct it sums. */
struct record_sum {
	const char *key;
	size_t keylen, off;
};

#define RECORD_SUM(k, type, field)                      \
	{                                               \
		k, sizeof(k) - 1, offsetof(type, field) \
	}

static const struct record_sum record_blk_sums[] = {
	RECORD_SUM("blk_read_bytes", struct ctrio_dev, rbytes),
	RECORD_SUM("blk_write_bytes", struct ctrio_dev, wbytes),
	RECORD_SUM("blk_reads", struct ctrio_dev, rios),
	RECORD_SUM("blk_writes", struct ctrio_dev, wios),
};

static const struct record_sum record_net_sums[] = {
	RECORD_SUM("net_rx_bytes", struct ctrio_if, rx_bytes),
	RECORD_SUM("net_rx_packets", struct ctrio_if, rx_packets),
	RECORD_SUM("net_tx_bytes", struct ctrio_if, tx_bytes),
	RECORD_SUM("net_tx_packets", struct ctrio_if, tx_packets),
};

/* Each key of ks (nk, at most 4) with its counter summed over the n structs
 * of size sz at v. */
static void record_sums(struct record_rb *o, const struct record_sum *ks, size_t nk, const void *v,
			size_t n, size_t sz)
{
	uint64_t sum[4] = { 0 }, x;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < nk && k < UTIL_ARRAY_LEN(sum); k++) {
			memcpy(&x, (const char *)v + i * sz + ks[k].off, sizeof(x));
			sum[k] = record_add(sum[k], x);
		}
	for (size_t k = 0; k < nk && k < UTIL_ARRAY_LEN(sum); k++) {
		record_rb_keyn(o, ks[k].key, ks[k].keylen);
		record_rb_u64(o, sum[k]);
	}
}

/* The block and network counters of io, summed over devices and interfaces
 * (lo left out by ctrio). */
static void record_io_sums(struct record_rb *o, const struct ctrio *io)
{
	if (io->has_io)
		record_sums(o, record_blk_sums, UTIL_ARRAY_LEN(record_blk_sums), io->dev, io->ndev,
			    sizeof(io->dev[0]));
	if (io->has_net && io->nif > 0) /* lo alone: no network (as /metrics) */
		record_sums(o, record_net_sums, UTIL_ARRAY_LEN(record_net_sums), io->ifs, io->nif,
			    sizeof(io->ifs[0]));
}

/*
 * The cgroup's and network's counters (ctrio.h), each only when read (an
 * absent field: not known), as `servicio stats --json` names them.
 */
static void record_io(struct record_rb *o, const struct ctrio *io)
{
	if (!io)
		return;
	if (io->has_cpu) {
		record_rb_key(o, "cpu_seconds");
		record_rb_real(o, (double)io->cpu_ns / 1e9);
	}
	if (io->has_cfs) {
		record_rb_key(o, "cfs_periods");
		record_rb_u64(o, io->nr_periods);
		record_rb_key(o, "cfs_throttled_periods");
		record_rb_u64(o, io->nr_throttled);
		record_rb_key(o, "cfs_throttled_seconds");
		record_rb_real(o, (double)io->throttled_ns / 1e9);
	}
	if (io->has_pids) {
		record_rb_key(o, "processes");
		record_rb_u64(o, io->processes);
		record_rb_key(o, "threads");
		record_rb_u64(o, io->threads);
	}
	if (io->has_oom) {
		record_rb_key(o, "oom_events");
		record_rb_u64(o, io->oom_kill);
	}
	record_io_sums(o, io);
}

/* The memory members both records carry: rss_kb, mem_kb, mem_limit_pct. */
static void record_mem(struct record_rb *o, const struct ctr_stat *st)
{
	record_rb_key(o, "rss_kb");
	record_rb_int(o, (json_int_t)st->ctr->rss_kb);
	record_rb_key(o, "mem_kb");
	record_rb_int(o, (json_int_t)st->mem_kb);
	record_rb_key(o, "mem_limit_pct");
	record_rb_real(o, record_clamp(st->mem_pct, 0, 100));
}

static void record_sample_ctr(struct record_rb *o, const struct cycle_row *r,
			      const struct ctrio *io)
{
	const struct ctr_stat *st = r->st;
	const char *lc = docker_container_label(r->dc, GESTOR_LABEL_CLASS);

	record_rb_lit(o, "{\"id\":");
	record_rb_str(o, r->dc->id);
	record_rb_key(o, "name");
	record_rb_str(o, r->dc->name);
	record_rb_key(o, "class");
	record_rb_str(o, record_class(r));
	record_rb_key(o, "role");
	record_rb_str(o, record_role(r));
	record_rb_key(o, "label_class");
	record_rb_str(o, lc ? lc : "");
	record_rb_key(o, "cpu_pct");
	record_rb_real(o, record_clamp(st->cpu_pct, 0, 1e6));
	if (st->has_cpu)
		record_rb_lit(o, ",\"has_rate\":true");
	else
		record_rb_lit(o, ",\"has_rate\":false");
	record_mem(o, st);
	record_rb_key(o, "procs");
	record_rb_int(o, (json_int_t)st->ctr->nprocs);
	record_io(o, io);
	record_rb_lit(o, "}");
}

/*
 * The batch is written one record at a time, so that only one record's
 * text is alive at once (at 500 containers the whole batch as one tree was
 * the largest thing a cycle held). An object whose members go on (the
 * batch, the sample) is written without its closing brace by record_open();
 * the caller adds the rest and the brace.
 */

/* o's text without its closing brace (o: a non-empty object, consumed). */
static int record_open(FILE *f, json_t *o)
{
	char *t = o ? json_dumps(o, RECORD_JSON) : NULL;
	size_t n = t ? strlen(t) : 0;
	int ret = n >= 2 && t[n - 1] == '}' && fwrite(t, 1, n - 1, f) == n - 1 ? 0 : -ENOMEM;

	free(t);
	json_decref(o);
	return ret;
}

/*
 * b's record, after a comma unless it is the first of its array (b freed).
 * A record that could not be written (a string jansson refuses, out of
 * memory) is left out, as appending a NULL tree to an array did before.
 */
static int record_put(FILE *f, struct record_rb *b, bool *first)
{
	int ret = 0;

	if (!b->bad) {
		if ((!*first && fputc(',', f) == EOF) || fwrite(b->p, 1, b->n, f) != b->n)
			ret = -ENOMEM;
		*first = false;
	}
	if (b->heap)
		free(b->p);
	return ret;
}

static int record_sample(FILE *f, const struct cycle *c, const struct record_ctx *x)
{
	const struct snapshot *s = &c->cur;
	bool first = true;
	int ret = record_open(
		f,
		json_pack("{s:s,s:I,s:I,s:s,s:{s:I,s:I,s:I},s:f,s:b,s:{s:i,s:i}}", "type", "sample",
			  "ts_ns", (json_int_t)s->timestamp_ns, "cycle", (json_int_t)c->number,
			  "source", metrics_source_name(s->source), "memory", "total_kb",
			  (json_int_t)s->mem.total_kb, "used_kb", (json_int_t)s->mem.used_kb,
			  "available_kb", (json_int_t)s->mem.available_kb, "cpu_pct",
			  c->cs.has_sys_cpu ? record_clamp(c->cs.sys_cpu_pct, 0, 100) : 0.0,
			  "dry_run", x->dry_run, "quota", "keep_high", x->keep_high, "keep_low",
			  x->keep_low));

	if (ret == 0 && fputs(",\"containers\":[", f) == EOF)
		ret = -ENOMEM;
	for (size_t i = 0; i < c->nrows && ret == 0; i++) {
		struct record_rb b;

		if (!c->rows[i].st)
			continue;
		record_rb_init(&b);
		record_sample_ctr(&b, &c->rows[i], x->io ? &x->io[i] : NULL);
		ret = record_put(f, &b, &first);
	}
	if (ret == 0 && fputs("]}", f) == EOF)
		ret = -ENOMEM;
	return ret;
}

static void record_decision(struct record_rb *o, const struct cycle *c, const struct cycle_row *r)
{
	const struct ctr_stat *st = r->st;

	record_rb_lit(o, "{\"type\":\"decision\",\"ts_ns\":");
	record_rb_int(o, (json_int_t)c->dec_ts);
	record_rb_key(o, "cycle");
	record_rb_int(o, (json_int_t)c->number);
	record_rb_lit(o, ",\"container\":{\"id\":");
	record_rb_str(o, r->dc->id);
	record_rb_key(o, "name");
	record_rb_str(o, r->dc->name);
	record_rb_lit(o, "}");
	record_rb_key(o, "class");
	record_rb_str(o, record_class(r));
	record_rb_key(o, "action");
	record_rb_str(o, cycle_action_name(r->action));
	record_rb_key(o, "reason");
	record_rb_str(o, r->dec->reason);
	record_rb_key(o, "rank");
	record_rb_int(o, (json_int_t)r->dec->rank);
	record_rb_lit(o, ",\"metrics\":{\"cpu_pct\":");
	record_rb_real(o, record_clamp(st->cpu_pct, 0, 1e6));
	record_mem(o, st);
	record_rb_lit(o, "}}");
}

char *record_batch(const struct cycle *c, const struct record_ctx *x)
{
	char bid[80], *body = NULL;
	size_t len = 0;
	bool first = false; /* the sample comes first */
	FILE *f = open_memstream(&body, &len);
	int ret;

	if (!f)
		return NULL;
	snprintf(bid, sizeof(bid), "%s-%" PRIu64, x->run_id, c->number);
	ret = record_open(
		f, json_pack("{s:s,s:s,s:s}", "batch_id", bid, "host", x->host, "run", x->run_id));
	if (ret == 0 && fputs(",\"records\":[", f) == EOF)
		ret = -ENOMEM;
	if (ret == 0)
		ret = record_sample(f, c, x);
	for (size_t k = 0; k < c->ndec && ret == 0; k++) {
		struct record_rb b;

		record_rb_init(&b);
		record_decision(&b, c, &c->rows[c->dec[k].idx]);
		ret = record_put(f, &b, &first);
	}
	if (ret == 0 && fputs("]}", f) == EOF)
		ret = -ENOMEM;
	if (fclose(f) != 0 || ret != 0) {
		free(body);
		return NULL;
	}
	return body;
}
