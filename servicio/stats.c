/*
 * stats.c — `servicio stats`: one measurement of every container from our
 * own metrics, like `docker stats --no-stream`. Takes two snapshots an
 * interval apart (module, bpf or procfs source), computes per-container CPU %
 * and memory (ctrstats.c), names the containers and their gestor.class
 * label from the Docker API when it answers, and prints a table (colour only
 * on a terminal) or, with --json, one JSON document.
 */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cgmem.h"
#include "ctrio.h"
#include "ctrstats.h"
#include "docker.h"
#include "gestor.h"
#include "metrics.h"
#include "opts.h"
#include "snapshot.h"
#include "util.h"

struct stats_row {
	char id[GESTOR_CTR_ID_LEN + 1];
	char name[256];
	char label_class[32];
	const struct ctr_stat *st; /* NULL: no process of it in the snapshot */
	struct ctr_stat none; /* used when st is NULL (its ctr: stats_no_procs) */
};

/* What a container none of whose processes was seen has of them. */
static const struct snap_ctr stats_no_procs;

/* The command line of `servicio stats`. */
struct stats_args {
	double interval;
	bool json, no_docker, all, help;
	char source[16];
	char module_path[1024], proc_root[1024], cgroup_root[1024], docker_socket[1024];
};

#define F(field) OPTS_FIELD(struct stats_args, field)

static const struct opts_opt stats_opts[] = {
	{ "interval", OPTS_DOUBLE, F(interval), 0.05, 3600, NULL, "SECONDS",
	  "time between the two samples", 0 },
	{ "json", OPTS_BOOL, F(json), 0, 0, NULL, NULL, "one JSON document instead of the table",
	  0 },
	{ "source", OPTS_STR, F(source), 0, 0, NULL, "auto|module|bpf|procfs", "metrics source",
	  0 },
	{ "module-path", OPTS_STR, F(module_path), 0, 0, NULL, "FILE", "the kernel module's file",
	  0 },
	{ "proc-root", OPTS_STR, F(proc_root), 0, 0, NULL, "DIR", "the /proc to walk", 0 },
	{ "cgroup-root", OPTS_STR, F(cgroup_root), 0, 0, NULL, "DIR", "the cgroup file system", 0 },
	{ "docker-socket", OPTS_STR, F(docker_socket), 0, 0, NULL, "PATH",
	  "Docker Engine API socket", 0 },
	{ "no-docker", OPTS_BOOL, F(no_docker), 0, 0, NULL, NULL,
	  "do not ask Docker for names and labels", 0 },
	{ "all", OPTS_BOOL, F(all), 0, 0, NULL, NULL,
	  "also containers Docker does not know (other runtimes)", 0 },
	OPTS_ROW_HELP(struct stats_args),
};

static const struct opts_spec stats_spec = { stats_opts, UTIL_ARRAY_LEN(stats_opts), NULL, NULL };

static const struct stats_args stats_defaults = { .interval = 1.0, .source = "auto" };

static const struct opts_prog stats_prog = {
	.spec = &stats_spec,
	.name = "servicio stats",
	.synopsis = "servicio stats [OPTION]...",
	.about = "One row per container: id, name, gestor.class label, processes, CPU % (100 =\n"
		 "one core) over the interval (default 1 s), RSS of its processes, cgroup\n"
		 "memory as docker stats computes it, memory %. --all also lists containers\n"
		 "that Docker does not know (other runtimes).",
	.defaults = &stats_defaults,
};

/* 1536 -> "1.5KiB": binary units like docker stats. */
static const char *stats_fmt_bytes(uint64_t b, char *buf, size_t cap)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024.0 && u + 1 < UTIL_ARRAY_LEN(units)) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%lluB", (unsigned long long)b);
	else
		snprintf(buf, cap, v < 10 ? "%.2f%s" : v < 100 ? "%.1f%s" : "%.0f%s", v, units[u]);
	return buf;
}

static int stats_cmp_row(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->id, y->id);
}

/* A JSON string for s, or null when s is not valid UTF-8 (it always is here). */
static json_t *stats_jstr(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_null();
}

/* The container's cAdvisor figures (ctrio.h) as an "io" object of o. */
static void stats_json_io(json_t *o, const struct snapshot *cur, const char *id)
{
	struct ctrio io;
	json_t *j = json_object(), *a;

	if (!j)
		return;
	(void)ctrio_read_snap(NULL, cur, id, &io);
	if (io.has_cpu)
		json_object_set_new(j, "cpu_seconds", json_real((double)io.cpu_ns / 1e9));
	if (io.has_cfs) {
		json_object_set_new(j, "cfs_periods", json_integer((json_int_t)io.nr_periods));
		json_object_set_new(j, "cfs_throttled_periods",
				    json_integer((json_int_t)io.nr_throttled));
		json_object_set_new(j, "cfs_throttled_seconds",
				    json_real((double)io.throttled_ns / 1e9));
	}
	if (io.has_pids) {
		json_object_set_new(j, "processes", json_integer((json_int_t)io.processes));
		json_object_set_new(j, "threads", json_integer((json_int_t)io.threads));
	}
	if (io.has_oom)
		json_object_set_new(j, "oom_events", json_integer((json_int_t)io.oom_kill));
	if (io.has_io && (a = json_array()) != NULL) {
		for (size_t d = 0; d < io.ndev; d++)
			json_array_append_new(
				a, json_pack("{s:s, s:I, s:I, s:I, s:I}", "device", io.dev[d].name,
					     "read_bytes", (json_int_t)io.dev[d].rbytes,
					     "write_bytes", (json_int_t)io.dev[d].wbytes, "reads",
					     (json_int_t)io.dev[d].rios, "writes",
					     (json_int_t)io.dev[d].wios));
		json_object_set_new(j, "block", a);
	}
	if (io.has_net && (a = json_array()) != NULL) {
		for (size_t f = 0; f < io.nif; f++)
			json_array_append_new(
				a,
				json_pack("{s:s, s:I, s:I, s:I, s:I}", "interface", io.ifs[f].name,
					  "rx_bytes", (json_int_t)io.ifs[f].rx_bytes, "rx_packets",
					  (json_int_t)io.ifs[f].rx_packets, "tx_bytes",
					  (json_int_t)io.ifs[f].tx_bytes, "tx_packets",
					  (json_int_t)io.ifs[f].tx_packets));
		json_object_set_new(j, "network", a);
	}
	json_object_set_new(o, "io", j);
}

/* One container's object of `servicio stats --json` (NULL: out of memory). */
static json_t *stats_json_ctr(const struct snapshot *cur, const struct stats_row *row)
{
	const struct ctr_stat *c = row->st ? row->st : &row->none;
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_string(row->id));
	json_object_set_new(o, "name", stats_jstr(row->name));
	json_object_set_new(o, "label_class", stats_jstr(row->label_class));
	json_object_set_new(o, "procs", json_integer(c->ctr->nprocs));
	json_object_set_new(o, "cpu_pct", c->has_cpu ? json_real(c->cpu_pct) : json_null());
	json_object_set_new(o, "rss_kb", json_integer((json_int_t)c->ctr->rss_kb));
	json_object_set_new(o, "mem_kb", json_integer((json_int_t)c->mem_kb));
	json_object_set_new(o, "mem_pct", json_real(c->mem_pct));
	json_object_set_new(o, "mem_source", json_string(c->has_mem ? "cgroup" : "rss"));
	if (c->has_mem) {
		json_object_set_new(o, "mem_raw_kb", json_integer((json_int_t)(c->mem.raw / 1024)));
		json_object_set_new(o, "mem_inactive_file_kb",
				    json_integer((json_int_t)(c->mem.inactive_file / 1024)));
		json_object_set_new(o, "mem_limit_kb",
				    json_integer((json_int_t)(c->mem.limit / 1024)));
		json_object_set_new(o, "cgroup_version", json_integer(c->mem.version));
	}
	if (row->st)
		stats_json_io(o, cur, row->id);
	return o;
}

static int stats_print_json(const struct snapshot *cur, const struct ctrstats *st,
			    const struct stats_row *rows, size_t n)
{
	json_t *doc = json_object(), *arr = json_array(), *mem = json_object();
	int ret = 0;

	if (!doc || !arr || !mem) {
		json_decref(doc);
		json_decref(arr);
		json_decref(mem);
		return -ENOMEM;
	}
	json_object_set_new(doc, "source", json_string(metrics_source_name(cur->source)));
	json_object_set_new(doc, "source_why", stats_jstr(cur->source_why));
	json_object_set_new(doc, "ts_ns", json_integer((json_int_t)cur->timestamp_ns));
	json_object_set_new(doc, "interval_ns", json_integer((json_int_t)st->interval_ns));
	json_object_set_new(doc, "cpus", json_integer(cur->cpus));
	json_object_set_new(doc, "cpu_pct",
			    st->has_sys_cpu ? json_real(st->sys_cpu_pct) : json_null());
	json_object_set_new(mem, "total_kb", json_integer((json_int_t)cur->mem.total_kb));
	json_object_set_new(mem, "used_kb", json_integer((json_int_t)cur->mem.used_kb));
	json_object_set_new(mem, "available_kb", json_integer((json_int_t)cur->mem.available_kb));
	json_object_set_new(doc, "memory", mem);
	json_object_set_new(doc, "processes", json_integer((json_int_t)cur->nprocs));
	for (size_t i = 0; i < n && ret == 0; i++) {
		json_t *o = stats_json_ctr(cur, &rows[i]);

		if (!o)
			ret = -ENOMEM;
		else
			json_array_append_new(arr, o);
	}
	json_object_set_new(doc, "containers", arr);
	if (ret == 0 && json_dumpf(doc, stdout, JSON_INDENT(2)) < 0)
		ret = -EIO;
	if (ret == 0)
		putchar('\n');
	json_decref(doc);
	return ret;
}

static void stats_print_table(const struct snapshot *cur, const struct ctrstats *st,
			      const struct stats_row *rows, size_t n, bool colour)
{
	const char *bold = colour ? "\033[1m" : "", *dim = colour ? "\033[2m" : "",
		   *red = colour ? "\033[31m" : "", *yel = colour ? "\033[33m" : "",
		   *off = colour ? "\033[0m" : "";
	char b1[32], b2[32], b3[32], used[32], total[32];

	fprintf(stderr, "%ssource: %s (%s); interval %.2f s; system CPU %s; memory %s / %s%s\n",
		dim, metrics_source_name(cur->source), cur->source_why,
		(double)st->interval_ns / 1e9,
		st->has_sys_cpu ? (snprintf(b1, sizeof(b1), "%.1f%%", st->sys_cpu_pct), b1) : "-",
		stats_fmt_bytes(cur->mem.used_kb * 1024, used, sizeof(used)),
		stats_fmt_bytes(cur->mem.total_kb * 1024, total, sizeof(total)), off);
	printf("%s%-12s   %-24s %-9s %5s %8s %10s %21s %7s%s\n", bold, "CONTAINER ID", "NAME",
	       "CLASS", "PROCS", "CPU %", "RSS", "MEM USAGE / LIMIT", "MEM %", off);
	for (size_t i = 0; i < n; i++) {
		const struct ctr_stat *c = rows[i].st ? rows[i].st : &rows[i].none;
		char cpu[16], mem[48];
		const char *cc = "";

		if (c->has_cpu) {
			snprintf(cpu, sizeof(cpu), "%.2f%%", c->cpu_pct);
			cc = c->cpu_pct >= 80 ? red : c->cpu_pct >= 20 ? yel : "";
		} else {
			snprintf(cpu, sizeof(cpu), "--");
		}
		if (c->has_mem)
			snprintf(mem, sizeof(mem), "%s / %s",
				 stats_fmt_bytes(c->mem.usage, b2, sizeof(b2)),
				 stats_fmt_bytes(c->mem.limit, b3, sizeof(b3)));
		else
			snprintf(mem, sizeof(mem), "-");
		printf("%.12s   %-24.24s %-9.9s %5u %s%8s%s %10s %21s %6.2f%%\n", rows[i].id,
		       rows[i].name[0] ? rows[i].name : "-",
		       rows[i].label_class[0] ? rows[i].label_class : "-", c->ctr->nprocs, cc, cpu,
		       off, stats_fmt_bytes(c->ctr->rss_kb * 1024, b1, sizeof(b1)), mem,
		       c->mem_pct);
	}
	if (n == 0)
		printf("%s(no running containers)%s\n", dim, off);
}

/* Two snapshots interval apart (one session: one source) and their stats. 0 or 1. */
static int stats_measure(const struct metrics_config *cfg, const char *cgroup_root, double interval,
			 struct snapshot *s1, struct snapshot *s2, struct ctrstats *st)
{
	struct metrics m;
	char err[512];
	struct timespec ts = { .tv_sec = (time_t)interval,
			       .tv_nsec = (long)((interval - floor(interval)) * 1e9) };
	int ret = metrics_open(&m, cfg, err, sizeof(err));

	m.copts.cgroup_root = cgroup_root;
	if (ret == 0)
		ret = metrics_take(&m, s1, err, sizeof(err));
	while (ret == 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	if (ret == 0)
		ret = metrics_take(&m, s2, err, sizeof(err));
	/* s1 and s2 are the caller's: the rates against s1, whatever the session kept */
	if (ret == 0)
		ret = ctrstats_compute(s1, s2, &m.copts, st, err, sizeof(err));
	metrics_close(&m);
	if (ret < 0)
		fprintf(stderr, "servicio stats: %s\n", err);
	return ret < 0 ? 1 : 0;
}

/* A row for a container Docker lists. */
static void stats_docker_row(struct stats_row *r, const struct docker_container *dc,
			     const struct ctrstats *st, const char *cgroot, uint64_t ram)
{
	const char *cls = docker_container_label(dc, GESTOR_LABEL_CLASS);

	util_strlcpy(r->id, dc->id, sizeof(r->id));
	util_strlcpy(r->name, dc->name, sizeof(r->name));
	util_strlcpy(r->label_class, cls ? cls : "", sizeof(r->label_class));
	r->st = ctrstats_find(st, dc->id);
	if (r->st)
		return;
	/* no process seen (e.g. paused, or just started): its cgroup still counts */
	r->none.ctr = &stats_no_procs;
	if ((!cgroot || cgroot[0]) && cgmem_read(cgroot, "", dc->id, ram, &r->none.mem) == 0) {
		r->none.has_mem = true;
		r->none.mem_kb = r->none.mem.usage / 1024;
		r->none.mem_pct = r->none.mem.limit ? 100.0 * (double)r->none.mem.usage /
							      (double)r->none.mem.limit
						    : 0;
	}
}

/* Docker's running containers, then (with --all or without Docker) the
 * other containers seen in the processes. NULL when out of memory. */
static struct stats_row *stats_rows(const struct stats_args *a, const struct ctrstats *st,
				    const struct docker_container_list *dl, bool have_list,
				    uint64_t ram, size_t *n)
{
	struct stats_row *rows = calloc(st->nctrs + dl->n + 1, sizeof(*rows));
	const char *cgroot = a->cgroup_root[0] ? a->cgroup_root : NULL;

	*n = 0;
	if (!rows)
		return NULL;
	for (size_t i = 0; i < dl->n; i++)
		stats_docker_row(&rows[(*n)++], &dl->items[i], st, cgroot, ram);
	for (size_t i = 0; i < st->nctrs; i++) {
		if (have_list && (!a->all || docker_container_find(dl, st->ctrs[i].ctr->id)))
			continue;
		struct stats_row *r = &rows[(*n)++];
		util_strlcpy(r->id, st->ctrs[i].ctr->id, sizeof(r->id));
		r->st = &st->ctrs[i];
	}
	qsort(rows, *n, sizeof(*rows), stats_cmp_row);
	return rows;
}

/*
 * The command line into *a and the metrics source. true when it ends the
 * program (an error, --help: opts_prog_exit), with the exit status in
 * *status; false: go on.
 */
static bool stats_args_exit(int argc, char **argv, struct stats_args *a, struct metrics_config *cfg,
			    int *status)
{
	char err[512];
	int ret;

	*a = stats_defaults;
	ret = opts_load_args(&stats_spec, a, argc, argv, opts_pick_help, err, sizeof(err));
	if (ret == 0 && !a->help)
		ret = opts_load_args(&stats_spec, a, argc, argv, NULL, err, sizeof(err));
	if (ret == 0 && !a->help && !metrics_source_parse(a->source, &cfg->forced, &cfg->source)) {
		snprintf(err, sizeof(err), "--source: expected %s, got '%s'",
			 metrics_source_words(), a->source);
		ret = -EINVAL;
	}
	if (opts_prog_exit(&stats_prog, &(struct opts_prog_req){ .help = a->help }, ret, err,
			   status))
		return true;
	cfg->module_path = a->module_path[0] ? a->module_path : NULL;
	cfg->proc_root = a->proc_root[0] ? a->proc_root : NULL;
	return false;
}

int stats_main(int argc, char **argv)
{
	struct stats_args a;
	struct metrics_config cfg = { 0 };
	struct docker_opts dopts = { .api_version = DOCKER_API_DEFAULT, .timeout_ms = 5000 };
	struct snapshot s1 = { 0 }, s2 = { 0 };
	struct ctrstats st = { 0 };
	struct docker *dk = NULL;
	struct docker_container_list dl = { 0 };
	struct stats_row *rows = NULL;
	bool have_list = false;
	size_t nrows = 0;
	char err[512];
	int status;

	if (stats_args_exit(argc, argv, &a, &cfg, &status))
		return status;
	dopts.socket_path = a.docker_socket[0] ? a.docker_socket : NULL;
	status = 1;
	if (stats_measure(&cfg, a.cgroup_root[0] ? a.cgroup_root : NULL, a.interval, &s1, &s2,
			  &st) != 0)
		goto out;
	if (!a.no_docker) {
		int ret = docker_open(&dk, &dopts, err, sizeof(err));
		if (ret == 0)
			ret = docker_list_containers(dk, false, NULL, &dl, err, sizeof(err));
		have_list = ret == 0;
		if (ret)
			fprintf(stderr,
				"servicio stats: docker: %s; showing containers without names\n",
				err);
	}
	rows = stats_rows(&a, &st, &dl, have_list, s2.mem.total_kb * 1024, &nrows);
	if (!rows) {
		fprintf(stderr, "servicio stats: out of memory\n");
		goto out;
	}
	if (a.json && stats_print_json(&s2, &st, rows, nrows) < 0) {
		fprintf(stderr, "servicio stats: cannot write the JSON output\n");
		goto out;
	}
	if (!a.json)
		stats_print_table(&s2, &st, rows, nrows, isatty(STDOUT_FILENO));
	fflush(stdout);
	status = ferror(stdout) ? 1 : 0;
out:
	free(rows);
	docker_container_list_free(&dl);
	docker_close(dk);
	ctrstats_free(&st);
	snapshot_free(&s1);
	snapshot_free(&s2);
	return status;
}
