/*
 * opts.c — the option table behind opts.h: lookups, typed and bounded
 * values, the environment, getopt_long over the table, and the usage text.
 */
#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

const struct opts_opt *opts_find(const struct opts_spec *sp, const char *name)
{
	char norm[64];
	size_t n = strlen(name);

	if (n == 0 || n >= sizeof(norm))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		norm[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
	for (size_t i = 0; i < sp->n; i++)
		if (strcmp(sp->opts[i].name, norm) == 0)
			return &sp->opts[i];
	return NULL;
}

static int opts_bool(const char *v, bool *out)
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

/* A whole-string integer in [o->min, o->max] into *out. */
static int opts_integer(const struct opts_opt *o, const char *shown, const char *v, int64_t *out,
			char *err, size_t errlen)
{
	const char *end;
	int ret = util_parse_i64(v, &end, (int64_t)o->min, (int64_t)o->max, out);

	if (ret == 0 && *end != '\0')
		ret = -EINVAL;
	if (ret)
		snprintf(err, errlen, "%s: expected an integer in [%.0f, %.0f], got '%s'", shown,
			 o->min, o->max, v);
	return ret;
}

static int opts_choice(const struct opts_opt *o, void *field, const char *shown, const char *v,
		       char *err, size_t errlen)
{
	for (int i = 0; o->choices[i]; i++) {
		if (strcmp(v, o->choices[i]) != 0)
			continue;
		if (o->size == sizeof(int))
			*(int *)field = i;
		else
			util_strlcpy(field, v, o->size);
		return 0;
	}
	snprintf(err, errlen, "%s: '%s' is not one of %s", shown, v, o->arg);
	return -EINVAL;
}

static int opts_string(const struct opts_opt *o, void *field, const char *shown, const char *v,
		       char *err, size_t errlen)
{
	if (!v[0] && (o->flags & OPTS_NONEMPTY)) {
		snprintf(err, errlen, "%s: empty value", shown);
		return -EINVAL;
	}
	if (!util_strlcpy(field, v, o->size)) {
		snprintf(err, errlen, "%s: value longer than %zu bytes", shown, o->size - 1);
		return -ERANGE;
	}
	return 0;
}

/* "--interval: expected seconds in [1, 86400], got 'x'": the value's name
 * from the help's (SECONDS), else "a number". */
static void opts_number_error(const struct opts_opt *o, const char *shown, const char *v, char *err,
			      size_t errlen)
{
	char noun[32] = "a number";

	if (o->arg && strlen(o->arg) > 1 && strlen(o->arg) < sizeof(noun)) {
		for (size_t i = 0; i <= strlen(o->arg); i++)
			noun[i] = (char)tolower((unsigned char)o->arg[i]);
	}
	snprintf(err, errlen, "%s: expected %s in [%g, %g], got '%s'", shown, noun, o->min, o->max,
		 v);
}

int opts_set(const struct opts_opt *o, void *obj, const char *shown, const char *v, char *err,
	     size_t errlen)
{
	void *field = (char *)obj + o->off;
	int64_t x;
	int ret;

	switch (o->type) {
	case OPTS_BOOL:
		ret = opts_bool(v, (bool *)field);
		if (ret)
			snprintf(err, errlen,
				 "%s: '%s' is not a boolean (true/false, 1/0, yes/no, "
				 "on/off)",
				 shown, v);
		return ret;
	case OPTS_INT:
	case OPTS_UINT:
	case OPTS_SIZE:
		ret = opts_integer(o, shown, v, &x, err, errlen);
		if (ret)
			return ret;
		if (o->type == OPTS_INT)
			*(int *)field = (int)x;
		else if (o->type == OPTS_UINT)
			*(unsigned *)field = (unsigned)x;
		else
			*(size_t *)field = (size_t)x;
		return 0;
	case OPTS_DOUBLE:
		ret = util_parse_double(v, o->min, o->max, (double *)field);
		if (ret)
			opts_number_error(o, shown, v, err, errlen);
		return ret;
	case OPTS_STR:
		return opts_string(o, field, shown, v, err, errlen);
	case OPTS_ENUM:
		return opts_choice(o, field, shown, v, err, errlen);
	}
	return -EINVAL;
}

/* <PREFIX><NAME>: upper case, '-' as '_'. */
static void opts_env_name(const struct opts_spec *sp, const struct opts_opt *o, char *buf,
			  size_t cap)
{
	size_t j = (size_t)snprintf(buf, cap, "%s", sp->env_prefix ? sp->env_prefix : "");

	for (size_t i = 0; o->name[i] && j + 1 < cap; i++)
		buf[j++] = o->name[i] == '-' ? '_' : (char)toupper((unsigned char)o->name[i]);
	buf[j < cap ? j : cap - 1] = '\0';
}

const char *opts_getenv(const char *name)
{
	return getenv(name);
}

int opts_load_env(const struct opts_spec *sp, void *obj, const char *(*getenv_fn)(const char *),
		  char *err, size_t errlen)
{
	char name[96], e[256];

	if (!sp->env_prefix || !getenv_fn)
		return 0;
	for (size_t i = 0; i < sp->n; i++) {
		const struct opts_opt *o = &sp->opts[i];
		const char *v;
		int ret;

		if (o->flags & OPTS_NOENV)
			continue;
		opts_env_name(sp, o, name, sizeof(name));
		v = getenv_fn(name);
		if (!v)
			continue;
		ret = opts_set(o, obj, name, v, e, sizeof(e));
		if (ret) {
			snprintf(err, errlen, "%s", e);
			return ret;
		}
	}
	return 0;
}

/* getopt_long's table from ours: val is 256 + the option's index. */
static struct option *opts_long(const struct opts_spec *sp)
{
	struct option *lo = calloc(sp->n + 1, sizeof(*lo));

	for (size_t i = 0; lo && i < sp->n; i++)
		lo[i] = (struct option){ sp->opts[i].name,
					 sp->opts[i].type == OPTS_BOOL ? optional_argument
								       : required_argument,
					 NULL, 256 + (int)i };
	return lo;
}

/* The option -h stands for: --help. */
static int opts_short_h(const struct opts_spec *sp)
{
	const struct opts_opt *o = opts_find(sp, "help");

	return o ? 256 + (int)(o - sp->opts) : -1;
}

/* One getopt_long result c (argv[optind - 1] was the flag). 0 or -errno. */
static int opts_one(const struct opts_spec *sp, void *obj, int c, char **argv,
		    bool (*pick)(const struct opts_opt *o), char *err, size_t errlen)
{
	const struct opts_opt *o;
	char shown[80];

	if (c == 'h')
		c = opts_short_h(sp);
	if (c == ':') {
		snprintf(err, errlen, "%.60s needs a value", argv[optind - 1]);
		return -EINVAL;
	}
	if (c < 256 || c >= 256 + (int)sp->n) {
		snprintf(err, errlen, "unknown option '%.60s' (see --help)", argv[optind - 1]);
		return -ENOENT;
	}
	o = &sp->opts[c - 256];
	if (pick && !pick(o))
		return 0;
	snprintf(shown, sizeof(shown), "--%s", o->name);
	return opts_set(o, obj, shown, optarg ? optarg : "true", err, errlen);
}

int opts_load_args(const struct opts_spec *sp, void *obj, int argc, char **argv,
		   bool (*pick)(const struct opts_opt *o), char *err, size_t errlen)
{
	struct option *lo = opts_long(sp);
	int c, ret = 0;

	if (!lo) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	optind = 0; /* glibc: start afresh (a second pass, another program's table) */
	opterr = 0;
	while (ret == 0 && (c = getopt_long(argc, argv, "+:h", lo, NULL)) != -1)
		ret = opts_one(sp, obj, c, argv, pick, err, errlen);
	free(lo);
	if (ret == 0 && optind < argc) {
		snprintf(err, errlen, "unexpected argument '%.60s' (see --help)", argv[optind]);
		ret = -EINVAL;
	}
	return ret;
}

void opts_default(const struct opts_opt *o, const void *defaults, char *buf, size_t cap)
{
	const void *field = (const char *)defaults + o->off;

	switch (o->type) {
	case OPTS_BOOL:
		snprintf(buf, cap, "%s", *(const bool *)field ? "on" : "off");
		break;
	case OPTS_INT:
		snprintf(buf, cap, "%d", *(const int *)field);
		break;
	case OPTS_UINT:
		snprintf(buf, cap, "%u", *(const unsigned *)field);
		break;
	case OPTS_SIZE:
		snprintf(buf, cap, "%zu", *(const size_t *)field);
		break;
	case OPTS_DOUBLE:
		snprintf(buf, cap, "%g", *(const double *)field);
		break;
	case OPTS_STR:
		snprintf(buf, cap, "%s", ((const char *)field)[0] ? (const char *)field : "none");
		break;
	case OPTS_ENUM:
		snprintf(buf, cap, "%s",
			 o->size == sizeof(int) ? o->choices[*(const int *)field]
						: (const char *)field);
		break;
	}
}

void opts_usage(const struct opts_spec *sp, FILE *out, const void *defaults)
{
	for (size_t i = 0; i < sp->n; i++) {
		const struct opts_opt *o = &sp->opts[i];
		char flag[96], def[600], env[96];

		snprintf(flag, sizeof(flag), "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		fprintf(out, "  %-30s %s\n", flag, o->help);
		if (!defaults || (o->flags & OPTS_NOENV))
			continue;
		opts_default(o, defaults, def, sizeof(def));
		if (sp->env_prefix) {
			opts_env_name(sp, o, env, sizeof(env));
			fprintf(out, "  %-30s [default: %s; env %s]\n", "", def, env);
		} else {
			fprintf(out, "  %-30s [default: %s]\n", "", def);
		}
	}
}

bool opts_pick_help(const struct opts_opt *o)
{
	return strcmp(o->name, "help") == 0;
}

bool opts_pick_first(const struct opts_opt *o)
{
	static const char *const first[] = { "config", "help", "version", "print-config" };

	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		if (strcmp(o->name, first[i]) == 0)
			return true;
	return false;
}

void *opts_prog_defaults(const struct opts_prog *p, bool help)
{
	void *d = p->defaults_of ? calloc(1, p->defaults_size) : NULL;

	if (d)
		p->defaults_of(d, help);
	return d;
}

void opts_help(const struct opts_prog *p, FILE *out)
{
	const struct opts_spec *sp = p->spec;
	void *made = opts_prog_defaults(p, true);

	fprintf(out, "Usage: %s\n\n%s\n\n", p->synopsis, p->about);
	if (sp->env_prefix && sp->ini_section)
		fprintf(out,
			"Options (precedence: flag > environment %s<NAME> > INI file > default):\n",
			sp->env_prefix);
	else
		fputs("Options:\n", out);
	opts_usage(sp, out, made ? made : p->defaults);
	free(made);
	if (sp->ini_section)
		fprintf(out,
			"\nINI file: 'name = value' lines, optionally under [%s]; names as\n"
			"the flags without '--' ('-' or '_'). --print-config writes one with "
			"every\n"
			"option at its default.\n",
			sp->ini_section);
}

bool opts_prog_exit(const struct opts_prog *p, const struct opts_prog_req *rq, int ret,
		    const char *err, int *status)
{
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", p->name, err);
		*status = 2;
	} else if (rq && rq->help) {
		opts_help(p, stdout);
		*status = fflush(stdout) == 0 ? 0 : 1;
	} else if (rq && rq->version && p->version) {
		printf("%s %s\n", p->name, p->version);
		*status = fflush(stdout) == 0 ? 0 : 1;
	} else if (rq && rq->print_config && p->print_config) {
		*status = p->print_config(p, stdout) == 0 && fflush(stdout) == 0 ? 0 : 1;
	} else {
		return false;
	}
	return true;
}
