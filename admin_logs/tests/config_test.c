/*
 * config_test.c — unit tests for config.c: defaults, environment, flags
 * winning over the environment, and every bad value refused by name.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "opts_ini.h"

static const char *env_keys[8], *env_vals[8];

static const char *fake_getenv(const char *k)
{
	for (int i = 0; i < 8 && env_keys[i]; i++)
		if (strcmp(env_keys[i], k) == 0)
			return env_vals[i];
	return NULL;
}

static int load(struct config *c, int argc, char **argv, char *err)
{
	config_defaults(c);
	return config_load(c, argc, argv, fake_getenv, err, 256);
}

static int setup(void **state)
{
	(void)state;
	memset(env_keys, 0, sizeof(env_keys));
	return 0;
}

static void test_defaults(void **state)
{
	struct config c;
	char err[256];
	char *argv[] = { "admin_logs" };

	(void)state;
	assert_int_equal(load(&c, 1, argv, err), 0);
	assert_string_equal(c.listen, "127.0.0.1");
	assert_int_equal(c.port, 8000);
	assert_string_equal(c.db_path, "gestor.db");
	assert_string_equal(c.report_dir, "report");
	assert_int_equal(c.max_body, 1 << 20);
	assert_false(c.quiet);
}

static void test_env_then_flags(void **state)
{
	struct config c;
	char err[256];
	char *argv[] = { "admin_logs", "--port", "0", "--max-body=4096", "--quiet" };

	(void)state;
	env_keys[0] = "ADMIN_LOGS_PORT";
	env_vals[0] = "9000";
	env_keys[1] = "ADMIN_LOGS_DB";
	env_vals[1] = "/data/gestor.db";
	env_keys[2] = "ADMIN_LOGS_LISTEN";
	env_vals[2] = "0.0.0.0";
	assert_int_equal(load(&c, 5, argv, err), 0);
	assert_int_equal(c.port, 0); /* the flag wins */
	assert_string_equal(c.listen, "0.0.0.0");
	assert_string_equal(c.db_path, "/data/gestor.db");
	assert_string_equal(c.report_dir, "/data/report"); /* beside the database */
	assert_int_equal(c.max_body, 4096);
	assert_true(c.quiet);
}

static void expect_err(int argc, char **argv, const char *needle)
{
	struct config c;
	char err[256] = "";

	assert_int_equal(load(&c, argc, argv, err), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
}

static void test_bad(void **state)
{
	char *a1[] = { "x", "--port", "65536" };
	char *a2[] = { "x", "--port", "12ab" };
	char *a3[] = { "x", "--threads", "0" };
	char *a4[] = { "x", "--nope" };
	char *a5[] = { "x", "--db" };
	char *a6[] = { "x", "--quiet=maybe" };
	char *a7[] = { "x", "--max-body", "-1" };

	(void)state;
	expect_err(3, a1, "--port");
	expect_err(3, a2, "--port");
	expect_err(3, a3, "--threads");
	expect_err(2, a4, "--nope");
	expect_err(2, a5, "--db");
	expect_err(2, a6, "--quiet");
	expect_err(3, a7, "--max-body");
	env_keys[0] = "ADMIN_LOGS_TIMEOUT";
	env_vals[0] = "forever";
	char *a8[] = { "x" };
	expect_err(1, a8, "ADMIN_LOGS_TIMEOUT");
}

static void test_help(void **state)
{
	struct config c;
	char err[512], buf[16384];
	/* --help wins over a bad value elsewhere, as in servicio */
	char *argv[] = { "x", "--port", "bad", "--help" };
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(&c, 4, argv, fake_getenv, err, sizeof(err)), 0);
	assert_true(c.help);
	opts_help(&config_prog, f);
	fclose(f);
	assert_non_null(strstr(buf, "Usage: admin_logs [OPTION]...\n\n"));
	assert_non_null(strstr(buf, "--port"));
	assert_non_null(strstr(buf, "ADMIN_LOGS_PORT"));
}

/* --print-config's file, read back, sets every option to its default (the
 * shipped admin_logs.ini is that file); a file is beaten by the environment,
 * which is beaten by a flag. */
static void test_ini_file(void **state)
{
	struct config plain, back;
	char err[512], path[] = "/tmp/gestor-al-config-XXXXXX", *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int fd = mkstemp(path);

	(void)state;
	assert_non_null(f);
	assert_true(fd >= 0);
	assert_int_equal(opts_print_ini(&config_prog, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "\n[admin_logs]\n"));
	assert_non_null(strstr(text, "\nport = 8000\n"));
	assert_null(strstr(text, "\nconfig =")); /* not a key of the file */
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	char *a1[] = { "x", "--config", path };
	char *a0[] = { "x", "--config", "/dev/null" };
	assert_int_equal(load(&back, 3, a1, err), 0);
	assert_int_equal(load(&plain, 3, a0, err), 0);
	memcpy(back.config_file, plain.config_file, sizeof(back.config_file));
	assert_memory_equal(&back, &plain, sizeof(plain));
	/* precedence: file < environment < flag */
	f = fopen(path, "w");
	fputs("[admin_logs]\nthreads = 5\ntimeout = 7\ntop = 9\n[servicio]\nnot_ours = 1\n", f);
	fclose(f);
	env_keys[0] = "ADMIN_LOGS_TIMEOUT";
	env_vals[0] = "8";
	char *a2[] = { "x", "--config", path, "--top", "3" };
	assert_int_equal(load(&back, 5, a2, err), 0);
	assert_int_equal(back.threads, 5);
	assert_int_equal(back.timeout_s, 8);
	assert_int_equal(back.top_n, 3);
	assert_string_equal(back.config_file, path);
	/* ADMIN_LOGS_CONFIG names it too; an unknown key is an error naming it */
	env_keys[0] = "ADMIN_LOGS_CONFIG";
	env_vals[0] = path;
	char *a3[] = { "x" };
	assert_int_equal(load(&back, 1, a3, err), 0);
	assert_int_equal(back.threads, 5);
	f = fopen(path, "w");
	fputs("thread = 5\n", f);
	fclose(f);
	assert_int_equal(load(&back, 1, a3, err), -EINVAL);
	assert_non_null(strstr(err, "thread"));
	unlink(path);
	free(text);
}

static void test_version(void **state)
{
	struct config c;
	char err[256];
	char *argv[] = { "x", "--version" };

	(void)state;
	assert_int_equal(load(&c, 2, argv, err), 0);
	assert_true(c.version);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, setup),
		cmocka_unit_test_setup(test_env_then_flags, setup),
		cmocka_unit_test_setup(test_bad, setup),
		cmocka_unit_test_setup(test_help, setup),
		cmocka_unit_test_setup(test_ini_file, setup),
		cmocka_unit_test_setup(test_version, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
