/*
 * opts_test.c — the option table: flags through getopt_long (--name VALUE,
 * --name=VALUE, booleans alone or with one of the one set of spellings,
 * -h), the environment under a prefix, ranges and their errors, a first
 * pass that picks some options but checks the syntax of all, positional
 * arguments refused, and the usage lines with defaults and variables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "opts.h"
#include "util.h"

struct t_cfg {
	int n;
	unsigned u;
	size_t sz;
	double d;
	bool b, help;
	char s[8];
	int e;
	char es[8];
};

static const char *const colours[] = { "red", "green", NULL };

#define F(field) OPTS_FIELD(struct t_cfg, field)
static const struct opts_opt t_opts[] = {
	{ "num", OPTS_INT, F(n), -5, 5, NULL, "N", "an int", 0 },
	{ "uns", OPTS_UINT, F(u), 1, 10, NULL, "N", "an unsigned", 0 },
	{ "size", OPTS_SIZE, F(sz), 0, 4096, NULL, "BYTES", "a size", 0 },
	{ "ratio", OPTS_DOUBLE, F(d), 0.5, 2, NULL, "SECONDS", "a double", 0 },
	{ "flag", OPTS_BOOL, F(b), 0, 0, NULL, NULL, "a boolean", 0 },
	{ "name", OPTS_STR, F(s), 0, 0, NULL, "TEXT", "a string", OPTS_NONEMPTY },
	{ "colour", OPTS_ENUM, F(e), 0, 0, colours, "red|green", "an index", 0 },
	{ "colour-text", OPTS_ENUM, F(es), 0, 0, colours, "red|green", "a text", 0 },
	{ "help", OPTS_BOOL, F(help), 0, 0, NULL, NULL, "help", OPTS_NOENV },
};
static const struct opts_spec t_spec = { t_opts, UTIL_ARRAY_LEN(t_opts), "T_", NULL };

static const char *t_env_key, *t_env_val;

static const char *t_getenv(const char *k)
{
	return t_env_key && strcmp(k, t_env_key) == 0 ? t_env_val : NULL;
}

static int t_args(struct t_cfg *c, char **argv, char *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(c, 0, sizeof(*c));
	return opts_load_args(&t_spec, c, argc, argv, NULL, err, 256);
}

static void test_flags(void **state)
{
	struct t_cfg c;
	char err[256];
	char *a[] = {
		"p",   "--num",	 "-3",	   "--uns=7", "--size",	  "4096",  "--ratio",
		"1.5", "--flag", "--name", "ab",      "--colour", "green", "--colour-text=red",
		NULL
	};

	(void)state;
	assert_int_equal(t_args(&c, a, err), 0);
	assert_int_equal(c.n, -3);
	assert_int_equal(c.u, 7);
	assert_int_equal(c.sz, 4096);
	assert_true(c.d == 1.5);
	assert_true(c.b);
	assert_string_equal(c.s, "ab");
	assert_int_equal(c.e, 1);
	assert_string_equal(c.es, "red");
}

static void test_booleans(void **state)
{
	static const char *const yes[] = { "--flag=true", "--flag=1", "--flag=YES", "--flag=on" };
	static const char *const no[] = { "--flag=false", "--flag=0", "--flag=no", "--flag=Off" };
	struct t_cfg c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(yes); i++) {
		char *a[] = { "p", (char *)yes[i], NULL },
		     *b[] = { "p", "--flag", (char *)no[i] + 7, NULL };
		assert_int_equal(t_args(&c, a, err), 0);
		assert_true(c.b);
		/* the value of a boolean comes only after '=' */
		assert_int_equal(t_args(&c, b, err), -EINVAL);
	}
	for (size_t i = 0; i < UTIL_ARRAY_LEN(no); i++) {
		c.b = true;
		assert_int_equal(opts_set(&t_opts[4], &c, "--flag", no[i] + 7, err, 256), 0);
		assert_false(c.b);
	}
	char *bad[] = { "p", "--flag=maybe", NULL };
	assert_int_equal(t_args(&c, bad, err), -EINVAL);
	assert_non_null(strstr(err, "--flag"));
}

static void test_errors(void **state)
{
	struct t_cfg c;
	char err[256];
	char *a1[] = { "p", "--num", "6", NULL };
	char *a2[] = { "p", "--num", "1x", NULL };
	char *a3[] = { "p", "--nope", NULL };
	char *a4[] = { "p", "--uns", NULL };
	char *a5[] = { "p", "stray", NULL };
	char *a6[] = { "p", "--ratio", "3", NULL };
	char *a7[] = { "p", "--name=", NULL };
	char *a8[] = { "p", "--colour", "blue", NULL };
	char *a9[] = { "p", "--name", "too-long-for-it", NULL };

	(void)state;
	assert_int_equal(t_args(&c, a1, err), -ERANGE);
	assert_non_null(strstr(err, "--num: expected an integer in [-5, 5], got '6'"));
	assert_int_equal(t_args(&c, a2, err), -EINVAL);
	assert_int_equal(t_args(&c, a3, err), -ENOENT);
	assert_non_null(strstr(err, "unknown option '--nope'"));
	assert_int_equal(t_args(&c, a4, err), -EINVAL);
	assert_non_null(strstr(err, "--uns needs a value"));
	assert_int_equal(t_args(&c, a5, err), -EINVAL);
	assert_non_null(strstr(err, "unexpected argument 'stray'"));
	assert_int_equal(t_args(&c, a6, err), -ERANGE);
	assert_non_null(strstr(err, "--ratio: expected seconds in [0.5, 2], got '3'"));
	assert_int_equal(t_args(&c, a7, err), -EINVAL);
	assert_int_equal(t_args(&c, a8, err), -EINVAL);
	assert_non_null(strstr(err, "red|green"));
	assert_int_equal(t_args(&c, a9, err), -ERANGE);
}

static bool pick_help(const struct opts_opt *o)
{
	return strcmp(o->name, "help") == 0;
}

static void test_pick_and_help(void **state)
{
	struct t_cfg c = { 0 };
	char err[256];
	char *a[] = { "p", "--num", "99", "-h", NULL };
	char *b[] = { "p", "-h", "--num", NULL };

	(void)state;
	/* a first pass: --help is taken, --num's bad value is not looked at */
	assert_int_equal(opts_load_args(&t_spec, &c, 4, a, pick_help, err, sizeof(err)), 0);
	assert_true(c.help);
	assert_int_equal(c.n, 0);
	/* ... but the syntax of every flag is */
	assert_int_equal(opts_load_args(&t_spec, &c, 3, b, pick_help, err, sizeof(err)), -EINVAL);
}

static void test_env(void **state)
{
	struct t_cfg c = { 0 };
	char err[256];

	(void)state;
	t_env_key = "T_COLOUR_TEXT";
	t_env_val = "green";
	assert_int_equal(opts_load_env(&t_spec, &c, t_getenv, err, sizeof(err)), 0);
	assert_string_equal(c.es, "green");
	t_env_key = "T_UNS";
	t_env_val = "0";
	assert_int_equal(opts_load_env(&t_spec, &c, t_getenv, err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "T_UNS"));
	t_env_key = "T_HELP"; /* not from the environment */
	t_env_val = "1";
	assert_int_equal(opts_load_env(&t_spec, &c, t_getenv, err, sizeof(err)), 0);
	assert_false(c.help);
	assert_ptr_equal(opts_find(&t_spec, "COLOUR_text"), &t_opts[7]);
	assert_null(opts_find(&t_spec, "colour-"));
}

static void test_usage(void **state)
{
	struct t_cfg d = { .n = 2, .d = 1, .s = "x", .es = "red" };
	char buf[4096] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	assert_non_null(f);
	opts_usage(&t_spec, f, &d);
	fclose(f);
	assert_non_null(strstr(buf, "--num N"));
	assert_non_null(strstr(buf, "[default: 2; env T_NUM]"));
	assert_non_null(strstr(buf, "[default: red; env T_COLOUR_TEXT]"));
	assert_non_null(strstr(buf, "[default: off; env T_FLAG]"));
	assert_null(strstr(buf, "T_HELP"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags),  cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_errors), cmocka_unit_test(test_pick_and_help),
		cmocka_unit_test(test_env),    cmocka_unit_test(test_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
