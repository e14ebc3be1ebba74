/*
 * promexp.c — Prometheus /metrics on servicio (see promexp.h): the state
 * copied out of each cycle, its rendering in the text exposition format,
 * and a libmicrohttpd server (one internal thread) that answers GET
 * /metrics from the published copy under a mutex. Any local user can
 * connect to it, so it holds at most PROMEXP_CONNS connections, at most
 * PROMEXP_CONNS_PER_IP from one address, and a request's headers must be in
 * within PROMEXP_HEADERS_S of the connection's start or its previous answer
 * (a watcher thread shuts a slower one down: a trickle of one byte a second
 * defeats an idle timeout alone).
 */
#include "promexp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "gestor.h"
#include "log.h"
#include "metrics.h"
#include "scope.h"
#include "util.h"

const double promexp_buckets[PROMEXP_NBUCKETS] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
						   0.5,	  1,	2.5,   5,    10 };

/* ---------- the state ---------- */

void promexp_state_free(struct promexp_state *s)
{
	for (size_t i = 0; s->ctrs && i < s->nctrs; i++)
		for (size_t j = 0; j < PROMEXP_NLABELS; j++)
			free(s->ctrs[i].label[j]);
	free(s->ctrs);
	memset(s, 0, sizeof(*s));
}

static int promexp_ctr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct promexp_ctr *)a)->id, ((const struct promexp_ctr *)b)->id);
}

static int promexp_id_cmp(const void *key, const void *b)
{
	return strcmp(key, ((const struct promexp_ctr *)b)->id);
}

static const struct promexp_ctr *promexp_find(const struct promexp_state *s, const char *id)
{
	if (!s->nctrs)
		return NULL;
	return bsearch(id, s->ctrs, s->nctrs, sizeof(*s->ctrs), promexp_id_cmp);
}

/* One row of the cycle as Prometheus sees it (prev: its last state).
 * 0 or -ENOMEM (an allowed label's value not copied). */
static int promexp_ctr_fill(struct promexp_ctr *o, const struct cycle_row *r, const struct cycle *c,
			    const struct promexp_info *x, const struct ctrio *io)
{
	const struct ctr_stat *st = r->st;
	const char *lc = docker_container_label(r->dc, GESTOR_LABEL_CLASS);
	const struct snap_ctr *sc = r->sc;
	uint64_t ram = c->cur.mem.total_kb * 1024;

	util_strlcpy(o->id, r->dc->id, sizeof(o->id));
	if (sc && sc->cgroup[0])
		util_strlcpy(o->cgroup, sc->cgroup, sizeof(o->cgroup));
	else
		snprintf(o->cgroup, sizeof(o->cgroup), "/docker/%s", r->dc->id);
	if (io)
		o->io = *io;
	util_strlcpy(o->name, r->dc->name, sizeof(o->name));
	util_strlcpy(o->image, r->dc->image, sizeof(o->image));
	util_strlcpy(o->label_class, lc ? lc : "", sizeof(o->label_class));
	o->managed = scope_managed(r->dc, x->scope);
	o->cpu_seconds = (double)(o->io.has_cpu ? o->io.cpu_ns : st->ctr->cpu_time_ns) / 1e9;
	if (st->has_mem) {
		o->working_set = st->mem.usage;
		o->usage = st->mem.raw;
		/* cgmem reports the RAM for "unlimited"; cAdvisor says 0 */
		o->limit = st->mem.limit >= ram ? 0 : st->mem.limit;
	} else {
		o->working_set = o->usage = st->ctr->rss_kb * 1024;
		o->limit = 0;
	}
	o->last_seen = (double)(c->cur.timestamp_ns / 1000000ull) / 1e3;
	for (size_t j = 0; x->labels && j < x->labels->n; j++) {
		const char *v = docker_container_label(r->dc, x->labels->name[j]);

		if (v && !(o->label[j] = strdup(v)))
			return -ENOMEM;
	}
	return 0;
}

/*
 * A container already shown (p: its last state) whose cgroup counter was
 * not read in this cycle (none, or between two reads of --counters-interval)
 * carries its counter on by this cycle's rate (the rate servicio decided on,
 * st); one read now takes the cgroup's figure, but not below what was
 * served (the rate may run ahead of the cgroup's account by a rounding)
 * unless the cgroup's own counter went back (a restarted container's new
 * cgroup: a reset, as cAdvisor shows it). One seen first starts at the
 * cgroup's figure, else its lifetime CPU time.
 */
static void promexp_ctr_carry(struct promexp_ctr *o, const struct promexp_ctr *p,
			      const struct ctr_stat *st, const struct cycle *c)
{
	if (!p)
		return;
	if (o->io.has_cpu && o->io.cpu_read) {
		if (o->cpu_seconds < p->cpu_seconds && p->io.has_cpu &&
		    o->io.cpu_ns >= p->io.cpu_ns)
			o->cpu_seconds = p->cpu_seconds;
		return;
	}
	o->cpu_seconds = p->cpu_seconds;
	if (st && st->has_cpu && st->cpu_pct > 0 && c->cs.interval_ns)
		o->cpu_seconds += st->cpu_pct / 100.0 * (double)c->cs.interval_ns / 1e9;
}

/* next's totals and the cycle's figures: prev's counters carried on, this
 * cycle's added, x's as they are now. */
static void promexp_state_totals(struct promexp_state *next, const struct promexp_state *prev,
				 const struct cycle *c, const struct promexp_info *x)
{
	memcpy(next->decisions, prev->decisions, sizeof(next->decisions));
	memcpy(next->cycle_buckets, prev->cycle_buckets, sizeof(next->cycle_buckets));
	next->cycles = prev->cycles + 1;
	next->cycle_sum_s = prev->cycle_sum_s + x->cycle_s;
	next->cycle_last_s = x->cycle_s;
	for (int b = 0; b < PROMEXP_NBUCKETS; b++)
		if (x->cycle_s <= promexp_buckets[b])
			next->cycle_buckets[b]++;
	next->source = (int)c->cur.source;
	next->self = x->self;
	if (x->labels)
		next->labels = *x->labels;
}

int promexp_state_step(struct promexp_state *next, const struct promexp_state *prev,
		       const struct cycle *c, const struct promexp_info *x)
{
	struct promexp_ctr *ctrs = next->ctrs;
	size_t n = 0, cap = next->cap;

	/* what next held goes, but for its array's room */
	for (size_t i = 0; ctrs && i < next->nctrs; i++)
		for (size_t j = 0; j < PROMEXP_NLABELS; j++)
			free(ctrs[i].label[j]);
	memset(next, 0, sizeof(*next));
	if (c->nrows > cap || !ctrs) {
		free(ctrs);
		cap = c->nrows ? c->nrows : 1;
		ctrs = malloc(cap * sizeof(*ctrs));
		if (!ctrs)
			return -ENOMEM;
	}
	next->ctrs = ctrs;
	next->cap = cap;
	promexp_state_totals(next, prev, c, x);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct cycle_row *r = &c->rows[i];

		if (r->dec && (size_t)r->action < PROMEXP_NACTIONS &&
		    (size_t)r->dec->cls < PROMEXP_NCLASSES)
			next->decisions[r->action][r->dec->cls]++;
		if (!r->st || !r->dc)
			continue;
		struct promexp_ctr *o = &next->ctrs[n++];

		memset(o, 0, sizeof(*o)); /* as calloc gave it: every field from this cycle */
		if (promexp_ctr_fill(o, r, c, x, x->io ? &x->io[i] : NULL) != 0) {
			next->nctrs = n;
			promexp_state_free(next);
			return -ENOMEM;
		}
		promexp_ctr_carry(o, promexp_find(prev, o->id), r->st, c);
	}
	next->nctrs = n;
	qsort(next->ctrs, n, sizeof(*next->ctrs), promexp_ctr_cmp);
	return 0;
}

/* ---------- rendering ---------- */

struct promexp_buf {
	struct util_body text; /* the exposition, unbounded */
	bool oom;
	const struct promexp_labels *labels; /* the Docker labels exported */
};

static void pb_add(struct promexp_buf *b, const char *s, size_t n)
{
	if (!b->oom && util_body_add(&b->text, s, n, SIZE_MAX) != 0)
		b->oom = true;
}

static void pb_str(struct promexp_buf *b, const char *s)
{
	pb_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void pb_fmt(struct promexp_buf *b, const char *fmt,
							 ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		pb_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A label value: backslash, double quote and newline escaped. */
static void pb_label(struct promexp_buf *b, const char *v)
{
	for (const char *s = v; *s;) {
		size_t run = strcspn(s, "\\\"\n"); /* appended as one piece */

		pb_add(b, s, run);
		s += run;
		if (*s == '\\')
			pb_str(b, "\\\\");
		else if (*s == '"')
			pb_str(b, "\\\"");
		else if (*s == '\n')
			pb_str(b, "\\n");
		else
			break;
		s++;
	}
}

static void pb_head(struct promexp_buf *b, const char *name, const char *type, const char *help)
{
	pb_fmt(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{id="<cgroup>",name="..",image="..",container_label_gestor_*[,container_label_<allowed>]
 * [,key="val"]} */
static void pb_ctr_series_x(struct promexp_buf *b, const char *name, const struct promexp_ctr *c,
			    const char *key, const char *val)
{
	const struct promexp_labels *l = b->labels;

	pb_str(b, name);
	pb_str(b, "{id=\"");
	pb_label(b, c->cgroup);
	if (key) {
		pb_str(b, "\",");
		pb_str(b, key);
		pb_str(b, "=\"");
		pb_label(b, val);
	}
	pb_str(b, "\",name=\"");
	pb_label(b, c->name);
	pb_str(b, "\",image=\"");
	pb_label(b, c->image);
	pb_str(b, "\",container_label_gestor_managed=\"");
	pb_str(b, c->managed ? "true" : "false");
	pb_str(b, "\",container_label_gestor_class=\"");
	pb_label(b, c->label_class);
	for (size_t j = 0; l && j < l->n; j++) {
		if (!c->label[j])
			continue;
		pb_str(b, "\",");
		pb_str(b, l->prom[j]);
		pb_str(b, "=\"");
		pb_label(b, c->label[j]);
	}
	pb_str(b, "\"} ");
}

static void pb_ctr_series(struct promexp_buf *b, const char *name, const struct promexp_ctr *c)
{
	pb_ctr_series_x(b, name, c, NULL, NULL);
}

/* One counter or gauge per container: what get() gives when has() holds. */
struct pb_ctr_metric {
	const char *name, *type, *help;
	bool (*has)(const struct ctrio *io);
	double (*get)(const struct ctrio *io);
};

static bool pb_has_cfs(const struct ctrio *io)
{
	return io->has_cfs;
}
static bool pb_has_pids(const struct ctrio *io)
{
	return io->has_pids;
}
static bool pb_has_oom(const struct ctrio *io)
{
	return io->has_oom;
}
static double pb_periods(const struct ctrio *io)
{
	return (double)io->nr_periods;
}
static double pb_throttled(const struct ctrio *io)
{
	return (double)io->nr_throttled;
}
static double pb_throttled_s(const struct ctrio *io)
{
	return (double)io->throttled_ns / 1e9;
}
static double pb_processes(const struct ctrio *io)
{
	return (double)io->processes;
}
static double pb_threads(const struct ctrio *io)
{
	return (double)io->threads;
}
static double pb_oom(const struct ctrio *io)
{
	return (double)io->oom_kill;
}

static void pb_ctr_plain(struct promexp_buf *b, const struct promexp_state *s)
{
	static const struct pb_ctr_metric m[] = {
		{ "container_cpu_cfs_periods_total", "counter",
		  "Number of elapsed enforcement period intervals.", pb_has_cfs, pb_periods },
		{ "container_cpu_cfs_throttled_periods_total", "counter",
		  "Number of throttled period intervals.", pb_has_cfs, pb_throttled },
		{ "container_cpu_cfs_throttled_seconds_total", "counter",
		  "Total time duration the container has been throttled.", pb_has_cfs,
		  pb_throttled_s },
		{ "container_processes", "gauge",
		  "Number of processes running inside the container.", pb_has_pids, pb_processes },
		{ "container_threads", "gauge", "Number of threads running inside the container.",
		  pb_has_pids, pb_threads },
		{ "container_oom_events_total", "counter",
		  "Count of out of memory events observed for the container.", pb_has_oom, pb_oom },
	};

	for (size_t k = 0; k < UTIL_ARRAY_LEN(m); k++) {
		pb_head(b, m[k].name, m[k].type, m[k].help);
		for (size_t i = 0; i < s->nctrs; i++) {
			const struct promexp_ctr *c = &s->ctrs[i];

			if (!m[k].has(&c->io))
				continue;
			pb_ctr_series(b, m[k].name, c);
			pb_fmt(b, "%.9g\n", m[k].get(&c->io));
		}
	}
}

/* Block I/O per device (label device): cAdvisor's container_fs_* counters. */
static void pb_ctr_fs(struct promexp_buf *b, const struct promexp_state *s)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fs[] = {
		{ "container_fs_reads_bytes_total", "Cumulative count of bytes read",
		  offsetof(struct ctrio_dev, rbytes) },
		{ "container_fs_writes_bytes_total", "Cumulative count of bytes written",
		  offsetof(struct ctrio_dev, wbytes) },
		{ "container_fs_reads_total", "Cumulative count of reads completed",
		  offsetof(struct ctrio_dev, rios) },
		{ "container_fs_writes_total", "Cumulative count of writes completed",
		  offsetof(struct ctrio_dev, wios) },
	};
	uint64_t v;

	for (size_t k = 0; k < UTIL_ARRAY_LEN(fs); k++) {
		pb_head(b, fs[k].name, "counter", fs[k].help);
		for (size_t i = 0; i < s->nctrs; i++) {
			const struct promexp_ctr *c = &s->ctrs[i];

			for (size_t d = 0; c->io.has_io && d < c->io.ndev; d++) {
				memcpy(&v, (const char *)&c->io.dev[d] + fs[k].off, sizeof(v));
				pb_ctr_series_x(b, fs[k].name, c, "device", c->io.dev[d].name);
				pb_fmt(b, "%llu\n", (unsigned long long)v);
			}
		}
	}
}

/* Network per interface (label interface): cAdvisor's container_network_*
 * counters. */
static void pb_ctr_net(struct promexp_buf *b, const struct promexp_state *s)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} net[] = {
		{ "container_network_receive_bytes_total", "Cumulative count of bytes received",
		  offsetof(struct ctrio_if, rx_bytes) },
		{ "container_network_receive_packets_total", "Cumulative count of packets received",
		  offsetof(struct ctrio_if, rx_packets) },
		{ "container_network_receive_errors_total",
		  "Cumulative count of errors encountered while receiving",
		  offsetof(struct ctrio_if, rx_errors) },
		{ "container_network_receive_packets_dropped_total",
		  "Cumulative count of packets dropped while receiving",
		  offsetof(struct ctrio_if, rx_dropped) },
		{ "container_network_transmit_bytes_total", "Cumulative count of bytes transmitted",
		  offsetof(struct ctrio_if, tx_bytes) },
		{ "container_network_transmit_packets_total",
		  "Cumulative count of packets transmitted",
		  offsetof(struct ctrio_if, tx_packets) },
		{ "container_network_transmit_errors_total",
		  "Cumulative count of errors encountered while transmitting",
		  offsetof(struct ctrio_if, tx_errors) },
		{ "container_network_transmit_packets_dropped_total",
		  "Cumulative count of packets dropped while transmitting",
		  offsetof(struct ctrio_if, tx_dropped) },
	};
	uint64_t v;

	for (size_t k = 0; k < UTIL_ARRAY_LEN(net); k++) {
		pb_head(b, net[k].name, "counter", net[k].help);
		for (size_t i = 0; i < s->nctrs; i++) {
			const struct promexp_ctr *c = &s->ctrs[i];

			for (size_t f = 0; c->io.has_net && f < c->io.nif; f++) {
				memcpy(&v, (const char *)&c->io.ifs[f] + net[k].off, sizeof(v));
				pb_ctr_series_x(b, net[k].name, c, "interface", c->io.ifs[f].name);
				pb_fmt(b, "%llu\n", (unsigned long long)v);
			}
		}
	}
}

/* Per-container metrics: cAdvisor's names. */
static void pb_containers(struct promexp_buf *b, const struct promexp_state *s)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "container_cpu_usage_seconds_total", "counter",
		  "Cumulative cpu time consumed in seconds." },
		{ "container_memory_working_set_bytes", "gauge",
		  "Current working set in bytes (usage minus inactive file, as docker stats)." },
		{ "container_memory_usage_bytes", "gauge",
		  "Current memory usage in bytes, including all memory regardless of when it "
		  "was accessed." },
		{ "container_spec_memory_limit_bytes", "gauge",
		  "Memory limit for the container (0: unlimited)." },
		{ "container_last_seen", "gauge",
		  "Last time a container was seen by the exporter" },
	};

	for (size_t k = 0; k < UTIL_ARRAY_LEN(m); k++) {
		pb_head(b, m[k].name, m[k].type, m[k].help);
		for (size_t i = 0; i < s->nctrs; i++) {
			const struct promexp_ctr *c = &s->ctrs[i];

			pb_ctr_series(b, m[k].name, c);
			switch (k) {
			case 0:
				pb_fmt(b, "%.9g\n", c->cpu_seconds);
				break;
			case 1:
				pb_fmt(b, "%llu\n", (unsigned long long)c->working_set);
				break;
			case 2:
				pb_fmt(b, "%llu\n", (unsigned long long)c->usage);
				break;
			case 3:
				pb_fmt(b, "%llu\n", (unsigned long long)c->limit);
				break;
			default:
				pb_fmt(b, "%.3f\n", c->last_seen);
				break;
			}
		}
	}
}

static void pb_decisions(struct promexp_buf *b, const struct promexp_state *s)
{
	static const enum cycle_action acts[] = { CYCLE_KEPT, CYCLE_WOULD_REMOVE, CYCLE_REMOVED,
						  CYCLE_REMOVE_FAILED };
	static const enum policy_class cls[] = { POLICY_HIGH, POLICY_LOW };

	pb_head(b, "gestor_decisions_total", "counter",
		"Decisions taken about managed containers, by action and class.");
	for (size_t a = 0; a < UTIL_ARRAY_LEN(acts); a++)
		for (size_t k = 0; k < UTIL_ARRAY_LEN(cls); k++)
			pb_fmt(b, "gestor_decisions_total{action=\"%s\",class=\"%s\"} %llu\n",
			       cycle_action_name(acts[a]), policy_class_name(cls[k]),
			       (unsigned long long)s->decisions[acts[a]][cls[k]]);
}

static void pb_cycles(struct promexp_buf *b, const struct promexp_state *s)
{
	pb_head(b, "gestor_cycle_duration_seconds", "histogram",
		"Wall time of a cycle (measure, decide, act, record, ship).");
	for (int i = 0; i < PROMEXP_NBUCKETS; i++)
		pb_fmt(b, "gestor_cycle_duration_seconds_bucket{le=\"%g\"} %llu\n",
		       promexp_buckets[i], (unsigned long long)s->cycle_buckets[i]);
	pb_fmt(b, "gestor_cycle_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
	       (unsigned long long)s->cycles);
	pb_fmt(b, "gestor_cycle_duration_seconds_sum %.6f\n", s->cycle_sum_s);
	pb_fmt(b, "gestor_cycle_duration_seconds_count %llu\n", (unsigned long long)s->cycles);
	pb_head(b, "gestor_last_cycle_duration_seconds", "gauge", "Wall time of the last cycle.");
	pb_fmt(b, "gestor_last_cycle_duration_seconds %.6f\n", s->cycle_last_s);
}

/* gestor_build_info{version} 1: the version servicio --version prints. */
static void pb_build_info(struct promexp_buf *b)
{
	pb_head(b, "gestor_build_info", "gauge",
		"A metric with a constant '1' value labelled by the version of servicio.");
	pb_str(b, "gestor_build_info{version=\"");
	pb_label(b, GESTOR_VERSION);
	pb_str(b, "\"} 1\n");
}

static void pb_gestor(struct promexp_buf *b, const struct promexp_state *s)
{
	pb_head(b, "gestor_metrics_source", "gauge",
		"1 for the metrics source of the last snapshot, 0 for the others.");
	for (int i = 0; i < SNAP_SRC_COUNT; i++)
		pb_fmt(b, "gestor_metrics_source{source=\"%s\"} %d\n",
		       metrics_source_name((enum snap_source)i), s->source == i);
	pb_head(b, "gestor_module_loaded", "gauge",
		"1 when the kernel module's file (/proc/sysinfo_202002591) is there.");
	pb_fmt(b, "gestor_module_loaded %d\n", s->self.module_loaded);
	pb_head(b, "gestor_admin_logs_up", "gauge",
		"1 when the last delivery to admin_logs worked, 0 when batches go to the spool.");
	pb_fmt(b, "gestor_admin_logs_up %d\n", s->self.logs_up);
	pb_head(b, "gestor_admin_logs_batches_total", "counter",
		"Batches of log records: delivered to admin_logs, written to the spool first, "
		"dropped (spool full).");
	pb_fmt(b, "gestor_admin_logs_batches_total{result=\"delivered\"} %llu\n",
	       (unsigned long long)s->self.delivered);
	pb_fmt(b, "gestor_admin_logs_batches_total{result=\"spooled\"} %llu\n",
	       (unsigned long long)s->self.spooled);
	pb_fmt(b, "gestor_admin_logs_batches_total{result=\"dropped\"} %llu\n",
	       (unsigned long long)s->self.dropped);
	pb_head(b, "gestor_spool_batches", "gauge", "Batches waiting in the spool.");
	pb_fmt(b, "gestor_spool_batches %llu\n", (unsigned long long)s->self.spool_batches);
	pb_head(b, "gestor_spool_bytes", "gauge", "Bytes of the spool not yet delivered.");
	pb_fmt(b, "gestor_spool_bytes %llu\n", (unsigned long long)s->self.spool_bytes);
	pb_head(b, "gestor_containers", "gauge", "Running containers measured, by managed.");
	size_t managed = 0;
	for (size_t i = 0; i < s->nctrs; i++)
		managed += s->ctrs[i].managed;
	pb_fmt(b, "gestor_containers{managed=\"true\"} %zu\n", managed);
	pb_fmt(b, "gestor_containers{managed=\"false\"} %zu\n", s->nctrs - managed);
	pb_head(b, "gestor_start_time_seconds", "gauge", "Unix time servicio started.");
	pb_fmt(b, "gestor_start_time_seconds %.3f\n", s->self.start_time);
}

int promexp_render(const struct promexp_state *s, char **out, size_t *len)
{
	struct promexp_buf b = { .labels = &s->labels };

	pb_build_info(&b);
	pb_containers(&b, s);
	pb_ctr_plain(&b, s);
	pb_ctr_fs(&b, s);
	pb_ctr_net(&b, s);
	pb_decisions(&b, s);
	pb_cycles(&b, s);
	pb_gestor(&b, s);
	if (b.oom || !b.text.data) {
		free(b.text.data);
		*out = NULL;
		*len = 0;
		return -ENOMEM;
	}
	*out = b.text.data;
	*len = b.text.len;
	return 0;
}

/* ---------- the Docker labels exported ---------- */

void promexp_label_name(const char *name, char *out, size_t outlen)
{
	size_t n = (size_t)snprintf(out, outlen, "container_label_%s", name);

	if (n >= outlen)
		n = outlen - 1;
	for (size_t i = strlen("container_label_"); i < n; i++) {
		char ch = out[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			out[i] = '_';
	}
}

int promexp_parse_labels(const char *s, struct promexp_labels *out, char *err, size_t errlen)
{
	static const char *const fixed[] = { "container_label_gestor_managed",
					     "container_label_gestor_class" };
	const char *p = s;

	memset(out, 0, sizeof(*out));
	if (strcmp(s, "") == 0 || strcmp(s, "none") == 0)
		return 0;
	for (;;) {
		size_t n = strcspn(p, ","), k = out->n;

		if (n == 0 || n >= PROMEXP_LABEL_MAX) {
			snprintf(err, errlen,
				 "metrics-labels: empty or too long a label name in %.64s", s);
			goto bad;
		}
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f) {
				snprintf(err, errlen,
					 "metrics-labels: a blank or control character in %.64s",
					 s);
				goto bad;
			}
		if (k == PROMEXP_NLABELS) {
			snprintf(err, errlen, "metrics-labels: more than %d labels",
				 PROMEXP_NLABELS);
			goto bad;
		}
		memcpy(out->name[k], p, n);
		out->name[k][n] = '\0';
		promexp_label_name(out->name[k], out->prom[k], sizeof(out->prom[k]));
		for (size_t i = 0; i < UTIL_ARRAY_LEN(fixed) + k; i++) {
			const char *o = i < UTIL_ARRAY_LEN(fixed)
						? fixed[i]
						: out->prom[i - UTIL_ARRAY_LEN(fixed)];

			if (strcmp(o, out->prom[k]) == 0) {
				snprintf(err, errlen,
					 "metrics-labels: %.64s would be exported as %.80s twice",
					 out->name[k], o);
				goto bad;
			}
		}
		out->n++;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
bad:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

/* ---------- the listen address ---------- */

int promexp_parse_listen(const char *s, bool *off, struct sockaddr_storage *addr, char *err,
			 size_t errlen)
{
	char host[64];
	const char *colon, *end;
	uint64_t port;
	size_t hl;

	*off = false;
	memset(addr, 0, sizeof(*addr));
	if (strcmp(s, "none") == 0) {
		*off = true;
		return 0;
	}
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			goto bad;
		hl = (size_t)(rb - s - 1);
		if (hl == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hl);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			goto bad;
		hl = (size_t)(colon - s);
		if (hl == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	if (util_parse_u64(colon + 1, &end, 65535, &port) != 0 || *end || colon[1] == '\0')
		goto bad;
	if (s[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)addr;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)addr;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen,
		 "metrics-listen: expected none, IPV4:PORT or [IPV6]:PORT (port 0..65535), got "
		 "'%.100s'",
		 s);
	return -EINVAL;
}

/* ---------- the server ---------- */

#define PROMEXP_CONNS 16u
#define PROMEXP_CONNS_PER_IP 4u
#define PROMEXP_HEADERS_S 5u
#define PROMEXP_IDLE_S 10u

/* One connection under the header deadline (the watcher's view). */
struct promexp_conn {
	int fd; /* -1: a free slot */
	uint64_t since_ns; /* its start, or its previous answer */
	bool headers_in; /* its current request's headers are in */
};

struct promexp {
	struct MHD_Daemon *mhd;
	pthread_mutex_t mu; /* guards cur against the HTTP thread's reads */
	struct promexp_state cur; /* written only by the manager's thread, under mu */
	struct promexp_state spare; /* the manager's alone: the next state is made in it */
	pthread_mutex_t cmu; /* guards conns, stop */
	pthread_cond_t cv;
	struct promexp_conn conns[PROMEXP_CONNS];
	bool stop;
	pthread_t watcher;
	uint64_t cut; /* connections cut at the header deadline */
	struct ctrio_keep *keep; /* the containers' ctrio files, open from cycle to cycle */
};

static struct promexp_conn *promexp_slot(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* A connection opens (a free slot, its deadline starts) or closes (the slot is freed). */
static void promexp_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			   enum MHD_ConnectionNotificationCode toe)
{
	struct promexp *px = cls;
	struct promexp_conn *c = *socket_context;

	pthread_mutex_lock(&px->cmu);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		for (size_t i = 0; ci && i < PROMEXP_CONNS && !*socket_context; i++)
			if (px->conns[i].fd < 0) {
				px->conns[i] = (struct promexp_conn){ ci->connect_fd,
								      util_mono_ns(), false };
				*socket_context = &px->conns[i];
			}
	} else if (c) {
		c->fd = -1;
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&px->cmu);
}

/* The headers of conn's request are in (in) or its answer is sent (!in: the next one's start). */
static void promexp_mark(struct promexp *px, struct MHD_Connection *conn, bool in)
{
	struct promexp_conn *c = promexp_slot(conn);

	if (!c)
		return;
	pthread_mutex_lock(&px->cmu);
	c->headers_in = in;
	if (!in)
		c->since_ns = util_mono_ns();
	pthread_mutex_unlock(&px->cmu);
}

static void promexp_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	(void)con_cls;
	(void)toe;
	promexp_mark(cls, conn, false);
}

/* Every second: shut down the connections whose headers are late (MHD then closes them). */
static void *promexp_watch(void *arg)
{
	struct promexp *px = arg;
	const uint64_t limit = (uint64_t)PROMEXP_HEADERS_S * 1000000000ull;

	pthread_mutex_lock(&px->cmu);
	while (!px->stop) {
		struct timespec ts;
		uint64_t now = util_mono_ns();

		for (size_t i = 0; i < PROMEXP_CONNS; i++) {
			struct promexp_conn *c = &px->conns[i];

			if (c->fd >= 0 && !c->headers_in && now - c->since_ns > limit) {
				shutdown(c->fd, SHUT_RDWR);
				c->headers_in = true; /* once */
				px->cut++;
			}
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&px->cv, &px->cmu, &ts);
	}
	pthread_mutex_unlock(&px->cmu);
	return NULL;
}

static enum MHD_Result promexp_reply(struct MHD_Connection *conn, unsigned status, char *body,
				     size_t len, const char *type)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result promexp_handler(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload_data, size_t *upload_data_size,
				       void **con_cls)
{
	struct promexp *px = cls;
	char *body = NULL;
	size_t len = 0;
	int rc;

	(void)version;
	(void)upload_data;
	if (!*con_cls) { /* headers only: wait for the (ignored) body */
		*con_cls = px;
		promexp_mark(px, conn, true);
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0) {
		const char msg[] = "not found: the metrics are at /metrics\n";
		char *m = strdup(msg);
		return m ? promexp_reply(conn, MHD_HTTP_NOT_FOUND, m, sizeof(msg) - 1,
					 "text/plain; charset=utf-8")
			 : MHD_NO;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		const char msg[] = "method not allowed: GET or HEAD\n";
		char *m = strdup(msg);
		return m ? promexp_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, m, sizeof(msg) - 1,
					 "text/plain; charset=utf-8")
			 : MHD_NO;
	}
	pthread_mutex_lock(&px->mu);
	rc = promexp_render(&px->cur, &body, &len);
	pthread_mutex_unlock(&px->mu);
	if (rc)
		return MHD_NO;
	return promexp_reply(conn, MHD_HTTP_OK, body, len,
			     "text/plain; version=0.0.4; charset=utf-8");
}

static void promexp_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_warnx("metrics http: %s", buf);
}

int promexp_start(struct promexp **out, const char *listen, unsigned *port, char *err,
		  size_t errlen)
{
	struct sockaddr_storage ss;
	struct promexp *px;
	const union MHD_DaemonInfo *di;
	/* poll(), not select(): servicio keeps up to 10 cgroup files open per
	 * container, so from ~100 containers on an accepted connection's
	 * descriptor is past FD_SETSIZE (1024), which select() cannot watch:
	 * /metrics then refused every scrape. (epoll, tried first, once did not
	 * answer at once after hardening/metrics_slow's attack filled the caps,
	 * in CI; poll() rebuilds its set each turn as select() did.) */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
	bool off;
	int ret;

	*out = NULL;
	*port = 0;
	ret = promexp_parse_listen(listen, &off, &ss, err, errlen);
	if (ret || off)
		return ret;
	px = calloc(1, sizeof(*px));
	if (!px) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	px->cur.source = -1;
	px->keep = ctrio_keep_new(); /* NULL: the files are opened each cycle */
	pthread_mutex_init(&px->mu, NULL);
	pthread_mutex_init(&px->cmu, NULL);
	pthread_cond_init(&px->cv, NULL);
	for (size_t i = 0; i < PROMEXP_CONNS; i++)
		px->conns[i].fd = -1;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	px->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, promexp_handler, px, MHD_OPTION_EXTERNAL_LOGGER,
		promexp_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, PROMEXP_CONNS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		PROMEXP_CONNS_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT, PROMEXP_IDLE_S,
		MHD_OPTION_NOTIFY_CONNECTION, promexp_notify, px, MHD_OPTION_NOTIFY_COMPLETED,
		promexp_completed, px, MHD_OPTION_END);
	if (!px->mhd || pthread_create(&px->watcher, NULL, promexp_watch, px) != 0) {
		snprintf(err, errlen, "metrics: cannot listen on %s (in use?)", listen);
		if (px->mhd)
			MHD_stop_daemon(px->mhd);
		pthread_cond_destroy(&px->cv);
		pthread_mutex_destroy(&px->cmu);
		pthread_mutex_destroy(&px->mu);
		ctrio_keep_free(px->keep);
		free(px);
		return -EADDRINUSE;
	}
	di = MHD_get_daemon_info(px->mhd, MHD_DAEMON_INFO_BIND_PORT);
	*port = di ? di->port : 0;
	*out = px;
	return 0;
}

void promexp_publish(struct promexp *px, const struct cycle *c, const struct promexp_info *x)
{
	struct promexp_state old;
	struct promexp_info xi;
	struct ctrio *own = NULL;
	int ret;

	if (!px || !c || !x)
		return;
	xi = *x;
	if (!xi.io) /* the manager did not read them: read here, kept files and all */
		xi.io = own = ctrio_read_cycle(px->keep, c);
	/* only this thread writes cur: reading it here without the lock is safe */
	ret = promexp_state_step(&px->spare, &px->cur, c, &xi);
	free(own);
	if (ret != 0) {
		log_warnx("metrics: out of memory: /metrics keeps the previous cycle");
		return;
	}
	/* the two states swap: the one shown until now is the next cycle's to overwrite */
	pthread_mutex_lock(&px->mu);
	old = px->cur;
	px->cur = px->spare;
	pthread_mutex_unlock(&px->mu);
	px->spare = old;
}

void promexp_stop(struct promexp *px)
{
	if (!px)
		return;
	pthread_mutex_lock(&px->cmu);
	px->stop = true;
	pthread_cond_signal(&px->cv);
	pthread_mutex_unlock(&px->cmu);
	pthread_join(px->watcher, NULL);
	MHD_stop_daemon(px->mhd);
	if (px->cut)
		log_info("metrics: %llu connections cut at the %u s header deadline",
			 (unsigned long long)px->cut, PROMEXP_HEADERS_S);
	pthread_cond_destroy(&px->cv);
	pthread_mutex_destroy(&px->cmu);
	pthread_mutex_destroy(&px->mu);
	promexp_state_free(&px->cur);
	promexp_state_free(&px->spare);
	ctrio_keep_free(px->keep);
	free(px);
}
