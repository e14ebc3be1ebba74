/*
 * config.c — admin_logs settings from defaults, ADMIN_LOGS_* environment
 * variables and command-line flags (flags win). Every value is range-checked;
 * an unknown flag or a bad value is an error naming it, never a silent default.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gestor.h"
#include "util.h"

enum opt_kind { OPT_STR, OPT_UINT, OPT_SIZE, OPT_BOOL };

struct opt {
	const char *flag;
	const char *env;
	enum opt_kind kind;
	size_t off;
	size_t cap; /* OPT_STR: buffer size */
	uint64_t min, max;
};

#define STR_OPT(f, e, field)                                      \
	{                                                         \
		f, e, OPT_STR, offsetof(struct config, field),    \
			sizeof(((struct config *)0)->field), 0, 0 \
	}
#define UINT_OPT(f, e, field, lo, hi)                                     \
	{                                                                 \
		f, e, OPT_UINT, offsetof(struct config, field), 0, lo, hi \
	}

static const struct opt config_opts[] = {
	STR_OPT("--listen", "ADMIN_LOGS_LISTEN", listen),
	UINT_OPT("--port", "ADMIN_LOGS_PORT", port, 0, 65535),
	STR_OPT("--db", "ADMIN_LOGS_DB", db_path),
	STR_OPT("--report-dir", "ADMIN_LOGS_REPORT_DIR", report_dir),
	STR_OPT("--port-file", "ADMIN_LOGS_PORT_FILE", port_file),
	STR_OPT("--gnuplot", "ADMIN_LOGS_GNUPLOT", gnuplot),
	{ "--max-body", "ADMIN_LOGS_MAX_BODY", OPT_SIZE, offsetof(struct config, max_body), 0, 256,
	  256u << 20 },
	UINT_OPT("--threads", "ADMIN_LOGS_THREADS", threads, 1, 64),
	UINT_OPT("--timeout", "ADMIN_LOGS_TIMEOUT", timeout_s, 1, 3600),
	UINT_OPT("--max-conns", "ADMIN_LOGS_MAX_CONNS", max_conns, 1, 10000),
	UINT_OPT("--top", "ADMIN_LOGS_TOP", top_n, 1, 50),
	UINT_OPT("--group-max", "ADMIN_LOGS_GROUP_MAX", group_max, 1, 100000),
	{ "--quiet", "ADMIN_LOGS_QUIET", OPT_BOOL, offsetof(struct config, quiet), 0, 0, 1 },
};

const char *config_usage(void)
{
	return "usage: admin_logs [options]   (each also as the environment variable shown)\n"
	       "  --listen ADDR       ADMIN_LOGS_LISTEN     listen address (127.0.0.1)\n"
	       "  --port N            ADMIN_LOGS_PORT       TCP port, 0 = any free one (8000)\n"
	       "  --db PATH           ADMIN_LOGS_DB         SQLite database (gestor.db)\n"
	       "  --report-dir DIR    ADMIN_LOGS_REPORT_DIR graphs directory (<db dir>/report)\n"
	       "  --port-file PATH    ADMIN_LOGS_PORT_FILE  write the bound port there\n"
	       "  --gnuplot PROG      ADMIN_LOGS_GNUPLOT    gnuplot program (gnuplot)\n"
	       "  --max-body BYTES    ADMIN_LOGS_MAX_BODY   largest request body (1048576)\n"
	       "  --threads N         ADMIN_LOGS_THREADS    HTTP threads (2)\n"
	       "  --timeout S         ADMIN_LOGS_TIMEOUT    idle/slow connection timeout (10)\n"
	       "  --max-conns N       ADMIN_LOGS_MAX_CONNS  concurrent connections (512)\n"
	       "  --top N             ADMIN_LOGS_TOP        busiest containers charted (5)\n"
	       "  --group-max N       ADMIN_LOGS_GROUP_MAX  batches per commit at most (1024)\n"
	       "  --quiet             ADMIN_LOGS_QUIET=1    no access lines on stdout\n";
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	util_strlcpy(c->listen, "127.0.0.1", sizeof(c->listen));
	c->port = GESTOR_LOG_PORT;
	util_strlcpy(c->db_path, "gestor.db", sizeof(c->db_path));
	util_strlcpy(c->gnuplot, "gnuplot", sizeof(c->gnuplot));
	c->max_body = 1u << 20;
	c->threads = 2;
	c->timeout_s = 10;
	c->max_conns = 512;
	c->top_n = 5;
	c->group_max = 1024;
}

static int config_set(struct config *c, const struct opt *o, const char *name, const char *val,
		      char *err, size_t errlen)
{
	char *base = (char *)c + o->off;
	uint64_t v;
	const char *end;

	switch (o->kind) {
	case OPT_STR:
		if (val[0] == '\0' && strcmp(o->flag, "--port-file") != 0 &&
		    strcmp(o->flag, "--report-dir") != 0) {
			snprintf(err, errlen, "%s: empty value", name);
			return -EINVAL;
		}
		if (!util_strlcpy(base, val, o->cap)) {
			snprintf(err, errlen, "%s: longer than %zu bytes", name, o->cap - 1);
			return -EINVAL;
		}
		return 0;
	case OPT_BOOL:
		if (strcmp(val, "1") == 0 || strcmp(val, "true") == 0 || strcmp(val, "yes") == 0)
			*(bool *)base = true;
		else if (strcmp(val, "0") == 0 || strcmp(val, "false") == 0 ||
			 strcmp(val, "no") == 0)
			*(bool *)base = false;
		else {
			snprintf(err, errlen, "%s: '%s' is not a boolean", name, val);
			return -EINVAL;
		}
		return 0;
	case OPT_UINT:
	case OPT_SIZE:
		if (util_parse_u64(val, &end, o->max, &v) < 0 || *end != '\0' || v < o->min) {
			snprintf(err, errlen, "%s: '%s' is not a number in %llu..%llu", name, val,
				 (unsigned long long)o->min, (unsigned long long)o->max);
			return -EINVAL;
		}
		if (o->kind == OPT_SIZE)
			*(size_t *)base = (size_t)v;
		else
			*(unsigned *)base = (unsigned)v;
		return 0;
	}
	return -EINVAL;
}

static void config_default_report(struct config *c)
{
	const char *slash;
	size_t n;

	if (c->report_dir[0] != '\0')
		return;
	slash = strrchr(c->db_path, '/');
	if (!slash) {
		util_strlcpy(c->report_dir, "report", sizeof(c->report_dir));
		return;
	}
	n = (size_t)(slash - c->db_path);
	if (n + sizeof("/report") > sizeof(c->report_dir))
		n = sizeof(c->report_dir) - sizeof("/report");
	memcpy(c->report_dir, c->db_path, n);
	memcpy(c->report_dir + n, "/report", sizeof("/report"));
}

int config_load(struct config *c, int argc, char **argv, const char *(*getenv_fn)(const char *),
		char *err, size_t errlen)
{
	size_t i;
	int a, r;

	for (i = 0; i < UTIL_ARRAY_LEN(config_opts); i++) {
		const char *v = getenv_fn ? getenv_fn(config_opts[i].env) : NULL;
		if (v &&
		    (r = config_set(c, &config_opts[i], config_opts[i].env, v, err, errlen)) < 0)
			return r;
	}
	for (a = 1; a < argc; a++) {
		const char *arg = argv[a], *val = NULL, *eq;
		size_t flen;

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			util_strlcpy(err, config_usage(), errlen);
			return 1;
		}
		eq = strchr(arg, '=');
		flen = eq ? (size_t)(eq - arg) : strlen(arg);
		for (i = 0; i < UTIL_ARRAY_LEN(config_opts); i++)
			if (strlen(config_opts[i].flag) == flen &&
			    strncmp(config_opts[i].flag, arg, flen) == 0)
				break;
		if (i == UTIL_ARRAY_LEN(config_opts)) {
			snprintf(err, errlen, "unknown option '%s' (try --help)", arg);
			return -EINVAL;
		}
		if (eq)
			val = eq + 1;
		else if (config_opts[i].kind == OPT_BOOL)
			val = "1";
		else if (a + 1 < argc)
			val = argv[++a];
		else {
			snprintf(err, errlen, "%s needs a value", config_opts[i].flag);
			return -EINVAL;
		}
		if ((r = config_set(c, &config_opts[i], config_opts[i].flag, val, err, errlen)) < 0)
			return r;
	}
	config_default_report(c);
	return 0;
}
