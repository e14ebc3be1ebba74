/*
 * snapshot_test.c — source selection and the snapshot model: auto picks
 * the module file when present and procfs otherwise (and says why), a
 * broken module file falls back to procfs in auto mode but is an error when
 * the module is forced, procfs can be forced, containers_only; grouping,
 * duplicate pids, lookups, and the raw-bytes decoding shared with the module.
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
	struct snap_config cfg = { .module_path = "/nonexistent/sysinfo_202002591" };
	enum snap_source src;
	char why[160];

	(void)state;
	assert_int_equal(snapshot_select(&cfg, &src, why, sizeof(why)), 0);
	/* without the module, auto takes BPF where this kernel and user allow it */
	if (src == SNAP_SRC_BPF) {
		assert_non_null(strstr(why, "BPF task iterator loaded"));
	} else {
		assert_int_equal(src, SNAP_SRC_PROCFS);
		assert_non_null(strstr(why, "module file /nonexistent/sysinfo_202002591 is absent "
					    "(module not loaded), BPF unusable ("));
	}
	cfg.proc_root = "/nonexistent/proc";
	assert_int_equal(snapshot_select(&cfg, &src, why, sizeof(why)), 0);
	assert_int_equal(src, SNAP_SRC_PROCFS);
	cfg.proc_root = NULL;
	cfg.module_path = modfile;
	assert_int_equal(snapshot_select(&cfg, &src, why, sizeof(why)), 0);
	assert_int_equal(src, SNAP_SRC_MODULE);
	assert_non_null(strstr(why, "is present"));
	cfg.pref = SNAP_PREF_PROCFS;
	assert_int_equal(snapshot_select(&cfg, &src, why, sizeof(why)), 0);
	assert_int_equal(src, SNAP_SRC_PROCFS);
	assert_string_equal(why, "procfs forced by configuration");
	cfg.pref = SNAP_PREF_MODULE;
	cfg.module_path = "/nonexistent/x";
	assert_int_equal(snapshot_select(&cfg, &src, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "module forced but /nonexistent/x is not readable"));
}

static void test_take(void **state)
{
	struct snap_config cfg = { .module_path = modfile, .proc_root = synth };
	struct snapshot s;
	char err[256];

	(void)state;
	/* auto + module file present: the module source */
	assert_int_equal(snapshot_take(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_MODULE);
	assert_int_equal(s.nprocs, 5);
	assert_int_equal(s.nctrs, 2);
	snapshot_free(&s);

	/* auto + broken module file: procfs, and why says what was wrong */
	cfg.module_path = badfile;
	assert_int_equal(snapshot_take(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_PROCFS);
	assert_non_null(strstr(s.source_why, "module file unusable"));
	assert_non_null(strstr(s.source_why, "not valid JSON"));
	assert_int_equal(s.nprocs, 5);
	snapshot_free(&s);

	/* forced module + broken file: an error, no fallback */
	cfg.pref = SNAP_PREF_MODULE;
	assert_true(snapshot_take(&cfg, &s, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "module source: "));
	assert_non_null(strstr(err, badfile));
	assert_int_equal(s.nprocs, 0);

	/* forced procfs ignores a good module file; containers_only */
	cfg.pref = SNAP_PREF_PROCFS;
	cfg.module_path = modfile;
	cfg.containers_only = true;
	assert_int_equal(snapshot_take(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_PROCFS);
	assert_int_equal(s.nprocs, 3);
	for (size_t i = 0; i < s.nprocs; i++)
		assert_true(s.procs[i].container_id[0] && s.procs[i].ctr >= 0);
	snapshot_free(&s);

	/* module, containers_only */
	cfg.pref = SNAP_PREF_AUTO;
	assert_int_equal(snapshot_take(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_MODULE);
	assert_int_equal(s.nprocs, 3);
	snapshot_free(&s);

	/* the live machine (no module here: procfs) */
	assert_int_equal(snapshot_take(NULL, &s, err, sizeof(err)), 0);
	assert_true(s.nprocs > 1);
	assert_non_null(snapshot_find_proc(&s, getpid()));
	snapshot_free(&s);
}

static void test_group(void **state)
{
	struct snapshot s = { 0 };
	const char *ids[] = { "b", "a", "", "b", "a", "c" };
	int pids[] = { 5, 3, 9, 1, 3, 7 };

	(void)state;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(pids); i++) {
		struct snap_proc *p = snapshot_add_proc(&s);
		p->pid = pids[i];
		p->rss_kb = 10;
		util_strlcpy(p->container_id, ids[i], sizeof(p->container_id));
	}
	assert_int_equal(snapshot_group(&s, false), 0);
	/* sorted, duplicate pid 3 dropped */
	assert_int_equal(s.nprocs, 5);
	for (size_t i = 1; i < s.nprocs; i++)
		assert_true(s.procs[i - 1].pid < s.procs[i].pid);
	assert_int_equal(s.nctrs, 3);
	assert_string_equal(s.ctrs[0].id, "a");
	assert_string_equal(s.ctrs[1].id, "b");
	assert_int_equal(s.ctrs[1].nprocs, 2);
	assert_int_equal(s.ctrs[1].rss_kb, 20);
	assert_null(snapshot_find_proc(&s, 4));
	assert_null(snapshot_find_ctr(&s, "d"));
	assert_int_equal(snapshot_find_proc(&s, 9)->ctr, -1);
	/* regrouping is idempotent */
	assert_int_equal(snapshot_group(&s, false), 0);
	assert_int_equal(s.ctrs[1].nprocs, 2);
	snapshot_free(&s);
	assert_int_equal(s.nprocs, 0);
	snapshot_free(&s); /* twice is fine */
}

static void test_decode_raw(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(snapshot_decode_raw("abc", 3, out, sizeof(out)), 3);
	assert_string_equal(out, "abc");
	/* valid multibyte kept, invalid bytes as Latin-1, overlong/surrogates invalid */
	assert_int_equal(snapshot_decode_raw("\xc3\xa9\xff", 3, out, sizeof(out)), 4);
	assert_string_equal(out, "\xc3\xa9\xc3\xbf");
	assert_int_equal(snapshot_decode_raw("\xc0\xaf", 2, out, sizeof(out)), 4);
	assert_string_equal(out, "\xc3\x80\xc2\xaf");
	assert_int_equal(snapshot_decode_raw("\xed\xa0\x80", 3, out, sizeof(out)), 6);
	/* never splits a character at the end of the buffer */
	assert_int_equal(snapshot_decode_raw("\xff\xff\xff\xff\xff\xff\xff\xff", 8, out, 6), 4);
	assert_int_equal(strlen(out), 4);
	assert_int_equal(snapshot_decode_raw("x", 1, out, 1), 0);
	assert_string_equal(out, "");
}

static void test_names(void **state)
{
	enum snap_source_pref p;

	(void)state;
	assert_true(snapshot_pref_parse("auto", &p) && p == SNAP_PREF_AUTO);
	assert_true(snapshot_pref_parse("module", &p) && p == SNAP_PREF_MODULE);
	assert_true(snapshot_pref_parse("procfs", &p) && p == SNAP_PREF_PROCFS);
	assert_false(snapshot_pref_parse("kernel", &p));
	assert_string_equal(snapshot_source_name(SNAP_SRC_MODULE), "module");
	assert_string_equal(snapshot_source_name(SNAP_SRC_PROCFS), "procfs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select), cmocka_unit_test(test_take),
		cmocka_unit_test(test_group),  cmocka_unit_test(test_decode_raw),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
