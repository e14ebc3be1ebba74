/*
 * metrics_test.c — the metrics facade: auto picks the module file when
 * present and procfs otherwise (and says why), a broken module file falls
 * back to procfs in auto mode but is an error when the module is forced,
 * procfs can be forced, containers_only; the source names.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../metrics.h"
#include "../modsrc.h"
#include "../procfs.h"
#include "../snapshot.h"
#include "util.h"

static char dir[] = "/tmp/gestor-mtest-snap-XXXXXX";
static char modfile[128], badfile[128], synth[4200];

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, data, len), 0);
	close(fd);
}

static int setup(void **state)
{
	struct snapshot s;
	char err[256], *txt;
	size_t len;
	const char *top = getenv("GESTOR_TOP");

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(synth, sizeof(synth), "%s/servicio/tests/fixtures/proc-synth", top ? top : ".");
	snprintf(modfile, sizeof(modfile), "%s/sysinfo", dir);
	snprintf(badfile, sizeof(badfile), "%s/broken", dir);
	/* a module document made from the synthetic tree */
	if (procfs_snapshot(synth, &s, err, sizeof(err)) < 0)
		return -1;
	txt = modsrc_format(&s, &len);
	snapshot_free(&s);
	if (!txt)
		return -1;
	write_file(modfile, txt, len);
	free(txt);
	write_file(badfile, "{\"version\":1,\"timest", 20);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return util_rm_tree(dir);
}

static void test_select(void **state)
{
	struct metrics_config cfg = { .module_path = "/nonexistent/sysinfo_202002591",
				      .proc_root = synth };
	enum snap_source src;
	char why[160];

	(void)state;
	/* a fixture tree stands for /proc: BPF (the live kernel) is never used */
	assert_int_equal(metrics_select(&cfg, &src, why, sizeof(why)), 0);
	assert_int_equal(src, SNAP_SRC_PROCFS);
	assert_string_equal(why,
			    "module file /nonexistent/sysinfo_202002591 is absent (module not "
			    "loaded); BPF not used: a fixture /proc tree is read: using procfs");
	/* the live system without the module: BPF where the kernel allows, else procfs */
	cfg.proc_root = NULL;
	assert_int_equal(metrics_select(&cfg, &src, why, sizeof(why)), 0);
	assert_true(src == SNAP_SRC_BPF || src == SNAP_SRC_PROCFS);
	assert_non_null(strstr(why, src == SNAP_SRC_BPF ? "bpf" : "using procfs"));
	cfg.module_path = modfile;
	assert_int_equal(metrics_select(&cfg, &src, why, sizeof(why)), 0);
	assert_int_equal(src, SNAP_SRC_MODULE);
	assert_non_null(strstr(why, "is present"));
	cfg.forced = true;
	cfg.source = SNAP_SRC_PROCFS;
	assert_int_equal(metrics_select(&cfg, &src, why, sizeof(why)), 0);
	assert_int_equal(src, SNAP_SRC_PROCFS);
	assert_string_equal(why, "procfs forced by configuration");
	cfg.forced = true;
	cfg.source = SNAP_SRC_MODULE;
	cfg.module_path = "/nonexistent/x";
	assert_int_equal(metrics_select(&cfg, &src, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "module forced but /nonexistent/x is not readable"));
}

static void test_take(void **state)
{
	struct metrics_config cfg = { .module_path = modfile, .proc_root = synth };
	struct snapshot s;
	char err[256];

	(void)state;
	/* auto + module file present: the module source */
	assert_int_equal(metrics_take(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_MODULE);
	assert_int_equal(s.nprocs, 5);
	assert_int_equal(s.nctrs, 2);
	snapshot_free(&s);

	/* auto + broken module file: procfs, and why says what was wrong */
	cfg.module_path = badfile;
	assert_int_equal(metrics_take(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_PROCFS);
	assert_non_null(strstr(s.source_why, "module file unusable"));
	assert_non_null(strstr(s.source_why, "not valid JSON"));
	assert_int_equal(s.nprocs, 5);
	snapshot_free(&s);

	/* forced module + broken file: an error, no fallback */
	cfg.forced = true;
	cfg.source = SNAP_SRC_MODULE;
	assert_true(metrics_take(&cfg, &s, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "module source: "));
	assert_non_null(strstr(err, badfile));
	assert_int_equal(s.nprocs, 0);

	/* forced procfs ignores a good module file; containers_only */
	cfg.forced = true;
	cfg.source = SNAP_SRC_PROCFS;
	cfg.module_path = modfile;
	cfg.containers_only = true;
	assert_int_equal(metrics_take(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_PROCFS);
	assert_int_equal(s.nprocs, 3);
	for (size_t i = 0; i < s.nprocs; i++)
		assert_true(s.procs[i].container_id[0] && s.procs[i].ctr >= 0);
	snapshot_free(&s);

	/* module, containers_only */
	cfg.forced = false;
	assert_int_equal(metrics_take(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_MODULE);
	assert_int_equal(s.nprocs, 3);
	snapshot_free(&s);

	/* the live machine (no module here: procfs) */
	assert_int_equal(metrics_take(NULL, &s, err, sizeof(err)), 0);
	assert_true(s.nprocs > 1);
	assert_non_null(snapshot_find_proc(&s, getpid()));
	snapshot_free(&s);
}

static void test_names(void **state)
{
	enum snap_source p = SNAP_SRC_COUNT;
	bool forced = true;

	(void)state;
	assert_true(metrics_source_parse("auto", &forced, &p) && !forced);
	assert_true(metrics_source_parse("module", &forced, &p) && forced && p == SNAP_SRC_MODULE);
	assert_true(metrics_source_parse("procfs", &forced, &p) && forced && p == SNAP_SRC_PROCFS);
	assert_false(metrics_source_parse("kernel", &forced, &p));
	assert_string_equal(metrics_source_name(SNAP_SRC_MODULE), "module");
	assert_string_equal(metrics_source_name(SNAP_SRC_PROCFS), "procfs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
