/*
 * opts_ini.c — an INI file through the option table (inih). See opts_ini.h.
 */
#include "opts_ini.h"

#include <errno.h>
#include <stdlib.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

struct opts_ini_ctx {
	const struct opts_spec *sp;
	void *obj;
	char err[256];
	int ret;
};

static int opts_ini_line(void *user, const char *section, const char *name, const char *value)
{
	struct opts_ini_ctx *x = user;
	const struct opts_opt *o;

	if (section[0] != '\0' && (!x->sp->ini_section || strcmp(section, x->sp->ini_section) != 0))
		return 1; /* other programs' sections are not ours */
	if (x->ret)
		return 0;
	o = opts_find(x->sp, name);
	if (!o || (o->flags & OPTS_NOENV)) {
		snprintf(x->err, sizeof(x->err), "unknown option '%s'", name);
		x->ret = -ENOENT;
		return 0;
	}
	x->ret = opts_set(o, x->obj, o->name, value, x->err, sizeof(x->err));
	return x->ret ? 0 : 1;
}

int opts_load_ini(const struct opts_spec *sp, void *obj, const char *path, char *err, size_t errlen)
{
	struct opts_ini_ctx x = { .sp = sp, .obj = obj };
	FILE *f = fopen(path, "re");
	int line;

	if (!f) {
		int e = errno;
		snprintf(err, errlen, "config file %s: %s", path, strerror(e));
		return -e;
	}
	line = ini_parse_file(f, opts_ini_line, &x);
	fclose(f);
	if (x.ret) {
		snprintf(err, errlen, "%s:%d: %s", path, line, x.err);
		return x.ret;
	}
	if (line != 0) {
		snprintf(err, errlen, "%s:%d: not valid INI", path, line);
		return -EINVAL;
	}
	return 0;
}

/* text as "; " lines of at most 78 columns, broken at spaces */
static void opts_ini_comment(FILE *out, const char *text)
{
	const size_t width = 76;

	while (*text) {
		size_t n = strcspn(text, "\n");

		if (n > width) {
			n = width;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0)
				n = strcspn(text, " \n");
		}
		fprintf(out, ";%s%.*s\n", n ? " " : "", (int)n, text);
		text += n;
		while (*text == ' ' || *text == '\n')
			text++;
	}
}

/* The value as the file spells it: a string as it is (empty too), a
 * number exactly, a boolean true/false. */
static void opts_ini_value(const struct opts_opt *o, const void *obj, char *buf, size_t cap)
{
	const void *field = (const char *)obj + o->off;

	if (o->type == OPTS_STR)
		snprintf(buf, cap, "%s", (const char *)field);
	else if (o->type == OPTS_BOOL)
		snprintf(buf, cap, "%s", *(const bool *)field ? "true" : "false");
	else if (o->type == OPTS_DOUBLE)
		snprintf(buf, cap, "%.15g", *(const double *)field);
	else
		opts_default(o, obj, buf, cap);
}

int opts_write_ini(const struct opts_spec *sp, FILE *out, const void *obj, const char *header)
{
	char name[64], value[1100], help[1200];

	if (header) {
		for (const char *l = header; *l;) {
			size_t n = strcspn(l, "\n");
			fprintf(out, ";%s%.*s\n", n ? " " : "", (int)n, l);
			l += n + (l[n] == '\n');
		}
		fputc('\n', out);
	}
	if (sp->ini_section)
		fprintf(out, "[%s]\n", sp->ini_section);
	for (size_t i = 0; i < sp->n; i++) {
		const struct opts_opt *o = &sp->opts[i];
		size_t k;

		if (o->flags & OPTS_NOENV)
			continue;
		for (k = 0; o->name[k] && k + 1 < sizeof(name); k++)
			name[k] = o->name[k] == '-' ? '_' : o->name[k];
		name[k] = '\0';
		opts_ini_value(o, obj, value, sizeof(value));
		snprintf(help, sizeof(help), "%s%s%s%s", o->help, o->arg ? " [" : "",
			 o->arg ? o->arg : "", o->arg ? "]" : "");
		fputc('\n', out);
		opts_ini_comment(out, help);
		fprintf(out, "%s = %s\n", name, value);
	}
	return ferror(out) ? -EIO : 0;
}

int opts_print_ini(const struct opts_prog *p, FILE *out)
{
	void *made = opts_prog_defaults(p, false);
	const void *d = made ? made : p->defaults;
	int r = d ? opts_write_ini(p->spec, out, d, p->ini_header) : -ENOMEM;

	free(made);
	return r;
}
