/*
 * stats.c — `servicio stats`: one measurement of every container from our
 * own metrics, like `docker stats --no-stream`. Takes two snapshots an
 * interval apart (module or procfs source), computes per-container CPU %
 * and memory (ctrstats.c), names the containers and their gestor.class
 * label from the Docker API when it answers, and prints a table (colour only
 * on a terminal) or, with --json, one JSON document.
 */
#include "stats.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctrstats.h"
#include "docker.h"
#include "metrics.h"
#include "snapshot.h"
#include "util.h"

struct stats_row {
	char id[SNAP_CTR_ID_LEN + 1];
	char name[256];
	char label_class[32];
	const struct ctr_stat *st; /* NULL: no process of it in the snapshot */
	struct ctr_stat none; /* used when st is NULL */
};

static void stats_usage(FILE *f)
{
	fprintf(f,
		"usage: servicio stats [--interval SECONDS] [--json] [--source "
		"auto|module|procfs]\n"
		"                      [--module-path FILE] [--proc-root DIR] [--cgroup-root DIR]\n"
		"                      [--docker-socket PATH] [--no-docker] [--all]\n"
		"One row per container: id, name, gestor.class label, processes, CPU %% (100 =\n"
		"one core) over the interval (default 1 s), RSS of its processes, cgroup\n"
		"memory as docker stats computes it, memory %%. --all also lists containers\n"
		"that Docker does not know (other runtimes).\n");
}

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
	for (size_t i = 0; i < n; i++) {
		const struct ctr_stat *c = rows[i].st ? rows[i].st : &rows[i].none;
		json_t *o = json_object();

		if (!o) {
			ret = -ENOMEM;
			break;
		}
		json_object_set_new(o, "id", json_string(rows[i].id));
		json_object_set_new(o, "name", stats_jstr(rows[i].name));
		json_object_set_new(o, "label_class", stats_jstr(rows[i].label_class));
		json_object_set_new(o, "procs", json_integer(c->procs));
		json_object_set_new(o, "cpu_pct", c->has_cpu ? json_real(c->cpu_pct) : json_null());
		json_object_set_new(o, "rss_kb", json_integer((json_int_t)c->rss_kb));
		json_object_set_new(o, "mem_kb", json_integer((json_int_t)c->mem_kb));
		json_object_set_new(o, "mem_pct", json_real(c->mem_pct));
		json_object_set_new(o, "mem_source", json_string(c->has_mem ? "cgroup" : "rss"));
		if (c->has_mem) {
			json_object_set_new(o, "mem_raw_kb",
					    json_integer((json_int_t)(c->mem.raw / 1024)));
			json_object_set_new(
				o, "mem_inactive_file_kb",
				json_integer((json_int_t)(c->mem.inactive_file / 1024)));
			json_object_set_new(o, "mem_limit_kb",
					    json_integer((json_int_t)(c->mem.limit / 1024)));
			json_object_set_new(o, "cgroup_version", json_integer(c->mem.version));
		}
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
		       rows[i].label_class[0] ? rows[i].label_class : "-", c->procs, cc, cpu, off,
		       stats_fmt_bytes(c->rss_kb * 1024, b1, sizeof(b1)), mem, c->mem_pct);
	}
	if (n == 0)
		printf("%s(no running containers)%s\n", dim, off);
}

int stats_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "source", required_argument, NULL, 's' },
		{ "module-path", required_argument, NULL, 'm' },
		{ "proc-root", required_argument, NULL, 'p' },
		{ "cgroup-root", required_argument, NULL, 'c' },
		{ "docker-socket", required_argument, NULL, 'd' },
		{ "no-docker", no_argument, NULL, 'n' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct metrics_config cfg = { 0 };
	struct ctrstats_opts copts = { 0 };
	struct docker_opts dopts = { .api_version = DOCKER_API_DEFAULT, .timeout_ms = 5000 };
	struct snapshot s1 = { 0 }, s2 = { 0 };
	struct ctrstats st = { 0 };
	struct docker *dk = NULL;
	struct docker_container_list dl = { 0 };
	struct stats_row *rows = NULL;
	bool json = false, use_docker = true, all = false, have_list = false;
	double interval = 1.0;
	size_t nrows = 0;
	char err[512];
	int c, ret, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:js:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (util_parse_double(optarg, 0.05, 3600, &interval) < 0) {
				fprintf(stderr,
					"servicio stats: --interval: expected seconds in [0.05, "
					"3600], got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'j':
			json = true;
			break;
		case 's':
			if (!metrics_source_parse(optarg, &cfg.forced, &cfg.source)) {
				fprintf(stderr,
					"servicio stats: --source: expected auto, module or "
					"procfs, got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'm':
			cfg.module_path = optarg;
			break;
		case 'p':
			cfg.proc_root = optarg;
			break;
		case 'c':
			copts.cgroup_root = optarg;
			break;
		case 'd':
			dopts.socket_path = optarg;
			break;
		case 'n':
			use_docker = false;
			break;
		case 'a':
			all = true;
			break;
		case 'h':
			stats_usage(stdout);
			return 0;
		default:
			stats_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "servicio stats: unexpected argument '%s'\n", argv[optind]);
		stats_usage(stderr);
		return 2;
	}

	ret = metrics_take(&cfg, &s1, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "servicio stats: %s\n", err);
		return 1;
	}
	{
		struct timespec ts = { .tv_sec = (time_t)interval,
				       .tv_nsec = (long)((interval - floor(interval)) * 1e9) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	/* the second sample uses the same source as the first */
	cfg.forced = true;
	cfg.source = s1.source;
	ret = metrics_take(&cfg, &s2, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "servicio stats: %s\n", err);
		goto out;
	}
	util_strlcpy(s2.source_why, s1.source_why, sizeof(s2.source_why));
	ret = ctrstats_compute(&s1, &s2, &copts, &st, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "servicio stats: %s\n", err);
		goto out;
	}

	if (use_docker) {
		ret = docker_open(&dk, &dopts, err, sizeof(err));
		if (ret == 0)
			ret = docker_list_containers(dk, false, NULL, &dl, err, sizeof(err));
		if (ret == 0)
			have_list = true;
		else
			fprintf(stderr,
				"servicio stats: docker: %s; showing containers without names\n",
				err);
	}
	rows = calloc(st.nctrs + dl.n + 1, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "servicio stats: out of memory\n");
		goto out;
	}
	/* Docker's running containers, then (with --all or without Docker)
	 * the other containers seen in the processes */
	for (size_t i = 0; i < dl.n; i++) {
		const struct docker_container *dc = &dl.items[i];
		struct stats_row *r = &rows[nrows++];
		const char *cls = docker_container_label(dc, "gestor.class");

		util_strlcpy(r->id, dc->id, sizeof(r->id));
		util_strlcpy(r->name, dc->name, sizeof(r->name));
		util_strlcpy(r->label_class, cls ? cls : "", sizeof(r->label_class));
		r->st = ctrstats_find(&st, dc->id);
		if (!r->st) {
			/* no process seen (e.g. paused, or just started): its cgroup still counts */
			util_strlcpy(r->none.id, dc->id, sizeof(r->none.id));
			if ((!copts.cgroup_root || copts.cgroup_root[0]) &&
			    cgmem_read(copts.cgroup_root, "", dc->id, s2.mem.total_kb * 1024,
				       &r->none.mem) == 0) {
				r->none.has_mem = true;
				r->none.mem_kb = r->none.mem.usage / 1024;
				r->none.mem_pct = r->none.mem.limit
							  ? 100.0 * (double)r->none.mem.usage /
								    (double)r->none.mem.limit
							  : 0;
			}
		}
	}
	for (size_t i = 0; i < st.nctrs; i++) {
		if (have_list && (!all || docker_container_find(&dl, st.ctrs[i].id)))
			continue;
		struct stats_row *r = &rows[nrows++];
		util_strlcpy(r->id, st.ctrs[i].id, sizeof(r->id));
		r->st = &st.ctrs[i];
	}
	qsort(rows, nrows, sizeof(*rows), stats_cmp_row);
	if (json) {
		if (stats_print_json(&s2, &st, rows, nrows) < 0) {
			fprintf(stderr, "servicio stats: cannot write the JSON output\n");
			goto out;
		}
	} else {
		stats_print_table(&s2, &st, rows, nrows, isatty(STDOUT_FILENO));
	}
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
