/*
 * config.c — the option table behind config.h.
 *
 * Every option is one row: its flag name, where it lives in struct config,
 * its type and range, and its help line. Defaults come from
 * config_defaults(); the INI file, GESTOR_* variables and --flags all go
 * through config_set(), so a value means the same wherever it is written.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker.h"
#include "gestor.h"
#include "modsrc.h"
#include "util.h"

#define CONFIG_DEFAULT_FILE "/etc/gestor/servicio.ini"

enum opt_type { OPT_BOOL, OPT_INT, OPT_DOUBLE, OPT_STR, OPT_ENUM };

struct opt {
	const char *name; /* flag name without "--" */
	enum opt_type type;
	size_t off, size; /* field and its size (strings) */
	double min, max;
	const char *const *choices; /* OPT_ENUM: NULL-terminated */
	const char *arg; /* metavariable in --help */
	const char *help;
};

static const char *const ranking_names[] = { "cpu", "oldest", NULL };
static const char *const source_names[] = { "auto", "module", "procfs", NULL };
static const char *const colour_names[] = { "auto", "always", "never", NULL };
static const char *const level_names[] = { "debug", "info", "warn", "error", NULL };

#define F(field) offsetof(struct config, field), sizeof(((struct config *)0)->field)

static const struct opt opts[] = {
	{ "config", OPT_STR, F(config_file), 0, 0, NULL, "FILE",
	  "INI file to read (" CONFIG_DEFAULT_FILE " is read when it exists)" },
	{ "interval", OPT_DOUBLE, F(interval_s), 1, 86400, NULL, "SECONDS",
	  "time between cycles (at least 1)" },
	{ "duration", OPT_DOUBLE, F(duration_s), 0, 31536000, NULL, "SECONDS",
	  "stop by itself after this long (0: run until Ctrl+C)" },
	{ "once", OPT_BOOL, F(once), 0, 0, NULL, NULL,
	  "run one full cycle (two samples for the rates) and exit" },
	{ "dry-run", OPT_BOOL, F(dry_run), 0, 0, NULL, NULL,
	  "decide and log (action would_remove) but remove nothing" },
	{ "keep-high", OPT_INT, F(keep_high), 0, 100000, NULL, "N",
	  "high-consumption containers kept" },
	{ "keep-low", OPT_INT, F(keep_low), 0, 100000, NULL, "N",
	  "low-consumption containers kept" },
	{ "ranking", OPT_ENUM, F(ranking), 0, 0, ranking_names, "cpu|oldest",
	  "which stay: cpu = heaviest high and lightest low (by CPU, then memory); "
	  "oldest = longest-running" },
	{ "high-cpu", OPT_DOUBLE, F(high_cpu), 0, 100000, NULL, "PCT",
	  "CPU % (of one core) at or above which a container is high" },
	{ "high-mem", OPT_DOUBLE, F(high_mem_mb), 0, 1e9, NULL, "MIB",
	  "memory (MiB, as docker stats counts it) at or above which a container is high" },
	{ "source", OPT_ENUM, F(source), 0, 0, source_names, "auto|module|procfs",
	  "metrics source (auto: the module file when present, else procfs)" },
	{ "module-path", OPT_STR, F(module_path), 0, 0, NULL, "PATH", "the kernel module's file" },
	{ "docker-socket", OPT_STR, F(docker_socket), 0, 0, NULL, "PATH",
	  "Docker Engine API socket" },
	{ "log-url", OPT_STR, F(log_url), 0, 0, NULL, "URL",
	  "use this log server instead of running the admin_logs container" },
	{ "admin-image", OPT_STR, F(admin_image), 0, 0, NULL, "IMAGE", "admin_logs image" },
	{ "admin-name", OPT_STR, F(admin_name), 0, 0, NULL, "NAME", "admin_logs container name" },
	{ "admin-port", OPT_INT, F(admin_port), 1, 65535, NULL, "PORT",
	  "admin_logs port published on 127.0.0.1" },
	{ "admin-data", OPT_STR, F(admin_data), 0, 0, NULL, "DIR",
	  "host directory mounted at /data in admin_logs (database, report)" },
	{ "keep-admin-logs", OPT_BOOL, F(keep_admin_logs), 0, 0, NULL, NULL,
	  "leave the admin_logs container running at exit" },
	{ "health-timeout", OPT_DOUBLE, F(health_timeout_s), 1, 3600, NULL, "SECONDS",
	  "how long to wait for admin_logs to answer /health at start" },
	{ "no-cron", OPT_BOOL, F(no_cron), 0, 0, NULL, NULL,
	  "do not install (nor remove) the cron job" },
	{ "cron-script", OPT_STR, F(cron_script), 0, 0, NULL, "PATH",
	  "cron.sh to run (default: <repo>/scripts/cron.sh beside build/bin)" },
	{ "spool", OPT_STR, F(spool_path), 0, 0, NULL, "PATH",
	  "spool file for logs admin_logs has not accepted yet" },
	{ "spool-max-mb", OPT_DOUBLE, F(spool_max_mb), 0.01, 1e6, NULL, "MIB",
	  "spool size limit (new batches are dropped, loudly, past it)" },
	{ "settle-ms", OPT_INT, F(settle_ms), 10, 5000, NULL, "MS",
	  "a container seen for the first time is rated over its lifetime once this old "
	  "(a younger one: measured again when it is)" },
	{ "log-level", OPT_ENUM, F(log_level), 0, 0, level_names, "debug|info|warn|error",
	  "lowest level logged on stderr" },
	{ "color", OPT_ENUM, F(colour), 0, 0, colour_names, "auto|always|never",
	  "colour in the table (auto: only on a terminal)" },
	{ "scope", OPT_STR, F(scope), 0, 0, NULL, "LABEL=VALUE",
	  "manage only the managed containers that also carry this label (tests, shared hosts)" },
	{ "host", OPT_STR, F(host), 0, 0, NULL, "NAME", "host name sent with the logs" },
	{ "help", OPT_BOOL, F(help), 0, 0, NULL, NULL, "print this help and exit" },
	{ "version", OPT_BOOL, F(version), 0, 0, NULL, NULL, "print the version and exit" },
};

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->interval_s = 10;
	c->keep_high = 2;
	c->keep_low = 3;
	c->ranking = CONFIG_RANK_CPU;
	c->high_cpu = 20;
	c->high_mem_mb = 64;
	util_strlcpy(c->source, "auto", sizeof(c->source));
	util_strlcpy(c->module_path, MODSRC_PATH, sizeof(c->module_path));
	util_strlcpy(c->docker_socket, DOCKER_SOCKET, sizeof(c->docker_socket));
	util_strlcpy(c->admin_image, "gestor/admin_logs:latest", sizeof(c->admin_image));
	util_strlcpy(c->admin_name, "gestor-admin_logs", sizeof(c->admin_name));
	c->admin_port = GESTOR_LOG_PORT;
	util_strlcpy(c->admin_data, "/var/lib/gestor/admin_logs", sizeof(c->admin_data));
	c->health_timeout_s = 60;
	util_strlcpy(c->spool_path, "/var/lib/gestor/servicio/spool", sizeof(c->spool_path));
	c->spool_max_mb = 64;
	c->settle_ms = 200;
	util_strlcpy(c->log_level, "info", sizeof(c->log_level));
	c->colour = CONFIG_COLOUR_AUTO;
	if (gethostname(c->host, sizeof(c->host) - 1) != 0 || c->host[0] == '\0')
		util_strlcpy(c->host, "localhost", sizeof(c->host));
}

/* "dry_run", "DRY_RUN" and "dry-run" all name the option dry-run. */
static const struct opt *opt_find(const char *name)
{
	char norm[64];
	size_t n = strlen(name);

	if (n == 0 || n >= sizeof(norm))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		norm[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
	for (size_t i = 0; i < UTIL_ARRAY_LEN(opts); i++)
		if (strcmp(opts[i].name, norm) == 0)
			return &opts[i];
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < UTIL_ARRAY_LEN(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int opt_apply(struct config *c, const struct opt *o, const char *v, char *err, size_t errlen)
{
	void *field = (char *)c + o->off;
	int ret;

	switch (o->type) {
	case OPT_BOOL:
		if (parse_bool(v, (bool *)field) == 0)
			return 0;
		snprintf(err, errlen, "%s: '%s' is not a boolean (true/false, 1/0, yes/no)",
			 o->name, v);
		return -EINVAL;
	case OPT_INT: {
		int64_t x;
		const char *end;

		ret = util_parse_i64(v, &end, (int64_t)o->min, (int64_t)o->max, &x);
		if (ret == 0 && *end != '\0')
			ret = -EINVAL;
		if (ret) {
			snprintf(err, errlen, "%s: '%s' is not an integer in [%.0f, %.0f]", o->name,
				 v, o->min, o->max);
			return ret;
		}
		*(int *)field = (int)x;
		return 0;
	}
	case OPT_DOUBLE:
		ret = util_parse_double(v, o->min, o->max, (double *)field);
		if (ret)
			snprintf(err, errlen, "%s: '%s' is not a number in [%g, %g]", o->name, v,
				 o->min, o->max);
		return ret;
	case OPT_STR:
		if (!util_strlcpy(field, v, o->size)) {
			snprintf(err, errlen, "%s: value longer than %zu bytes", o->name,
				 o->size - 1);
			return -ERANGE;
		}
		return 0;
	case OPT_ENUM:
		for (int i = 0; o->choices[i]; i++) {
			if (strcmp(v, o->choices[i]) == 0) {
				if (o->size == sizeof(int))
					*(int *)field = i;
				else
					util_strlcpy(field, v, o->size);
				return 0;
			}
		}
		snprintf(err, errlen, "%s: '%s' is not one of %s", o->name, v, o->arg);
		return -EINVAL;
	}
	return -EINVAL;
}

int config_set(struct config *c, const char *name, const char *value, char *err, size_t errlen)
{
	const struct opt *o = opt_find(name);

	if (!o) {
		snprintf(err, errlen, "unknown option '%s'", name);
		return -ENOENT;
	}
	return opt_apply(c, o, value, err, errlen);
}

struct ini_ctx {
	struct config *c;
	char *err;
	size_t errlen;
	int ret;
};

static int config_ini_line(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *x = user;
	char e[256];
	int ret;

	if (section[0] != '\0' && strcmp(section, "servicio") != 0)
		return 1; /* other programs' sections are not ours */
	if (x->ret)
		return 0;
	ret = config_set(x->c, name, value, e, sizeof(e));
	if (ret) {
		snprintf(x->err, x->errlen, "%s", e);
		x->ret = ret;
		return 0;
	}
	return 1;
}

int config_load_ini(struct config *c, const char *path, char *err, size_t errlen)
{
	struct ini_ctx x = { c, err, errlen, 0 };
	FILE *f = fopen(path, "re");
	int line;

	if (!f) {
		int e = errno;
		snprintf(err, errlen, "config file %s: %s", path, strerror(e));
		return -e;
	}
	line = ini_parse_file(f, config_ini_line, &x);
	fclose(f);
	if (x.ret) {
		char inner[256];
		util_strlcpy(inner, err, sizeof(inner));
		snprintf(err, errlen, "%s:%d: %s", path, line, inner);
		return x.ret;
	}
	if (line != 0) {
		snprintf(err, errlen, "%s:%d: not valid INI", path, line);
		return -EINVAL;
	}
	return 0;
}

static void env_name(const struct opt *o, char *buf, size_t cap)
{
	size_t j = (size_t)snprintf(buf, cap, "GESTOR_");

	for (size_t i = 0; o->name[i] && j + 1 < cap; i++)
		buf[j++] = o->name[i] == '-' ? '_' : (char)toupper((unsigned char)o->name[i]);
	buf[j] = '\0';
}

int config_load_env(struct config *c, const char *(*getenv_fn)(const char *), char *err,
		    size_t errlen)
{
	char name[64], e[256];

	for (size_t i = 0; i < UTIL_ARRAY_LEN(opts); i++) {
		const struct opt *o = &opts[i];
		const char *v;
		int ret;

		if (strcmp(o->name, "help") == 0 || strcmp(o->name, "version") == 0 ||
		    strcmp(o->name, "config") == 0)
			continue;
		env_name(o, name, sizeof(name));
		v = getenv_fn(name);
		if (!v)
			continue;
		ret = opt_apply(c, o, v, e, sizeof(e));
		if (ret) {
			snprintf(err, errlen, "%s: %s", name, e);
			return ret;
		}
	}
	return 0;
}

/*
 * Walk argv. With only_config, pick up --config (and --help) and ignore the
 * rest, so the file can be read before the other flags override it.
 */
static int args_walk(struct config *c, int argc, char **argv, bool only_config, char *err,
		     size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char name[64];
		const struct opt *o;
		size_t n;

		if (strcmp(a, "-h") == 0)
			a = "--help";
		if (strncmp(a, "--", 2) != 0) {
			snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[i]);
			return -EINVAL;
		}
		a += 2;
		n = strcspn(a, "=");
		if (n >= sizeof(name)) {
			snprintf(err, errlen, "unknown option '--%s'", a);
			return -ENOENT;
		}
		memcpy(name, a, n);
		name[n] = '\0';
		if (a[n] == '=')
			val = a + n + 1;
		o = opt_find(name);
		if (!o || strchr(name, '_')) {
			snprintf(err, errlen, "unknown option '--%s' (see --help)", name);
			return -ENOENT;
		}
		if (o->type == OPT_BOOL) {
			if (!val)
				val = "true";
		} else if (!val) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "--%s needs a value (%s)", o->name, o->arg);
				return -EINVAL;
			}
			val = argv[++i];
		}
		bool is_cfg = strcmp(o->name, "config") == 0 || strcmp(o->name, "help") == 0;
		if (only_config != is_cfg)
			continue;
		int ret = opt_apply(c, o, val, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int config_load_args(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
	return args_walk(c, argc, argv, false, err, errlen);
}

int config_load(struct config *c, int argc, char **argv, const char *(*getenv_fn)(const char *),
		char *err, size_t errlen)
{
	struct config pre;
	const char *file = NULL;
	int ret;

	config_defaults(c);
	/* first pass: --config and --help only (validates every flag's syntax too) */
	config_defaults(&pre);
	ret = args_walk(&pre, argc, argv, true, err, errlen);
	if (ret)
		return ret;
	if (pre.help) {
		c->help = true;
		return 0;
	}
	if (pre.config_file[0])
		file = pre.config_file;
	else if (getenv_fn("GESTOR_CONFIG"))
		file = getenv_fn("GESTOR_CONFIG");
	else if (access(CONFIG_DEFAULT_FILE, F_OK) == 0)
		file = CONFIG_DEFAULT_FILE;
	if (file && file[0]) {
		util_strlcpy(c->config_file, file, sizeof(c->config_file));
		ret = config_load_ini(c, file, err, errlen);
		if (ret)
			return ret;
	}
	ret = config_load_env(c, getenv_fn, err, errlen);
	if (ret)
		return ret;
	ret = config_load_args(c, argc, argv, err, errlen);
	if (ret)
		return ret;
	if (c->once && c->duration_s > 0) {
		snprintf(err, errlen, "--once and --duration exclude each other");
		return -EINVAL;
	}
	if (c->scope[0] && (!strchr(c->scope, '=') || c->scope[0] == '=')) {
		snprintf(err, errlen, "scope: '%s' is not LABEL=VALUE", c->scope);
		return -EINVAL;
	}
	if (c->spool_path[0] == '\0') {
		snprintf(err, errlen, "spool: a path is needed");
		return -EINVAL;
	}
	return 0;
}

static void opt_default(const struct opt *o, char *buf, size_t cap)
{
	struct config d;
	const void *field;

	config_defaults(&d);
	field = (const char *)&d + o->off;
	switch (o->type) {
	case OPT_BOOL:
		snprintf(buf, cap, "%s", *(const bool *)field ? "on" : "off");
		break;
	case OPT_INT:
		snprintf(buf, cap, "%d", *(const int *)field);
		break;
	case OPT_DOUBLE:
		snprintf(buf, cap, "%g", *(const double *)field);
		break;
	case OPT_STR:
		snprintf(buf, cap, "%s", ((const char *)field)[0] ? (const char *)field : "none");
		break;
	case OPT_ENUM:
		if (o->size == sizeof(int))
			snprintf(buf, cap, "%s", o->choices[*(const int *)field]);
		else
			snprintf(buf, cap, "%s", (const char *)field);
		break;
	}
}

void config_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s [OPTION]...\n"
		"       %s stats [--help]\n\n"
		"The gestor manager: each cycle measures the containers labelled\n"
		"gestor.managed=true, classifies them high or low, keeps --keep-high high and\n"
		"--keep-low low ones, removes the rest, prints a table and sends every sample\n"
		"and decision to admin_logs. Ctrl+C stops it cleanly (graphs, cron removed).\n\n"
		"Options (precedence: flag > environment GESTOR_<NAME> > INI file > default):\n",
		prog, prog);
	for (size_t i = 0; i < UTIL_ARRAY_LEN(opts); i++) {
		const struct opt *o = &opts[i];
		char flag[96], def[CONFIG_STR_MAX], env[64];

		snprintf(flag, sizeof(flag), "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		fprintf(out, "  %-36s %s\n", flag, o->help);
		if (strcmp(o->name, "help") == 0 || strcmp(o->name, "version") == 0)
			continue;
		opt_default(o, def, sizeof(def));
		env_name(o, env, sizeof(env));
		if (strcmp(o->name, "host") == 0)
			util_strlcpy(def, "this machine's host name", sizeof(def));
		fprintf(out, "  %-36s [default: %s; env %s]\n", "", def, env);
	}
	fprintf(out, "\nINI file: 'name = value' lines, optionally under [servicio]; names as the\n"
		     "flags without '--' ('-' or '_'). Example: servicio/servicio.ini.\n");
}

const char *config_ranking_name(int r)
{
	return r >= 0 && r < 2 ? ranking_names[r] : "?";
}
