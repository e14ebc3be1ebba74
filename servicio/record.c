/*
 * record.c — the cycle's table (its title; table.c prints the records) and
 * its batch of log records (see record.h), both read from the cycle's
 * container records.
 */
#include "record.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
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

/* A kernel counter as a JSON integer (jansson's are signed). */
static json_t *record_u64(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* a + b, at most UINT64_MAX */
static uint64_t record_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The block and network counters of io into o, summed over devices and
 * interfaces (lo left out by ctrio). */
static void record_io_sums(json_t *o, const struct ctrio *io)
{
	uint64_t b[4] = { 0 }, n[4] = { 0 };

	for (size_t d = 0; io->has_io && d < io->ndev; d++) {
		b[0] = record_add(b[0], io->dev[d].rbytes);
		b[1] = record_add(b[1], io->dev[d].wbytes);
		b[2] = record_add(b[2], io->dev[d].rios);
		b[3] = record_add(b[3], io->dev[d].wios);
	}
	for (size_t f = 0; io->has_net && f < io->nif; f++) {
		n[0] = record_add(n[0], io->ifs[f].rx_bytes);
		n[1] = record_add(n[1], io->ifs[f].rx_packets);
		n[2] = record_add(n[2], io->ifs[f].tx_bytes);
		n[3] = record_add(n[3], io->ifs[f].tx_packets);
	}
	if (io->has_io) {
		json_object_set_new(o, "blk_read_bytes", record_u64(b[0]));
		json_object_set_new(o, "blk_write_bytes", record_u64(b[1]));
		json_object_set_new(o, "blk_reads", record_u64(b[2]));
		json_object_set_new(o, "blk_writes", record_u64(b[3]));
	}
	if (io->has_net && io->nif > 0) { /* lo alone: no network (as /metrics) */
		json_object_set_new(o, "net_rx_bytes", record_u64(n[0]));
		json_object_set_new(o, "net_rx_packets", record_u64(n[1]));
		json_object_set_new(o, "net_tx_bytes", record_u64(n[2]));
		json_object_set_new(o, "net_tx_packets", record_u64(n[3]));
	}
}

/*
 * The cgroup's and network's counters (ctrio.h) into o, each only when read
 * (an absent field: not known), as `servicio stats --json` names them.
 */
static void record_io(json_t *o, const struct ctrio *io)
{
	if (!o || !io)
		return;
	if (io->has_cpu)
		json_object_set_new(o, "cpu_seconds", json_real((double)io->cpu_ns / 1e9));
	if (io->has_cfs) {
		json_object_set_new(o, "cfs_periods", record_u64(io->nr_periods));
		json_object_set_new(o, "cfs_throttled_periods", record_u64(io->nr_throttled));
		json_object_set_new(o, "cfs_throttled_seconds",
				    json_real((double)io->throttled_ns / 1e9));
	}
	if (io->has_pids) {
		json_object_set_new(o, "processes", record_u64(io->processes));
		json_object_set_new(o, "threads", record_u64(io->threads));
	}
	if (io->has_oom)
		json_object_set_new(o, "oom_events", record_u64(io->oom_kill));
	record_io_sums(o, io);
}

static json_t *record_sample_ctr(const struct cycle_row *r, const struct ctrio *io)
{
	const struct ctr_stat *st = r->st;
	const char *lc = docker_container_label(r->dc, GESTOR_LABEL_CLASS);
	json_t *o = json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:f,s:b,s:I,s:I,s:f,s:I}", "id", r->dc->id, "name",
		r->dc->name, "class", record_class(r), "role", record_role(r), "label_class",
		lc ? lc : "", "cpu_pct", record_clamp(st->cpu_pct, 0, 1e6), "has_rate", st->has_cpu,
		"rss_kb", (json_int_t)st->rss_kb, "mem_kb", (json_int_t)st->mem_kb, "mem_limit_pct",
		record_clamp(st->mem_pct, 0, 100), "procs", (json_int_t)st->procs);

	record_io(o, io);
	return o;
}

#define RECORD_JSON (JSON_COMPACT | JSON_REAL_PRECISION(6))

/*
 * The batch is written one record at a time, so that only one record's
 * tree is alive at once (at 500 containers the whole batch as one tree was
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
 * o's text, after a comma unless it is the first of its array (o consumed).
 * A record jansson could not build (NULL) is left out, as appending it to
 * an array did before.
 */
static int record_put(FILE *f, json_t *o, bool *first)
{
	char buf[4096], *big = NULL;
	size_t n;
	int ret = 0;

	if (!o)
		return 0;
	/* one write per record (json_dumpf writes token by token) */
	n = json_dumpb(o, buf, sizeof(buf), RECORD_JSON);
	if (n > sizeof(buf)) {
		big = json_dumps(o, RECORD_JSON);
		n = big ? strlen(big) : 0;
	}
	if (n == 0 || (!*first && fputc(',', f) == EOF) || fwrite(big ? big : buf, 1, n, f) != n)
		ret = -ENOMEM;
	free(big);
	*first = false;
	json_decref(o);
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
		if (!c->rows[i].st)
			continue;
		ret = record_put(f, record_sample_ctr(&c->rows[i], x->io ? &x->io[i] : NULL),
				 &first);
	}
	if (ret == 0 && fputs("]}", f) == EOF)
		ret = -ENOMEM;
	return ret;
}

static json_t *record_decision(const struct cycle *c, const struct cycle_row *r)
{
	const struct ctr_stat *st = r->st;

	return json_pack("{s:s,s:I,s:I,s:{s:s,s:s},s:s,s:s,s:s,s:i,s:{s:f,s:I,s:I,s:f}}", "type",
			 "decision", "ts_ns", (json_int_t)c->dec_ts, "cycle", (json_int_t)c->number,
			 "container", "id", r->dc->id, "name", r->dc->name, "class",
			 record_class(r), "action", cycle_action_name(r->action), "reason",
			 r->dec->reason, "rank", r->dec->rank, "metrics", "cpu_pct",
			 record_clamp(st->cpu_pct, 0, 1e6), "rss_kb", (json_int_t)st->rss_kb,
			 "mem_kb", (json_int_t)st->mem_kb, "mem_limit_pct",
			 record_clamp(st->mem_pct, 0, 100));
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
	for (size_t k = 0; k < c->ndec && ret == 0; k++)
		ret = record_put(f, record_decision(c, &c->rows[c->dec[k].idx]), &first);
	if (ret == 0 && fputs("]}", f) == EOF)
		ret = -ENOMEM;
	if (fclose(f) != 0 || ret != 0) {
		free(body);
		return NULL;
	}
	return body;
}
