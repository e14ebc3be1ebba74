/*
 * opts_ini.c — an INI file through the option table (inih). See opts_ini.h.
 */
#include "opts_ini.h"

#include <errno.h>
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
