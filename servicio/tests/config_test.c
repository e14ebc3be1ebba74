/*
 * config_test.c — unit tests for config.c: defaults, the precedence flag >
 * environment > INI file > default, every kind of bad value, --help.
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

#include "../config.h"
#include "../snapshot.h"

static char err[1024];
static const char *fake_env[16][2];

static const char *env_fn(const char *name)
{
	for (size_t i = 0; i < 16 && fake_env[i][0]; i++)
		if (strcmp(fake_env[i][0], name) == 0)
			return fake_env[i][1];
	return NULL;
}

static void set_env(size_t i, const char *k, const char *v)
{
	fake_env[i][0] = k;
	fake_env[i][1] = v;
}

static int clear_env(void **state)
{
	(void)state;
	memset(fake_env, 0, sizeof(fake_env));
	return 0;
}

static const char *write_ini(const char *text)
{
	static char path[64];
	FILE *f;

	strcpy(path, "/tmp/gestor-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_defaults(void **state)
{
	struct config c;
	char *argv[] = { "servicio", NULL };

	(void)state;
	assert_int_equal(config_load(&c, 1, argv, env_fn, err, sizeof(err)), 0);
	assert_true(c.interval_s == 10);
	assert_int_equal(c.keep_high, 2);
	assert_int_equal(c.keep_low, 3);
	assert_int_equal(c.ranking, POLICY_RANK_CPU);
	assert_string_equal(c.admin_name, "gestor-admin_logs");
	assert_int_equal(c.admin_port, 8000);
	assert_true(c.docker_timeout_s == 10);
	assert_false(c.dry_run);
	assert_false(c.once);
	assert_true(c.margin_cpu == 10);
	assert_true(c.margin_mem_mb == 64);
	/* the margins, by flag and environment */
	char *a2[] = { "servicio", "--margin-cpu", "2.5", NULL };
	set_env(0, "GESTOR_MARGIN_MEM", "0");
	assert_int_equal(config_load(&c, 3, a2, env_fn, err, sizeof(err)), 0);
	assert_true(c.margin_cpu == 2.5);
	assert_true(c.margin_mem_mb == 0);
	char *a3[] = { "servicio", "--margin-cpu", "-1", NULL };
	assert_int_not_equal(config_load(&c, 3, a3, env_fn, err, sizeof(err)), 0);
}

static void test_precedence(void **state)
{
	struct config c;
	const char *ini = write_ini("# comment\n[servicio]\ninterval = 5\nkeep_high = 7\n"
				    "keep-low = 9\nranking = oldest\ndry_run = yes\n"
				    "[other]\nunknown = ignored\n");
	char *argv[] = { "servicio", "--config", (char *)ini, "--keep-low=4", NULL };

	(void)state;
	set_env(0, "GESTOR_KEEP_HIGH", "6");
	set_env(1, "GESTOR_INTERVAL", "3");
	assert_int_equal(config_load(&c, 4, argv, env_fn, err, sizeof(err)), 0);
	assert_true(c.interval_s == 3); /* env over file */
	assert_int_equal(c.keep_high, 6); /* env over file */
	assert_int_equal(c.keep_low, 4); /* flag over file */
	assert_int_equal(c.ranking, POLICY_RANK_OLDEST); /* file over default */
	assert_true(c.dry_run);
	assert_string_equal(c.config_file, ini);
	/* GESTOR_CONFIG names the file too */
	char *argv2[] = { "servicio", NULL };
	clear_env(NULL);
	set_env(0, "GESTOR_CONFIG", ini);
	assert_int_equal(config_load(&c, 1, argv2, env_fn, err, sizeof(err)), 0);
	assert_int_equal(c.keep_high, 7);
	unlink(ini);
}

/* The source is parsed once, into the config; the BPF switch is an option
 * (GESTOR_BPF_NO_CGWALK in the environment, as before). */
static void test_source_options(void **state)
{
	struct config c;
	char *argv[] = { "servicio", "--source", "procfs", NULL };
	char *argv2[] = { "servicio", NULL };

	(void)state;
	assert_int_equal(config_load(&c, 1, argv2, env_fn, err, sizeof(err)), 0);
	assert_false(c.source_forced);
	assert_false(c.bpf_no_cgwalk);
	set_env(0, "GESTOR_BPF_NO_CGWALK", "1");
	assert_int_equal(config_load(&c, 3, argv, env_fn, err, sizeof(err)), 0);
	assert_true(c.source_forced);
	assert_int_equal(c.source_id, SNAP_SRC_PROCFS);
	assert_true(c.bpf_no_cgwalk);
}

static void test_flags(void **state)
{
	struct config c;
	char *argv[] = { "servicio",
			 "--once",
			 "--dry-run",
			 "--interval",
			 "1.5",
			 "--no-cron",
			 "--log-url",
			 "http://127.0.0.1:9/",
			 "--source=procfs",
			 "--dry-run=false",
			 "--docker-timeout",
			 "120",
			 NULL };

	(void)state;
	assert_int_equal(config_load(&c, 12, argv, env_fn, err, sizeof(err)), 0);
	assert_true(c.once);
	assert_true(c.docker_timeout_s == 120);
	assert_false(c.dry_run);
	assert_true(c.no_cron);
	assert_true(c.interval_s == 1.5);
	assert_string_equal(c.source, "procfs");
	assert_string_equal(c.log_url, "http://127.0.0.1:9/");
}

static void test_errors(void **state)
{
	struct config c;
	char *a1[] = { "servicio", "--interval", "0.5", NULL };
	char *a2[] = { "servicio", "--bogus", NULL };
	char *a3[] = { "servicio", "--keep-high", NULL };
	char *a4[] = { "servicio", "--ranking", "random", NULL };
	char *a5[] = { "servicio", "--keep-low", "3x", NULL };
	char *a6[] = { "servicio", "positional", NULL };
	char *a7[] = { "servicio", "--once", "--duration", "5", NULL };
	char *a8[] = { "servicio", "--config", "/nonexistent/x.ini", NULL };
	char *a9[] = { "servicio", "--keep_low", "3", NULL };

	(void)state;
	assert_int_equal(config_load(&c, 3, a1, env_fn, err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "interval"));
	assert_int_equal(config_load(&c, 2, a2, env_fn, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(config_load(&c, 2, a3, env_fn, err, sizeof(err)), -EINVAL);
	assert_int_equal(config_load(&c, 3, a4, env_fn, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cpu|oldest"));
	assert_int_equal(config_load(&c, 3, a5, env_fn, err, sizeof(err)), -EINVAL);
	assert_int_equal(config_load(&c, 2, a6, env_fn, err, sizeof(err)), -EINVAL);
	assert_int_equal(config_load(&c, 4, a7, env_fn, err, sizeof(err)), -EINVAL);
	assert_int_equal(config_load(&c, 3, a8, env_fn, err, sizeof(err)), -ENOENT);
	assert_int_equal(config_load(&c, 3, a9, env_fn, err, sizeof(err)), -ENOENT);
	set_env(0, "GESTOR_KEEP_HIGH", "-1");
	char *a10[] = { "servicio", NULL };
	assert_int_equal(config_load(&c, 1, a10, env_fn, err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "GESTOR_KEEP_HIGH"));
	clear_env(NULL);
	const char *ini = write_ini("keep_high = lots\n");
	char *a11[] = { "servicio", "--config", (char *)ini, NULL };
	assert_int_equal(config_load(&c, 3, a11, env_fn, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":1:"));
	unlink(ini);
	ini = write_ini("no equals sign here\n");
	assert_int_equal(config_load(&c, 3, a11, env_fn, err, sizeof(err)), -EINVAL);
	unlink(ini);
}

/* The rules between fields: each bad value refused, naming the option. */
static void test_field_rules(void **state)
{
	static const struct {
		const char *opt, *val, *says;
	} bad[] = {
		{ "--source", "magic", "source: expected" },
		{ "--scope", "gestor.team", "scope: 'gestor.team' is not LABEL=VALUE" },
		{ "--scope", "=x", "scope: '=x' is not LABEL=VALUE" },
		{ "--protect-label", "keep", "protect-label: 'keep' is not LABEL=VALUE" },
		{ "--protect-label", "=yes", "protect-label: '=yes' is not LABEL=VALUE" },
		{ "--spool", "", "spool: a path is needed" },
		{ "--metrics-listen", "localhost:9102", "metrics-listen" },
	};
	struct config c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "servicio", (char *)bad[i].opt, (char *)bad[i].val, NULL };

		err[0] = '\0';
		assert_int_equal(config_load(&c, 3, argv, env_fn, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].says))
			fail_msg("%s %s: \"%s\" does not say \"%s\"", bad[i].opt, bad[i].val, err,
				 bad[i].says);
	}
	/* the same values, well formed, are taken */
	char *good[] = { "servicio",
			 "--scope",
			 "gestor.team=a",
			 "--protect-label",
			 "gestor.keep=yes",
			 "--source",
			 "procfs",
			 "--metrics-listen",
			 "none",
			 NULL };
	assert_int_equal(config_load(&c, 9, good, env_fn, err, sizeof(err)), 0);
	assert_string_equal(c.scope, "gestor.team=a");
	assert_string_equal(c.protect, "gestor.keep=yes");
	assert_string_equal(config_ranking_name(0), "cpu");
	assert_string_equal(config_ranking_name(7), "?");
}

static void test_help_lists_everything(void **state)
{
	struct config c;
	char *argv[] = { "servicio", "--keep-high", "bad", "-h", NULL };
	char buf[16384];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	/* --help wins even over a bad value elsewhere */
	assert_int_equal(config_load(&c, 4, argv, env_fn, err, sizeof(err)), 0);
	assert_true(c.help);
	config_usage(f);
	fclose(f);
	const char *want[] = { "--interval", "[default: 10;", "--keep-high", "GESTOR_KEEP_LOW",
			       "--ranking",  "--dry-run",     "--once",	     "--duration",
			       "--no-cron",  "--log-url",     "--spool",     "--docker-socket",
			       "--source",   "--log-level" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_non_null(strstr(buf, want[i]));
}

/* --print-config's file, read back, sets every option to its default: the
 * shipped servicio.ini is that file (tests/install/config.sh). */
static void test_print_config_round_trip(void **state)
{
	struct config plain, back;
	char *text = NULL, *argv[] = { "servicio", "--config", NULL, NULL };
	char *argv0[] = { "servicio", "--config", "", NULL };
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(config_print_file(f), 0);
	fclose(f);
	assert_non_null(strstr(text, "\nhost = \n"));
	assert_non_null(strstr(text, "\ndocker_timeout = 10\n"));
	argv[2] = (char *)write_ini(text);
	assert_int_equal(config_load(&back, 3, argv, env_fn, err, sizeof(err)), 0);
	assert_int_equal(config_load(&plain, 3, argv0, env_fn, err, sizeof(err)), 0);
	memcpy(back.config_file, plain.config_file, sizeof(back.config_file));
	assert_memory_equal(&back, &plain, sizeof(plain));
	unlink(argv[2]);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, clear_env),
		cmocka_unit_test_setup(test_precedence, clear_env),
		cmocka_unit_test_setup(test_flags, clear_env),
		cmocka_unit_test_setup(test_source_options, clear_env),
		cmocka_unit_test_setup(test_errors, clear_env),
		cmocka_unit_test_setup(test_field_rules, clear_env),
		cmocka_unit_test_setup(test_help_lists_everything, clear_env),
		cmocka_unit_test_setup(test_print_config_round_trip, clear_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
