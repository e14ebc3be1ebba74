/*
 * procfs_test.c — the procfs source: the pure parsers on real and edge-case
 * lines, a synthetic /proc tree (hostile comm, containers, a kernel thread,
 * a malformed and a vanished process), a tree copied from the real /proc in
 * the test (same answer as the live walk), and two live children measured
 * within stated tolerances: one burning a core (~100 %, within 5 points of
 * the kernel's own per-process CPU clock and within 15 of 100 unless the
 * machine starved it) and one holding 200 MiB (RSS grows by 200 MiB +- 4 MiB).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../ctrstats.h"
#include "../procfs.h"
#include "../procskip.h"
#include "../snapshot.h"
#include "util.h"

#define ID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static char fixtures[4096];

static void test_parse_stat(void **state)
{
	struct procfs_stat st;
	const char *real = "1234 (bash) S 1000 1234 1234 34816 5678 4194304 2345 6789 0 0 "
			   "150 75 10 5 20 0 1 0 987654 12345678 1500 18446744073709551615 1 1 "
			   "0 0 0 0 65536 3686404 1266761467 0 0 0 17 1 0 0 0 0 0\n";
	const char *hostile = "42 () (evil) x) R 7 42 42 0 -1 4194560 1 0 0 0 300 200 0 0 20 0 "
			      "5 0 777 4096 3 18446744073709551615\n";

	(void)state;
	assert_int_equal(procfs_parse_stat_buf(real, &st), 0);
	assert_int_equal(st.pid, 1234);
	assert_string_equal(st.comm, "bash");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1000);
	assert_int_equal(st.utime, 150);
	assert_int_equal(st.stime, 75);
	assert_int_equal(st.num_threads, 1);
	assert_int_equal(st.starttime, 987654);
	assert_int_equal(st.vsize, 12345678);
	assert_int_equal(st.rss_pages, 1500);
	assert_int_equal(st.flags, 4194304);
	/* comm runs to the last ')' */
	assert_int_equal(procfs_parse_stat_buf(hostile, &st), 0);
	assert_string_equal(st.comm, ") (evil) x");
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, 7);
	assert_int_equal(st.utime, 300);
	assert_int_equal(st.num_threads, 5);
	assert_int_equal(st.starttime, 777);
	/* malformed: cut short, no parens, letters for numbers, empty */
	assert_int_equal(procfs_parse_stat_buf("1234 (bash) S 1000 1234", &st), -EINVAL);
	assert_int_equal(procfs_parse_stat_buf("1234 bash S 1 2 3", &st), -EINVAL);
	assert_int_equal(procfs_parse_stat_buf("1234 (bash) S x 1 2 3 4 5 6 7 8 9 10 11 12 13 14 "
					       "15 16 17 18 19 20 21 22",
					       &st),
			 -EINVAL);
	assert_int_equal(procfs_parse_stat_buf("", &st), -EINVAL);
	assert_int_equal(procfs_parse_stat_buf("-5 (x) S 1", &st), -EINVAL);
}

static void test_kthread_names(void **state)
{
	struct {
		const char *proc, *want;
		bool kthread;
	} cases[] = {
		{ "kworker/0:0-events", "kworker/0:0", true },
		{ "kworker/1:0H-events_highpri", "kworker/1:0H", true },
		{ "kworker/u4:1+events_unbound", "kworker/u4:1", true },
		{ "kworker/0:1", "kworker/0:1", true },
		{ "rcu_tasks_kthread", "rcu_tasks_kthre", true },
		{ "ksoftirqd/0", "ksoftirqd/0", true },
		/* user processes are never touched */
		{ "kworker/0:0-x", "kworker/0:0-x", false },
		{ "a-b+c", "a-b+c", false },
	};

	(void)state;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		char name[SNAP_NAME_MAX];
		util_strlcpy(name, cases[i].proc, sizeof(name));
		procfs_comm_as_module(name, cases[i].kthread);
		assert_string_equal(name, cases[i].want);
	}
}

static void test_parse_small_files(void **state)
{
	uint64_t a, b, ns;
	uint32_t uid, thr, cpus;
	struct snap_memory m;
	struct snap_cpu c;
	char out[600];

	(void)state;
	assert_int_equal(procfs_parse_statm_buf("2048 512 100 10 0 600 0\n", &a, &b), 0);
	assert_int_equal(a, 2048);
	assert_int_equal(b, 512);
	assert_int_equal(procfs_parse_statm_buf("2048", &a, &b), -EINVAL);
	assert_int_equal(procfs_parse_statm_buf("", &a, &b), -EINVAL);

	assert_int_equal(
		procfs_parse_status_buf("Name:\tx\nUid:\t1000\t1001\t1000\t1000\nThreads:\t7\n",
					&uid, &thr),
		0);
	assert_int_equal(uid, 1001); /* effective, like the module */
	assert_int_equal(thr, 7);
	assert_int_equal(procfs_parse_status_buf("Name:\tx\nThreads:\t7\n", &uid, &thr), -EINVAL);
	assert_int_equal(procfs_parse_status_buf("Uid:\t1\t1\t1\t1\n", &uid, &thr), -EINVAL);

	procfs_parse_cmdline_buf("a\0b c\0\0", 7, out, sizeof(out));
	assert_string_equal(out, "a b c");
	procfs_parse_cmdline_buf("", 0, out, sizeof(out));
	assert_string_equal(out, "");
	/* an invalid UTF-8 byte b becomes U+EF00+b, as the module's \uefff decodes */
	procfs_parse_cmdline_buf("x\xff", 2, out, sizeof(out));
	assert_string_equal(out, "x\xee\xbf\xbf");
	/* cut at 256 raw bytes like the module */
	{
		char big[400];
		memset(big, 'a', sizeof(big));
		procfs_parse_cmdline_buf(big, sizeof(big), out, sizeof(out));
		assert_int_equal(strlen(out), 256);
		procfs_parse_cmdline_buf(big, sizeof(big), out, 10);
		assert_int_equal(strlen(out), 9);
	}

	assert_int_equal(
		procfs_parse_meminfo_buf("MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: "
					 "600 kB\nBuffers: 5 kB\nCached: 50 kB\nSwapTotal: "
					 "8 kB\nSwapFree: 4 kB\n",
					 &m),
		0);
	assert_int_equal(m.total_kb, 1000);
	assert_int_equal(m.available_kb, 600);
	assert_int_equal(m.used_kb, 400);
	assert_int_equal(m.swap_free_kb, 4);
	/* no MemAvailable (old kernels): free + buffers + cached */
	assert_int_equal(procfs_parse_meminfo_buf("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 5 "
						  "kB\nCached: 50 kB\n",
						  &m),
			 0);
	assert_int_equal(m.available_kb, 155);
	assert_int_equal(procfs_parse_meminfo_buf("MemFree: 100 kB\n", &m), -EINVAL);
	assert_int_equal(procfs_parse_meminfo_buf("MemTotal: x kB\nMemFree: 1 kB\n", &m), -EINVAL);

	assert_int_equal(
		procfs_parse_sysstat_buf("cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4\ncpu1 1 2 "
					 "3 4\ncpu2 1 2 3 4\nintr 5\n",
					 100, &c, &cpus),
		0);
	assert_int_equal(cpus, 3);
	assert_int_equal(c.user_ns, 10000000);
	assert_int_equal(c.idle_ns, 40000000);
	assert_int_equal(c.steal_ns, 80000000);
	assert_int_equal(procfs_parse_sysstat_buf("cpu  1 2 3\n", 100, &c, &cpus), -EINVAL);
	assert_int_equal(procfs_parse_sysstat_buf("intr 1\n", 100, &c, &cpus), -EINVAL);
	/* hz 250 and 1000 convert exactly */
	assert_int_equal(procfs_parse_sysstat_buf("cpu  250 0 0 1000\n", 250, &c, &cpus), 0);
	assert_int_equal(c.user_ns, 1000000000ull);
	assert_int_equal(c.idle_ns, 4000000000ull);

	assert_int_equal(procfs_parse_uptime_buf("1000.50 1900.00\n", &ns), 0);
	assert_int_equal(ns, 1000500000000ull);
	assert_int_equal(procfs_parse_uptime_buf("7\n", &ns), 0);
	assert_int_equal(ns, 7000000000ull);
	assert_int_equal(procfs_parse_uptime_buf("x\n", &ns), -EINVAL);
}

/* Each numeric field of /proc/<pid>/stat and status checked on its own: a
 * damaged one makes the record malformed (the walk skips it), never a
 * number read from the wrong place. */
static void test_malformed_fields(void **state)
{
	struct procfs_stat st;
	struct snap_memory m;
	uint32_t uid, thr;
	/* fields after ')': 3 state 4 ppid 5..8 9 flags 10..13 14 utime 15 stime
	 * 16..19 20 threads 21 22 start 23 vsize 24 rss */
	static const char *bad[] = {
		"1 (x) 7 1 0 0 0 0 9 0 0 0 0 14 15 0 0 0 0 20 0 22 23 24\n", /* state */
		"1 (x)S 1 0 0 0 0 9 0 0 0 0 14 15 0 0 0 0 20 0 22 23 24\n", /* no space */
		"1 (x) SS 1 0 0 0 0 9 0 0 0 0 14 15 0 0 0 0 20 0 22 23 24\n", /* two letters */
		"1 (x) S 1 0 0 0 0 f 0 0 0 0 14 15 0 0 0 0 20 0 22 23 24\n", /* flags */
		"1 (x) S 1 0 0 0 0 9 0 0 0 0 14 s 0 0 0 0 20 0 22 23 24\n", /* stime */
		"1 (x) S 1 0 0 0 0 9 0 0 0 0 14 15 0 0 0 0 -20 0 22 23 24\n", /* threads < 0 */
		"1 (x) S 1 0 0 0 0 9 0 0 0 0 14 15 0 0 0 0 20 0 22 v 24\n", /* vsize */
		"1 (x) S 1 0 0 0 0 9 0 0 0 0 14 15 0 0 0 0 20 0 22 23 r\n", /* rss */
		"1 (x) S 1 0 0 0 0 9 0 0 0 0 14 15 0 0 0 0 20 0\n", /* cut at 21 */
		"1 )x( S 1 0 0 0 0 9 0 0 0 0 14 15 0 0 0 0 20 0 22 23 24\n", /* parens swapped */
	};

	(void)state;
	assert_int_equal(procfs_parse_stat_buf("1 (x) S 1 0 0 0 0 9 0 0 0 0 14 15 0 0 0 0 20 "
					       "0 22 23 24\n",
					       &st),
			 0);
	assert_int_equal(st.stime, 15);
	assert_int_equal(st.rss_pages, 24);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (procfs_parse_stat_buf(bad[i], &st) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
	/* a comm longer than the kernel's is cut, not overflowed */
	char longc[200];
	snprintf(longc, sizeof(longc),
		 "5 (%0100d) S 1 0 0 0 0 9 0 0 0 0 14 15 0 0 0 0 20 0 22 23 24\n", 0);
	assert_int_equal(procfs_parse_stat_buf(longc, &st), 0);
	assert_int_equal(strlen(st.comm), sizeof(st.comm) - 1);

	assert_int_equal(procfs_parse_status_buf("Uid:\t0\tx\t0\t0\nThreads:\t1\n", &uid, &thr),
			 -EINVAL);
	assert_int_equal(procfs_parse_status_buf("Uid:\t0\t5\t0\t0\nThreads:\tmany\n", &uid, &thr),
			 -EINVAL);
	assert_int_equal(procfs_parse_status_buf("Uid:\t0\t5\t0\t0\n", &uid, &thr), -EINVAL);
	assert_int_equal(procfs_parse_status_buf("Uid:\t0\t5\t0\t0\nThreads:\t3\n", &uid, &thr), 0);
	assert_int_equal(uid, 5);
	assert_int_equal(thr, 3);

	/* more available than total (a racing read): used is 0, not a wrap */
	assert_int_equal(procfs_parse_meminfo_buf("MemTotal: 1000 kB\nMemFree: 900 kB\n"
						  "MemAvailable: 1200 kB\n",
						  &m),
			 0);
	assert_int_equal(m.available_kb, 1000);
	assert_int_equal(m.used_kb, 0);
}

/* A root whose system files are missing or damaged is refused with the
 * file named, not read as zeros. */
static void test_bad_system_files(void **state)
{
	static const struct {
		const char *meminfo, *stat, *uptime, *why;
		int ret;
	} cases[] = {
		{ NULL, "cpu  1 2 3 4\n", "5.0 1.0\n", "meminfo: No such file", -ENOENT },
		{ "MemFree: 1 kB\n", "cpu  1 2 3 4\n", "5.0 1.0\n", "meminfo: malformed", -EINVAL },
		{ "MemTotal: 9 kB\nMemFree: 1 kB\n", NULL, "5.0 1.0\n", "stat: No such file",
		  -ENOENT },
		{ "MemTotal: 9 kB\nMemFree: 1 kB\n", "intr 5\n", "5.0 1.0\n",
		  "stat: malformed (no cpu line)", -EINVAL },
		{ "MemTotal: 9 kB\nMemFree: 1 kB\n", "cpu  1 2 3 4\n", NULL, "uptime: No such file",
		  -ENOENT },
		{ "MemTotal: 9 kB\nMemFree: 1 kB\n", "cpu  1 2 3 4\n", "soon\n",
		  "uptime: malformed", -EINVAL },
		{ "MemTotal: 9 kB\nMemFree: 1 kB\n", "cpu  1 2 3 4\n", "5.0 1.0\n", NULL, 0 },
	};
	char root[] = "/tmp/gestor-procfs-bad-XXXXXX", path[128], err[512];
	struct snapshot s;

	(void)state;
	assert_non_null(mkdtemp(root));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *files[3] = { cases[i].meminfo, cases[i].stat, cases[i].uptime };
		const char *names[3] = { "meminfo", "stat", "uptime" };

		for (int k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "%s/%s", root, names[k]);
			unlink(path);
			if (files[k]) {
				FILE *f = fopen(path, "w");
				assert_non_null(f);
				fputs(files[k], f);
				fclose(f);
			}
		}
		err[0] = '\0';
		assert_int_equal(procfs_snapshot(root, &s, err, sizeof(err)), cases[i].ret);
		if (cases[i].why) {
			if (!strstr(err, cases[i].why))
				fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err,
					 cases[i].why);
			assert_non_null(strstr(err, root));
		} else {
			assert_int_equal(s.nprocs, 0); /* no pid directories */
			assert_int_equal(s.mem.total_kb, 9);
			snapshot_free(&s);
		}
	}
	assert_int_equal(util_rm_tree(root), 0);
}

static void test_synthetic_tree(void **state)
{
	struct snapshot s;
	char err[256] = "", root[4200];
	const struct snap_proc *p;
	long pg = sysconf(_SC_PAGESIZE) / 1024;
	uint64_t hzns = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);

	(void)state;
	snprintf(root, sizeof(root), "%s/proc-synth", fixtures);
	assert_int_equal(procfs_snapshot(root, &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_PROCFS);
	assert_int_equal(s.cpus, 2);
	assert_int_equal(s.mem.total_kb, 2000000);
	assert_int_equal(s.mem.used_kb, 500000);
	assert_int_equal(s.boottime_ns, 1000500000000ull);
	assert_int_equal(s.cpu.user_ns, 1000 * hzns);
	/* 1, 7, 8, 42, 77: 99 is malformed and 100 lost its status (vanished): skipped */
	assert_int_equal(s.nprocs, 5);
	assert_null(snapshot_find_proc(&s, 99));
	assert_null(snapshot_find_proc(&s, 100));

	p = snapshot_find_proc(&s, 42);
	assert_non_null(p);
	assert_string_equal(p->name, ") (evil x");
	assert_string_equal(p->state, "R");
	assert_int_equal(p->ppid, 1);
	assert_int_equal(p->uid, 1001);
	assert_int_equal(p->threads, 3);
	assert_string_equal(p->cmdline, "python3 -c print(\"hi\") \xee\xbf\xbf\xee\xbf\xbe");
	assert_string_equal(p->container_id, ID_A);
	assert_string_equal(p->cgroup, "/docker/" ID_A);
	assert_int_equal(p->vsz_kb, 2048 * pg);
	assert_int_equal(p->rss_kb, 512 * pg);
	assert_int_equal(p->cpu_time_ns, 10000 * hzns);
	assert_int_equal(p->start_time_ns, 50000 * hzns);
	assert_true(p->ctr >= 0);

	p = snapshot_find_proc(&s, 77);
	assert_non_null(p);
	assert_string_equal(p->name, "kworker/0:1");
	assert_int_equal(p->rss_kb, 0);
	assert_string_equal(p->cmdline, "");
	assert_string_equal(p->container_id, "");
	assert_int_equal(p->ctr, -1);

	p = snapshot_find_proc(&s, 1);
	assert_non_null(p);
	assert_string_equal(p->cgroup, "/"); /* the memory controller's path */
	assert_string_equal(p->cmdline, "/sbin/init splash");

	/* two containers: ID_A with 8 and 42, ID_B with 7 */
	assert_int_equal(s.nctrs, 2);
	const struct snap_ctr *a = snapshot_find_ctr(&s, ID_A), *b = snapshot_find_ctr(&s, ID_B);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->nprocs, 2);
	assert_int_equal(a->rss_kb, (512 + 100) * pg);
	assert_int_equal(a->cpu_time_ns, (10000 + 200) * hzns);
	assert_string_equal(a->cgroup, "/docker/" ID_A);
	assert_int_equal(b->nprocs, 1);
	assert_string_equal(b->cgroup, "/system.slice/docker-" ID_B ".scope");
	assert_ptr_equal(snapshot_find_ctr(&s, ID_B), b);

	/* containers_only keeps 7, 8, 42 */
	assert_int_equal(snapshot_group(&s, true), 0);
	assert_int_equal(s.nprocs, 3);
	snapshot_free(&s);
	assert_null(s.procs);

	/* the containers-only walk reads cgroup first and nothing else of the
	 * others; the lean one skips status and cmdline */
	const struct procfs_opts co = { .containers_only = true },
				 lean = { .containers_only = true, .skip_details = true };
	assert_int_equal(procfs_snapshot_opts(root, &co, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nprocs, 3);
	assert_int_equal(s.nctrs, 2);
	p = snapshot_find_proc(&s, 42);
	assert_non_null(p);
	assert_int_equal(p->uid, 1001);
	assert_string_equal(p->cmdline, "python3 -c print(\"hi\") \xee\xbf\xbf\xee\xbf\xbe");
	snapshot_free(&s);
	assert_int_equal(procfs_snapshot_opts(root, &lean, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nprocs, 3);
	assert_non_null(snapshot_find_proc(&s, 7));
	assert_non_null(snapshot_find_proc(&s, 8));
	assert_null(snapshot_find_proc(&s, 1));
	p = snapshot_find_proc(&s, 42);
	assert_non_null(p);
	assert_int_equal(p->uid, 0);
	assert_string_equal(p->cmdline, "");
	assert_int_equal(p->threads, 3); /* from stat */
	assert_string_equal(p->name, ") (evil x");
	assert_int_equal(p->rss_kb, 512 * pg);
	assert_int_equal(p->cpu_time_ns, 10000 * hzns);
	assert_string_equal(p->cgroup, "/docker/" ID_A);
	a = snapshot_find_ctr(&s, ID_A);
	assert_non_null(a);
	assert_int_equal(a->nprocs, 2);
	assert_int_equal(a->rss_kb, (512 + 100) * pg);
	snapshot_free(&s);

	/* a root that does not exist is an error naming it */
	assert_int_equal(procfs_snapshot("/nonexistent-proc", &s, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent-proc"));
	assert_int_equal(s.nprocs, 0);
}

/* Write text to dir/name. */
static void put(const char *dir, const char *name, const char *text)
{
	char path[4400];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, text, strlen(text)), 0);
	close(fd);
}

/* dir/<pid>/{stat,cgroup} for a process in cgroup cg. */
static void put_pid(const char *dir, int pid, const char *cg)
{
	char sub[4300], stat[256];

	snprintf(sub, sizeof(sub), "%s/%d", dir, pid);
	(void)mkdir(sub, 0755);
	snprintf(stat, sizeof(stat),
		 "%d (p%d) S 1 1 1 0 -1 4194560 100 0 0 0 100 100 0 0 20 0 1 0 60000 2048000 "
		 "100 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		 pid, pid);
	put(sub, "stat", stat);
	put(sub, "cgroup", cg);
}

/* One containers-only walk of root with sk; the number of processes kept. */
static size_t walk(const char *root, struct procskip *sk)
{
	const struct procfs_opts o = { .containers_only = true, .skip_details = true, .skip = sk };
	struct snapshot s;
	char err[256];
	size_t n;

	assert_int_equal(procfs_snapshot_opts(root, &o, &s, err, sizeof(err)), 0);
	n = s.nprocs;
	snapshot_free(&s);
	return n;
}

static void test_skip_outside(void **state)
{
	char dir[] = "/tmp/gestor-skip-XXXXXX", from[4200], path[4400];
	char *buf = NULL;
	size_t len = 0;
	struct procskip *sk = procskip_new(4);
	static const char *const top[] = { "meminfo", "stat", "uptime" };

	(void)state;
	assert_non_null(sk);
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < UTIL_ARRAY_LEN(top); i++) {
		snprintf(from, sizeof(from), "%s/proc-synth/%s", fixtures, top[i]);
		assert_int_equal(util_slurp(from, 1 << 20, &buf, &len), 0);
		put(dir, top[i], buf);
		free(buf);
	}
	put_pid(dir, 10, "0::/user.slice\n");
	put_pid(dir, 11, "0::/init.scope\n");
	put_pid(dir, 20, "0::/docker/" ID_A "\n");

	/* walks 1 and 2 read everything; from walk 3 on, 10 and 11 are left
	 * unread and 20's cgroup is not read again */
	assert_int_equal(walk(dir, sk), 1);
	assert_int_equal(procskip_skipped(sk), 0);
	assert_int_equal(procskip_reused(sk), 0);
	assert_int_equal(walk(dir, sk), 1);
	assert_int_equal(procskip_skipped(sk), 0);
	assert_int_equal(procskip_size(sk), 3);
	/* 11 joins the container and 20's cgroup file changes: neither is seen
	 * while remembered (stat is still read: 20 is still there)... */
	put_pid(dir, 11, "0::/docker/" ID_A "\n");
	put_pid(dir, 20, "0::/user.slice\n");
	assert_int_equal(walk(dir, sk), 1);
	assert_int_equal(procskip_skipped(sk), 2);
	assert_int_equal(procskip_reused(sk), 1);
	assert_int_equal(walk(dir, sk), 1);
	assert_int_equal(walk(dir, sk), 1);
	/* ...until the re-read (walk 6: 4 walks after the last read, walk 2) */
	assert_int_equal(walk(dir, sk), 1);
	assert_int_equal(procskip_skipped(sk), 0);
	assert_int_equal(procskip_reused(sk), 0);
	{
		/* now 11 is the one in the container, 20 outside */
		const struct procfs_opts o = { .containers_only = true,
					       .skip_details = true,
					       .skip = sk };
		struct snapshot s;
		char err[256];

		assert_int_equal(procfs_snapshot_opts(dir, &o, &s, err, sizeof(err)), 0);
		assert_int_equal(s.nprocs, 1);
		assert_non_null(snapshot_find_proc(&s, 11));
		assert_string_equal(snapshot_find_proc(&s, 11)->container_id, ID_A);
		snapshot_free(&s);
	}

	/* a process in a container that exits is gone at once (its stat) */
	snprintf(path, sizeof(path), "%s/11", dir);
	assert_int_equal(util_rm_tree(path), 0);
	assert_int_equal(walk(dir, sk), 0);

	/* pid 10 exits and a new process gets its pid, in a container: read */
	snprintf(path, sizeof(path), "%s/10", dir);
	assert_int_equal(util_rm_tree(path), 0);
	assert_int_equal(walk(dir, sk), 0);
	put_pid(dir, 12, "0::/user.slice\n"); /* a filler: a fresh inode number */
	put_pid(dir, 10, "0::/docker/" ID_A "\n");
	assert_int_equal(walk(dir, sk), 1);
	assert_int_equal(util_rm_tree(dir), 0);
	procskip_free(sk);
}

/* Copy the files a snapshot reads for pid from /proc into dir/<pid>/. */
static void copy_file(const char *from, const char *to)
{
	char *buf = NULL;
	size_t len = 0;
	int fd;

	assert_int_equal(util_slurp(from, 1 << 20, &buf, &len), 0);
	fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, buf, len), 0);
	close(fd);
	free(buf);
}

static void copy_pid(const char *dir, int pid)
{
	static const char *const files[] = { "stat", "statm", "status", "cmdline", "cgroup" };
	char from[256], to[4400];

	snprintf(to, sizeof(to), "%s/%d", dir, pid);
	assert_int_equal(mkdir(to, 0755), 0);
	for (size_t i = 0; i < UTIL_ARRAY_LEN(files); i++) {
		snprintf(from, sizeof(from), "/proc/%d/%s", pid, files[i]);
		snprintf(to, sizeof(to), "%s/%d/%s", dir, pid, files[i]);
		copy_file(from, to);
	}
}

static void test_copied_tree(void **state)
{
	char dir[] = "/tmp/gestor-mtest-proc-XXXXXX", path[4200], err[256];
	struct snapshot copy, live;
	int pids[] = { 1, getppid(), getpid() };
	pid_t me = getpid();

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < UTIL_ARRAY_LEN(pids); i++)
		copy_pid(dir, pids[i]);
	snprintf(path, sizeof(path), "%s/stat", dir);
	copy_file("/proc/stat", path);
	snprintf(path, sizeof(path), "%s/meminfo", dir);
	copy_file("/proc/meminfo", path);
	snprintf(path, sizeof(path), "%s/uptime", dir);
	copy_file("/proc/uptime", path);

	assert_int_equal(procfs_snapshot(dir, &copy, err, sizeof(err)), 0);
	assert_int_equal(procfs_snapshot(NULL, &live, err, sizeof(err)), 0);
	assert_int_equal(copy.nprocs, 3);
	assert_true(live.nprocs >= 3);
	assert_int_equal(copy.mem.total_kb, live.mem.total_kb);
	assert_int_equal(copy.cpus, live.cpus);
	assert_int_equal(copy.cpus, (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
	for (size_t i = 0; i < UTIL_ARRAY_LEN(pids); i++) {
		const struct snap_proc *c = snapshot_find_proc(&copy, pids[i]);
		const struct snap_proc *l = snapshot_find_proc(&live, pids[i]);

		assert_non_null(c);
		assert_non_null(l);
		assert_string_equal(c->name, l->name);
		assert_string_equal(c->cmdline, l->cmdline);
		assert_string_equal(c->container_id, l->container_id);
		assert_string_equal(c->cgroup, l->cgroup);
		assert_int_equal(c->ppid, l->ppid);
		assert_int_equal(c->uid, l->uid);
		assert_int_equal(c->start_time_ns, l->start_time_ns);
		assert_true(l->cpu_time_ns >= c->cpu_time_ns);
	}
	/* and against what this process knows of itself */
	const struct snap_proc *self = snapshot_find_proc(&live, me);
	assert_non_null(self);
	assert_int_equal(self->ppid, getppid());
	assert_int_equal(self->uid, geteuid());
	assert_string_equal(self->state, "R");
	assert_string_equal(self->name, "servicio_procfs");
	assert_true(self->rss_kb > 0 && self->vsz_kb >= self->rss_kb);
	snapshot_free(&copy);
	snapshot_free(&live);
	assert_int_equal(util_rm_tree(dir), 0);
}

/* ---- live children -------------------------------------------------------- */

static pid_t spawn_burner(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		volatile uint64_t x = 0;
		alarm(60); /* never outlive the test */
		for (;;)
			x++;
	}
	return pid;
}

/* Not instrumented: ASan's shadow checks would add 1/8 of the size to the RSS. */
__attribute__((no_sanitize("address"))) static void touch_pages(char *m, size_t len)
{
	for (size_t i = 0; i < len; i += 4096)
		((volatile char *)m)[i] = 1;
}

/* The holder maps 200 MiB, waits for a byte on go[0], touches every page,
 * writes a byte to done[1] and sleeps. */
static pid_t spawn_holder(int go[2], int done[2])
{
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	if (pid == 0) {
		size_t len = 200u << 20;
		char c;
		char *m =
			mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		alarm(60);
		if (m == MAP_FAILED || read(go[0], &c, 1) != 1)
			_exit(1);
		touch_pages(m, len);
		if (write(done[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	return pid;
}

static uint64_t cpu_clock_ns(pid_t pid)
{
	clockid_t cid;
	struct timespec ts;

	if (clock_getcpuclockid(pid, &cid) != 0 || clock_gettime(cid, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_live_children(void **state)
{
	struct snapshot s1, s2, s3;
	struct ctrstats st = { 0 };
	char err[256], c;
	int go[2], done[2];
	pid_t burner, holder;
	uint64_t ref0, ref1, t0, t1;
	const struct snap_proc *p;

	(void)state;
	burner = spawn_burner();
	holder = spawn_holder(go, done);
	assert_true(burner > 0 && holder > 0);
	usleep(200000); /* let the burner get going */

	/* memory: baseline, then 200 MiB touched */
	assert_int_equal(procfs_snapshot(NULL, &s1, err, sizeof(err)), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(done[0], &c, 1), 1);

	ref0 = cpu_clock_ns(burner);
	t0 = util_boot_ns();
	assert_int_equal(procfs_snapshot(NULL, &s2, err, sizeof(err)), 0);
	usleep(1000000);
	assert_int_equal(procfs_snapshot(NULL, &s3, err, sizeof(err)), 0);
	ref1 = cpu_clock_ns(burner);
	t1 = util_boot_ns();
	assert_int_equal(ctrstats_compute(&s2, &s3, &(struct ctrstats_opts){ .cgroup_root = "" },
					  &st, err, sizeof(err)),
			 0);

	p = snapshot_find_proc(&s3, burner);
	assert_non_null(p);
	double ours = st.proc_cpu_pct[p - s3.procs];
	double ref = 100.0 * (double)(ref1 - ref0) / (double)(t1 - t0);
	print_message("burner: %.1f %% (kernel CPU clock over the same interval: %.1f %%, system "
		      "CPU %.1f %%)\n",
		      ours, ref, st.sys_cpu_pct);
	assert_false(isnan(ours));
	assert_true(fabs(ours - ref) <= 5.0);
	if (ref >= 85.0)
		assert_true(fabs(ours - 100.0) <= 15.0);
	else
		print_message("note: the machine gave the burner only %.0f %% of a core\n", ref);
	assert_true(ours <= 105.0);

	const struct snap_proc *h1 = snapshot_find_proc(&s1, holder),
			       *h2 = snapshot_find_proc(&s3, holder);
	assert_non_null(h1);
	assert_non_null(h2);
	int64_t grew = (int64_t)h2->rss_kb - (int64_t)h1->rss_kb;
	print_message("holder: rss %llu kB -> %llu kB (+%.1f MiB)\n",
		      (unsigned long long)h1->rss_kb, (unsigned long long)h2->rss_kb,
		      (double)grew / 1024.0);
	assert_true(llabs(grew - 200 * 1024) <= 4 * 1024);
	assert_true(h2->rss_kb >= 200 * 1024);
	/* a holder's idle CPU rate is ~0 */
	assert_true(st.proc_cpu_pct[h2 - s3.procs] < 5.0);

	kill(burner, SIGKILL);
	kill(holder, SIGKILL);
	waitpid(burner, NULL, 0);
	waitpid(holder, NULL, 0);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	ctrstats_free(&st);
	snapshot_free(&s1);
	snapshot_free(&s2);
	snapshot_free(&s3);
}

static void test_vanishing(void **state)
{
	/* processes exiting during walks are skipped, never an error */
	pid_t kids[64];
	struct snapshot s;
	char err[256];

	(void)state;
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < UTIL_ARRAY_LEN(kids); i++) {
			kids[i] = fork();
			if (kids[i] == 0) {
				usleep((useconds_t)(i * 100));
				_exit(0);
			}
		}
		assert_int_equal(procfs_snapshot(NULL, &s, err, sizeof(err)), 0);
		assert_true(s.nprocs > 0);
		snapshot_free(&s);
		for (size_t i = 0; i < UTIL_ARRAY_LEN(kids); i++)
			waitpid(kids[i], NULL, 0);
	}
}

int main(void)
{
	const char *top = getenv("GESTOR_TOP");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat),	  cmocka_unit_test(test_kthread_names),
		cmocka_unit_test(test_parse_small_files), cmocka_unit_test(test_synthetic_tree),
		cmocka_unit_test(test_malformed_fields),  cmocka_unit_test(test_bad_system_files),
		cmocka_unit_test(test_copied_tree),	  cmocka_unit_test(test_live_children),
		cmocka_unit_test(test_vanishing),	  cmocka_unit_test(test_skip_outside),
	};

	snprintf(fixtures, sizeof(fixtures), "%s/servicio/tests/fixtures", top ? top : ".");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
