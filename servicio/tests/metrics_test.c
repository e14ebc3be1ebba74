/*
 * metrics_test.c — the metrics facade: a session picks its source once
 * (auto: the module file when present, BPF, else procfs; and says why), a
 * take that fails falls back to procfs in auto mode for good but is an
 * error when the module is forced, procfs can be forced, containers_only;
 * the source names.
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

/* The source a session on cfg chooses (why says why); -errno when none. */
static int pick(const struct metrics_config *cfg, enum snap_source *src, char *why, size_t len)
{
	struct metrics m;
	int ret = metrics_open(&m, cfg, why, len);

	*src = metrics_source(&m);
	metrics_close(&m);
	return ret;
}

static void test_select(void **state)
{
	struct metrics_config cfg = { .module_path = "/nonexistent/sysinfo_202002591",
				      .proc_root = synth };
	enum snap_source src;
	char why[256];

	(void)state;
	/* a fixture tree stands for /proc: BPF (the live kernel) is never used */
	assert_int_equal(pick(&cfg, &src, why, sizeof(why)), 0);
	assert_int_equal(src, SNAP_SRC_PROCFS);
	assert_string_equal(why,
			    "module file /nonexistent/sysinfo_202002591 is absent (module not "
			    "loaded); BPF not used: a fixture /proc tree is read: using procfs");
	/* the live system without the module: BPF where the kernel allows, else procfs */
	cfg.proc_root = NULL;
	assert_int_equal(pick(&cfg, &src, why, sizeof(why)), 0);
	assert_true(src == SNAP_SRC_BPF || src == SNAP_SRC_PROCFS);
	assert_non_null(strstr(why, src == SNAP_SRC_BPF ? "using bpf" : "using procfs"));
	cfg.module_path = modfile;
	assert_int_equal(pick(&cfg, &src, why, sizeof(why)), 0);
	assert_int_equal(src, SNAP_SRC_MODULE);
	assert_non_null(strstr(why, "is present"));
	cfg.forced = true;
	cfg.source = SNAP_SRC_PROCFS;
	assert_int_equal(pick(&cfg, &src, why, sizeof(why)), 0);
	assert_int_equal(src, SNAP_SRC_PROCFS);
	assert_string_equal(why, "procfs forced by configuration");
	cfg.forced = true;
	cfg.source = SNAP_SRC_MODULE;
	cfg.module_path = "/nonexistent/x";
	assert_int_equal(pick(&cfg, &src, why, sizeof(why)), -ENOENT);
	assert_int_equal(src, SNAP_SRC_COUNT);
	assert_non_null(strstr(why, "module forced but /nonexistent/x is not readable"));
}

/* One take of a session on cfg into *s. */
static int take_once(const struct metrics_config *cfg, struct snapshot *s, char *err, size_t len)
{
	struct metrics m;
	int ret = metrics_open(&m, cfg, err, len);

	memset(s, 0, sizeof(*s));
	if (ret == 0)
		ret = metrics_take(&m, s, err, len);
	metrics_close(&m);
	return ret;
}

/*
 * The source is chosen once: a module file that breaks after the choice
 * makes the session fall back to procfs at that take (why says what was
 * wrong, the previous snapshot is forgotten), and it stays on procfs when
 * the file is good again. A forced module never falls back.
 */
static void test_fallback(void **state)
{
	char live[256];
	struct metrics_config cfg = { .module_path = live, .proc_root = synth };
	struct metrics m;
	struct snapshot s;
	struct ctrstats cs;
	char err[256];

	(void)state;
	snprintf(live, sizeof(live), "%s/live", dir);
	assert_int_equal(link(modfile, live), 0);
	assert_int_equal(metrics_open(&m, &cfg, err, sizeof(err)), 0);
	assert_int_equal(metrics_source(&m), SNAP_SRC_MODULE);
	assert_int_equal(metrics_measure(&m, &s, &cs, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_MODULE);
	ctrstats_free(&cs);
	metrics_advance(&m, &s);
	assert_true(m.have_prev);

	assert_int_equal(rename(badfile, live), 0);
	assert_int_equal(metrics_take(&m, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_PROCFS);
	assert_int_equal(metrics_source(&m), SNAP_SRC_PROCFS);
	assert_non_null(strstr(s.source_why, "module source failed"));
	assert_non_null(strstr(s.source_why, "not valid JSON"));
	assert_false(m.have_prev);
	assert_int_equal(s.nprocs, 5);
	snapshot_free(&s);

	/* good again: no reselection */
	assert_int_equal(unlink(live), 0);
	assert_int_equal(link(modfile, live), 0);
	assert_int_equal(metrics_take(&m, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_PROCFS);
	snapshot_free(&s);
	metrics_close(&m);

	/* forced module + broken file: an error, no fallback */
	write_file(badfile, "{\"version\":1,\"timest", 20);
	cfg.module_path = badfile;
	cfg.forced = true;
	cfg.source = SNAP_SRC_MODULE;
	assert_int_equal(metrics_open(&m, &cfg, err, sizeof(err)), 0);
	assert_true(metrics_take(&m, &s, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "module source: "));
	assert_non_null(strstr(err, badfile));
	assert_int_equal(s.nprocs, 0);
	assert_int_equal(metrics_source(&m), SNAP_SRC_MODULE);
	metrics_close(&m);
	assert_int_equal(unlink(live), 0);
}

/* A memory cgroup of the fixture tree: usage mib MiB, no inactive pages. */
static void cg_usage(const char *root, const char *id, unsigned mib)
{
	char path[4300], text[64];
	int n = snprintf(text, sizeof(text), "%u\n", mib << 20);

	snprintf(path, sizeof(path), "%s/memory/docker/%s/memory.usage_in_bytes", root, id);
	write_file(path, text, (size_t)n);
	snprintf(path, sizeof(path), "%s/memory/docker/%s/memory.stat", root, id);
	write_file(path, "total_inactive_file 0\n", 22);
}

/*
 * 40 containers (enough for the facade's second thread, which reads their
 * kept memory files while the source takes its snapshot): the second
 * measure has every container's figures as the files show them then.
 */
static void test_prefetch_thread(void **state)
{
	enum { N = 40 };
	char root[] = "/tmp/gestor-mtest-cg-XXXXXX", doc[4300], ids[N][GESTOR_CTR_ID_LEN + 1];
	struct metrics_config cfg = { .module_path = doc,
				      .forced = true,
				      .source = SNAP_SRC_MODULE };
	struct metrics m;
	struct snapshot s;
	struct ctrstats cs;
	char err[256], path[4300], *txt;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/memory", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/memory/docker", root);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(procfs_snapshot(synth, &s, err, sizeof(err)), 0);
	for (int i = 0; i < N; i++) {
		struct snap_proc *p = snapshot_add_proc(&s);
		int n;

		assert_non_null(p);
		snprintf(ids[i], sizeof(ids[i]), "%064x", 0xc0de00 + i);
		p->pid = 1000 + i;
		p->ppid = 1;
		p->threads = 1;
		p->ctr = -1;
		util_strlcpy(p->name, "worker", sizeof(p->name));
		util_strlcpy(p->state, "S", sizeof(p->state));
		util_strlcpy(p->container_id, ids[i], sizeof(p->container_id));
		n = snprintf(path, sizeof(path), "/docker/%s", ids[i]);
		assert_non_null(p->cgroup = snapshot_strdup(&s, path, (size_t)n));
		snprintf(path, sizeof(path), "%s/memory/docker/%s", root, ids[i]);
		assert_int_equal(mkdir(path, 0755), 0);
		cg_usage(root, ids[i], 1 + (unsigned)i);
	}
	assert_non_null(txt = modsrc_format(&s, &len));
	snapshot_free(&s);
	snprintf(doc, sizeof(doc), "%s/sysinfo", root);
	write_file(doc, txt, len);
	free(txt);

	assert_int_equal(metrics_open(&m, &cfg, err, sizeof(err)), 0);
	m.copts.cgroup_root = root;
	for (unsigned round = 0; round < 3; round++) {
		size_t ours = 0;

		assert_int_equal(metrics_measure(&m, &s, &cs, err, sizeof(err)), 0);
		for (size_t i = 0; i < cs.nctrs; i++) { /* ours, beside the tree's own */
			const char *id = cs.ctrs[i].ctr->id;
			unsigned k = (unsigned)strtoul(id + 58, NULL, 16) - 0xc0de00;

			if (strncmp(id, "0000000000", 10) != 0 || k >= N)
				continue;
			ours++;
			assert_true(cs.ctrs[i].has_mem);
			assert_int_equal(cs.ctrs[i].mem_kb, (1 + k + round) * 1024);
		}
		assert_int_equal(ours, N);
		ctrstats_free(&cs);
		metrics_advance(&m, &s);
		for (int i = 0; i < N; i++) /* the next round's figures */
			cg_usage(root, ids[i], 2 + (unsigned)i + round);
	}
	metrics_close(&m);
	assert_int_equal(util_rm_tree(root), 0);
}

static void test_take(void **state)
{
	struct metrics_config cfg = { .module_path = modfile, .proc_root = synth };
	struct snapshot s;
	char err[256];

	(void)state;
	/* auto + module file present: the module source */
	assert_int_equal(take_once(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_MODULE);
	assert_int_equal(s.nprocs, 5);
	assert_int_equal(s.nctrs, 2);
	snapshot_free(&s);

	/* forced procfs ignores a good module file; containers_only */
	cfg.forced = true;
	cfg.source = SNAP_SRC_PROCFS;
	cfg.containers_only = true;
	assert_int_equal(take_once(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_PROCFS);
	assert_int_equal(s.nprocs, 3);
	for (size_t i = 0; i < s.nprocs; i++)
		assert_true(s.procs[i].container_id[0] && s.procs[i].ctr >= 0);
	snapshot_free(&s);

	/* module, containers_only */
	cfg.forced = false;
	assert_int_equal(take_once(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_MODULE);
	assert_int_equal(s.nprocs, 3);
	snapshot_free(&s);

	/* the live machine (no module here: BPF or procfs) */
	struct metrics_config live = { 0 };
	assert_int_equal(take_once(&live, &s, err, sizeof(err)), 0);
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
		cmocka_unit_test(test_select),		cmocka_unit_test(test_take),
		cmocka_unit_test(test_prefetch_thread), cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
