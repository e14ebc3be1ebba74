/*
 * ctrstats_test.c — rates and per-container figures on hand-built snapshot
 * pairs: CPU % per process and per container, pid reuse (start time), new
 * processes and containers (no rate), processes born or gone during the
 * interval, mixed sources, system CPU %; and the cgroup memory as docker
 * stats computes it, on v1 and v2 fixture trees (limits, "max", malformed).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
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

#include "../cgfds.h"
#include "../ctrstats.h"
#include "../snapshot.h"
#include "util.h"

#define ID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define ID_C "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define SEC 1000000000ull

static char fixtures[4096];

static void add(struct snapshot *s, int pid, const char *ctr, uint64_t cpu_ns, uint64_t start_ns,
		uint64_t rss_kb)
{
	struct snap_proc *p = snapshot_add_proc(s);

	assert_non_null(p);
	p->pid = pid;
	p->cpu_time_ns = cpu_ns;
	p->start_time_ns = start_ns;
	p->rss_kb = rss_kb;
	util_strlcpy(p->container_id, ctr ? ctr : "", sizeof(p->container_id));
	if (ctr) {
		char path[SNAP_CGROUP_MAX];
		int n = snprintf(path, sizeof(path), "/docker/%s", ctr);

		p->cgroup = snapshot_strdup(s, path, (size_t)n);
		assert_non_null(p->cgroup);
	}
}

static void base(struct snapshot *s, uint64_t boot_ns, uint64_t busy, uint64_t idle)
{
	memset(s, 0, sizeof(*s));
	s->source = SNAP_SRC_PROCFS;
	s->boottime_ns = boot_ns;
	s->cpus = 2;
	s->mem.total_kb = 1024 * 1024; /* 1 GiB */
	s->cpu.user_ns = busy;
	s->cpu.idle_ns = idle;
}

static const struct snap_proc *proc(const struct snapshot *s, int pid)
{
	const struct snap_proc *p = snapshot_find_proc(s, pid);
	assert_non_null(p);
	return p;
}

static void test_rates(void **state)
{
	struct snapshot a, b;
	struct ctrstats st;
	struct ctrstats_opts o = { .cgroup_root = "" };
	char err[128];
	const struct ctr_stat *c;

	(void)state;
	base(&a, 100 * SEC, 10 * SEC, 30 * SEC);
	add(&a, 10, ID_A, 5 * SEC, 1 * SEC, 1000); /* steady */
	add(&a, 11, ID_A, 9 * SEC, 2 * SEC, 1000); /* pid reused below */
	add(&a, 20, ID_B, 1 * SEC, 3 * SEC, 500); /* exits */
	add(&a, 21, ID_B, 1 * SEC, 3 * SEC, 500); /* idle */
	add(&a, 30, NULL, 1 * SEC, 4 * SEC, 100); /* no container */
	add(&a, 40, NULL, 1 * SEC, 4 * SEC, 100); /* moves into ID_A */
	assert_int_equal(snapshot_group(&a, false), 0);

	base(&b, 102 * SEC, 12 * SEC, 31 * SEC); /* 2 s later; 2 s busy of 3 */
	add(&b, 10, ID_A, 7 * SEC, 1 * SEC, 1000); /* +2 s in 2 s: 100 % */
	add(&b, 11, ID_A, SEC / 2, 101 * SEC, 2000); /* new process on pid 11, 0.5 s */
	add(&b, 12, ID_A, SEC / 4, 100 * SEC + SEC / 2, 10); /* born in the interval */
	add(&b, 40, ID_A, 3 * SEC, 4 * SEC, 100); /* known process, moved into ID_A */
	add(&b, 21, ID_B, 1 * SEC + SEC / 10, 3 * SEC, 500); /* +0.1 s: 5 % */
	add(&b, 30, NULL, 1 * SEC, 4 * SEC, 100); /* 0 % */
	add(&b, 50, ID_C, 9 * SEC, 50 * SEC, 300); /* new container */
	assert_int_equal(snapshot_group(&b, false), 0);

	assert_int_equal(ctrstats_compute(&a, &b, &o, &st, err, sizeof(err)), 0);
	assert_int_equal(st.interval_ns, 2 * SEC);
	assert_true(st.has_sys_cpu);
	assert_true(fabs(st.sys_cpu_pct - 200.0 / 3.0) < 1e-9);

	/* per process */
	assert_true(fabs(st.proc_cpu_pct[proc(&b, 10) - b.procs] - 100.0) < 1e-9);
	assert_true(isnan(st.proc_cpu_pct[proc(&b, 11) - b.procs])); /* reused pid: no rate */
	assert_true(isnan(st.proc_cpu_pct[proc(&b, 12) - b.procs])); /* new: no rate */
	assert_true(fabs(st.proc_cpu_pct[proc(&b, 21) - b.procs] - 5.0) < 1e-9);
	assert_true(fabs(st.proc_cpu_pct[proc(&b, 30) - b.procs]) < 1e-9);
	assert_true(fabs(st.proc_cpu_pct[proc(&b, 40) - b.procs] - 100.0) < 1e-9);

	/* ID_A: 2 s (pid 10) + 0.5 s (new pid 11) + 0.25 s (pid 12) + 2 s (pid 40,
	 * known process moved in: its delta counts) over 2 s */
	c = ctrstats_find(&st, ID_A);
	assert_non_null(c);
	assert_true(c->has_cpu);
	assert_true(fabs(c->cpu_pct - 237.5) < 1e-9);
	assert_ptr_equal(c->ctr, snapshot_find_ctr(&b, ID_A)); /* a view, not a copy */
	assert_int_equal(c->ctr->nprocs, 4);
	assert_int_equal(c->ctr->rss_kb, 3110);
	assert_false(c->has_mem); /* cgroup reads off */
	assert_int_equal(c->mem_kb, 3110);

	/* ID_B: pid 20 exited (its last interval is lost), pid 21 5 % */
	c = ctrstats_find(&st, ID_B);
	assert_non_null(c);
	assert_true(fabs(c->cpu_pct - 5.0) < 1e-9);
	assert_int_equal(c->ctr->nprocs, 1);

	/* ID_C: first seen, no rate, not a wrong one */
	c = ctrstats_find(&st, "aaaaaaaaaaaa");
	assert_non_null(c);
	assert_false(c->has_cpu);
	assert_true(c->cpu_pct == 0);
	assert_null(ctrstats_find(&st, "aaaa")); /* prefixes of < 12 chars are refused */
	ctrstats_free(&st);

	/* no previous snapshot: nothing has a rate */
	assert_int_equal(ctrstats_compute(NULL, &b, &o, &st, err, sizeof(err)), 0);
	assert_false(st.has_sys_cpu);
	for (size_t i = 0; i < st.nctrs; i++)
		assert_false(st.ctrs[i].has_cpu);
	for (size_t i = 0; i < b.nprocs; i++)
		assert_true(isnan(st.proc_cpu_pct[i]));
	ctrstats_free(&st);

	/* different sources: no rates either */
	a.source = SNAP_SRC_MODULE;
	assert_int_equal(ctrstats_compute(&a, &b, &o, &st, err, sizeof(err)), 0);
	assert_false(ctrstats_find(&st, ID_A)->has_cpu);
	ctrstats_free(&st);
	a.source = SNAP_SRC_PROCFS;

	/* reversed order is an error */
	assert_int_equal(ctrstats_compute(&b, &a, &o, &st, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "previous snapshot is newer than the current one");
	assert_null(st.ctrs);
	snapshot_free(&a);
	snapshot_free(&b);
}

static void test_sample_times(void **state)
{
	/* a walk that read the process 0.3 s after the snapshot's stamp the
	 * first time and right away the second: its own interval counts */
	struct snapshot a, b;
	struct ctrstats st;
	struct ctrstats_opts o = { .cgroup_root = "" };
	char err[128];

	(void)state;
	base(&a, 100 * SEC, 0, 0);
	add(&a, 10, ID_A, 5 * SEC, 1 * SEC, 1);
	a.procs[0].sample_ns = 100 * SEC + 3 * SEC / 10;
	assert_int_equal(snapshot_group(&a, false), 0);
	base(&b, 101 * SEC, 0, 0);
	add(&b, 10, ID_A, 5 * SEC + 7 * SEC / 10, 1 * SEC, 1); /* +0.7 s in 0.7 s */
	b.procs[0].sample_ns = 101 * SEC;
	assert_int_equal(snapshot_group(&b, false), 0);
	assert_int_equal(ctrstats_compute(&a, &b, &o, &st, err, sizeof(err)), 0);
	assert_true(fabs(st.proc_cpu_pct[0] - 100.0) < 1e-9);
	assert_true(fabs(st.ctrs[0].cpu_pct - 100.0) < 1e-9);
	ctrstats_free(&st);
	snapshot_free(&a);
	snapshot_free(&b);
}

static void test_sys_cpu(void **state)
{
	struct snap_cpu a = { 0 }, b = { 0 };
	double pct = -1;

	(void)state;
	assert_false(ctrstats_sys_cpu(&a, &b, &pct));
	b.idle_ns = 10;
	assert_true(ctrstats_sys_cpu(&a, &b, &pct));
	assert_true(pct == 0.0);
	b.user_ns = 5;
	b.system_ns = 3;
	b.steal_ns = 1;
	b.softirq_ns = 1;
	b.iowait_ns = 10;
	assert_true(ctrstats_sys_cpu(&a, &b, &pct));
	assert_true(fabs(pct - 100.0 * 10 / 30) < 1e-9);
	/* a counter going backwards (iowait can) counts as no time */
	a.iowait_ns = 100;
	assert_true(ctrstats_sys_cpu(&a, &b, &pct));
	assert_true(fabs(pct - 100.0) < 1e-9);
}

static void test_cgroup_memory(void **state)
{
	struct cgmem m;
	char root[4200], dir[CGMEM_DIR_MAX];
	const uint64_t ram = 1ull << 30;

	(void)state;
	/* v1, unlimited: usage 100 MiB - total_inactive_file 10 MiB, limit = RAM */
	snprintf(root, sizeof(root), "%s/cgroup-v1", fixtures);
	assert_int_equal(cgmem_read(root, "/docker/" ID_A, ID_A, ram, &m), 0);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.raw, 100u << 20);
	assert_int_equal(m.inactive_file, 10u << 20);
	assert_int_equal(m.usage, 90u << 20);
	assert_int_equal(m.limit, ram);
	/* found by id alone, v1 systemd layout, 64 MiB limit */
	assert_int_equal(cgmem_find(root, "", ID_C, ram, &m, dir), 0);
	assert_int_equal(m.usage, 50u << 20);
	assert_int_equal(m.limit, 64u << 20);
	assert_non_null(strstr(dir, "docker-" ID_C ".scope"));
	/* absent */
	assert_int_equal(cgmem_read(root, "/docker/" ID_B, ID_B, ram, &m), -ENOENT);

	/* v2, "max": memory.current 200 MiB - inactive_file 50 MiB */
	snprintf(root, sizeof(root), "%s/cgroup-v2", fixtures);
	assert_int_equal(cgmem_read(root, "/system.slice/docker-" ID_B ".scope", ID_B, ram, &m), 0);
	assert_int_equal(m.version, 2);
	assert_int_equal(m.raw, 200u << 20);
	assert_int_equal(m.inactive_file, 50u << 20);
	assert_int_equal(m.usage, 150u << 20);
	assert_int_equal(m.limit, ram);
	/* malformed memory.current is an error, not a zero */
	assert_int_equal(cgmem_read(root, "/docker/" ID_D, ID_D, ram, &m), -EINVAL);
	/* parser */
	uint64_t v;
	assert_int_equal(cgmem_parse_memstat_buf("a 1\ninactive_file 7\n", "inactive_file", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(cgmem_parse_memstat_buf("total_inactive_file 7\n", "inactive_file", &v),
			 -ENOENT);
	assert_int_equal(cgmem_parse_memstat_buf("inactive_file x\n", "inactive_file", &v),
			 -EINVAL);
}

/* Write text to path in place (same inode: a kept descriptor sees it). */
static void rewrite(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, text, strlen(text)), 0);
	close(fd);
}

/* Descriptors open in this process. */
static size_t open_fds(void)
{
	size_t n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void test_kept_files(void **state)
{
	char root[] = "/tmp/gestor-cgfds-XXXXXX", dir[4200], path[4300], err[128];
	struct cgfds *fds = cgfds_new();
	struct ctrstats_opts o = { .fds = fds };
	struct snapshot a, b;
	struct ctrstats st;
	size_t fds0 = open_fds();

	(void)state;
	assert_non_null(fds);
	assert_non_null(mkdtemp(root));
	o.cgroup_root = root;
	snprintf(dir, sizeof(dir), "%s/memory", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/memory/docker", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/memory/docker/%s", root, ID_A);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", dir);
	rewrite(path, "10485760\n");
	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	rewrite(path, "hierarchical_memory_limit 67108864\ntotal_inactive_file 1048576\n");

	base(&a, 10 * SEC, 0, 0);
	add(&a, 10, ID_A, 0, 1, 4096);
	assert_int_equal(snapshot_group(&a, false), 0);
	assert_int_equal(ctrstats_compute(NULL, &a, &o, &st, err, sizeof(err)), 0);
	assert_int_equal(st.ctrs[0].mem_kb, 9 * 1024);
	assert_int_equal(st.ctrs[0].mem.limit, 64u << 20);
	ctrstats_free(&st);
	assert_int_equal(cgfds_size(fds), 1);
	assert_int_equal(open_fds(), fds0 + 2); /* v1: usage and stat */

	/* new values are read through the kept descriptors */
	snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", dir);
	rewrite(path, "20971520\n");
	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	rewrite(path, "hierarchical_memory_limit 134217728\ntotal_inactive_file 0\n");
	assert_int_equal(ctrstats_compute(NULL, &a, &o, &st, err, sizeof(err)), 0);
	assert_int_equal(st.ctrs[0].mem_kb, 20 * 1024);
	assert_int_equal(st.ctrs[0].mem.limit, 128u << 20);
	ctrstats_free(&st);
	assert_int_equal(cgfds_size(fds), 1);

	/* the container gone from the snapshot: its files close */
	base(&b, 11 * SEC, 0, 0);
	add(&b, 11, ID_B, 0, 1, 2048);
	assert_int_equal(snapshot_group(&b, false), 0);
	assert_int_equal(ctrstats_compute(&a, &b, &o, &st, err, sizeof(err)), 0);
	ctrstats_free(&st);
	assert_int_equal(cgfds_size(fds), 0);
	/* exactly its own descriptors were closed */
	assert_int_equal(open_fds(), fds0);

	cgfds_free(fds);
	snapshot_free(&a);
	snapshot_free(&b);
	assert_int_equal(util_rm_tree(root), 0);
}

/* A v1 memory cgroup for ID_A in a new directory: 10 MiB used, 1 MiB of it
 * inactive file pages, a 64 MiB limit; its two files' paths; a snapshot of
 * one process in it; a table of kept files reading it. */
struct memcg_fx {
	char root[32], usage[4300], stat[4300];
	struct cgfds *fds;
	struct ctrstats_opts o;
	struct snapshot a;
};

static void memcg_fixture(struct memcg_fx *f)
{
	char dir[4200];

	snprintf(f->root, sizeof(f->root), "/tmp/gestor-cgfds-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	assert_non_null(f->fds = cgfds_new());
	f->o = (struct ctrstats_opts){ .fds = f->fds, .cgroup_root = f->root };
	snprintf(dir, sizeof(dir), "%s/memory", f->root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/memory/docker", f->root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/memory/docker/%s", f->root, ID_A);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(f->usage, sizeof(f->usage), "%s/memory.usage_in_bytes", dir);
	snprintf(f->stat, sizeof(f->stat), "%s/memory.stat", dir);
	rewrite(f->usage, "10485760\n");
	rewrite(f->stat, "hierarchical_memory_limit 67108864\ntotal_inactive_file 1048576\n");
	base(&f->a, 10 * SEC, 0, 0);
	add(&f->a, 10, ID_A, 0, 1, 4096);
	assert_int_equal(snapshot_group(&f->a, false), 0);
}

static void memcg_fixture_free(struct memcg_fx *f)
{
	cgfds_free(f->fds);
	snapshot_free(&f->a);
	assert_int_equal(util_rm_tree(f->root), 0);
}

/* One memory.stat-reuse step: compute, check usage, limit and the count reused. */
static void memstat_step(struct snapshot *a, const struct ctrstats_opts *o, uint64_t mem_kb,
			 uint64_t limit, size_t reused)
{
	struct ctrstats st;
	char err[128];

	assert_int_equal(ctrstats_compute(NULL, a, o, &st, err, sizeof(err)), 0);
	assert_true(st.ctrs[0].has_mem);
	assert_int_equal(st.ctrs[0].mem_kb, mem_kb);
	assert_int_equal(st.ctrs[0].mem.limit, limit);
	assert_int_equal(cgfds_stat_reused(o->fds), reused);
	ctrstats_free(&st);
}

/*
 * cgfds_stat_every: memory.stat is read again when the usage changed, and
 * once its last read is older than the bound; between, an unchanged usage
 * keeps that read's inactive pages and limit. With no bound (the default),
 * every cycle reads it.
 */
static void test_memstat_every(void **state)
{
	struct memcg_fx f = { 0 };

	(void)state;
	memcg_fixture(&f);

	/* no bound: a change of memory.stat alone shows at once */
	memstat_step(&f.a, &f.o, 9 * 1024, 64u << 20, 0);
	rewrite(f.stat, "hierarchical_memory_limit 67108864\ntotal_inactive_file 2097152\n");
	memstat_step(&f.a, &f.o, 8 * 1024, 64u << 20, 0);

	/* a bound of an hour: the same usage keeps the last read's figures */
	cgfds_stat_every(f.fds, 3600 * SEC);
	rewrite(f.stat, "hierarchical_memory_limit 134217728\ntotal_inactive_file 0\n");
	memstat_step(&f.a, &f.o, 8 * 1024, 64u << 20, 1);
	/* the usage changed: memory.stat is read with it */
	rewrite(f.usage, "11534336\n");
	memstat_step(&f.a, &f.o, 11 * 1024, 128u << 20, 0);
	rewrite(f.stat, "hierarchical_memory_limit 134217728\ntotal_inactive_file 1048576\n");
	memstat_step(&f.a, &f.o, 11 * 1024, 128u << 20, 1);
	/* a read older than the bound (1 ns): read again, the usage unchanged */
	cgfds_stat_every(f.fds, 1);
	memstat_step(&f.a, &f.o, 10 * 1024, 128u << 20, 0);

	memcg_fixture_free(&f);
}

/*
 * The memory files read beside the snapshot (cgfds_prefetch, on the
 * facade's second thread): the cycle after takes those figures, with the
 * RAM cap applied as a read then would (a limit above the RAM, and none);
 * a cycle without a prefetch, or after a dropped one, reads the files then;
 * a prefetch honours cgfds_stat_every as a read in the cycle does.
 */
static void test_prefetch(void **state)
{
	struct memcg_fx f = { 0 };

	(void)state;
	memcg_fixture(&f);
	/* the first cycle opens and keeps the files: nothing to prefetch before */
	cgfds_prefetch(f.fds);
	memstat_step(&f.a, &f.o, 9 * 1024, 64u << 20, 0);

	/* read beside the snapshot, changed after: the cycle has the read's,
	 * its limit above the 1 GiB of RAM capped at the RAM */
	rewrite(f.usage, "20971520\n");
	rewrite(f.stat, "hierarchical_memory_limit 4294967296\ntotal_inactive_file 0\n");
	cgfds_prefetch(f.fds);
	rewrite(f.usage, "31457280\n");
	memstat_step(&f.a, &f.o, 20 * 1024, 1u << 30, 0);
	/* the next cycle without one reads the files again */
	memstat_step(&f.a, &f.o, 30 * 1024, 1u << 30, 0);

	/* no limit line: the RAM, as a read in the cycle gives */
	rewrite(f.stat, "total_inactive_file 2097152\n");
	cgfds_prefetch(f.fds);
	memstat_step(&f.a, &f.o, 28 * 1024, 1u << 30, 0);

	/* a prefetch whose cycle did not come (the snapshot failed): dropped */
	cgfds_prefetch(f.fds);
	rewrite(f.usage, "41943040\n");
	cgfds_prefetch_drop(f.fds);
	memstat_step(&f.a, &f.o, 38 * 1024, 1u << 30, 0);

	/* with a bound: a prefetch of an unchanged usage reuses, counted in
	 * the cycle that takes it */
	cgfds_stat_every(f.fds, 3600 * SEC);
	rewrite(f.stat, "total_inactive_file 0\n");
	cgfds_prefetch(f.fds);
	memstat_step(&f.a, &f.o, 38 * 1024, 1u << 30, 1);

	memcg_fixture_free(&f);
}

/*
 * A usage the source gave with the processes (BPF records) for the kept
 * directory (the same inode) is taken instead of the usage file; one for
 * another inode is not; a container given one needs no prefetch next
 * cycle, and a given usage wins over a prefetched one.
 */
static void test_usage_given(void **state)
{
	struct memcg_fx f = { 0 };
	struct snap_ctr *c;
	struct stat st;
	char dir[4300];

	(void)state;
	memcg_fixture(&f);
	c = &f.a.ctrs[0];
	snprintf(dir, sizeof(dir), "%s/memory/docker/%s", f.root, ID_A);
	assert_int_equal(stat(dir, &st), 0);
	c->memcg_ino = st.st_ino;
	c->memcg_bytes = 20u << 20;
	/* the first cycle finds the directory by path: the usage file's 10 MiB */
	memstat_step(&f.a, &f.o, 9 * 1024, 64u << 20, 0);
	assert_int_equal(cgfds_usage_given(f.fds), 0);
	assert_int_equal(cgfds_prefetch_size(f.fds), 1);
	/* kept: the 20 MiB given (less the 1 MiB inactive), not the file's */
	memstat_step(&f.a, &f.o, 19 * 1024, 64u << 20, 0);
	assert_int_equal(cgfds_usage_given(f.fds), 1);
	assert_int_equal(cgfds_prefetch_size(f.fds), 0);
	/* given for another directory: the file again, and prefetched next */
	c->memcg_ino = st.st_ino + 1;
	memstat_step(&f.a, &f.o, 9 * 1024, 64u << 20, 0);
	assert_int_equal(cgfds_usage_given(f.fds), 0);
	assert_int_equal(cgfds_prefetch_size(f.fds), 1);
	/* prefetched (the file's), then given: the given one */
	c->memcg_ino = st.st_ino;
	c->memcg_bytes = 30u << 20;
	cgfds_prefetch(f.fds);
	memstat_step(&f.a, &f.o, 29 * 1024, 64u << 20, 0);
	assert_int_equal(cgfds_usage_given(f.fds), 1);
	/* none given (0): the file */
	c->memcg_ino = 0;
	memstat_step(&f.a, &f.o, 9 * 1024, 64u << 20, 0);
	assert_int_equal(cgfds_usage_given(f.fds), 0);
	memcg_fixture_free(&f);
}

static void test_container_memory_in_stats(void **state)
{
	struct snapshot a, b;
	struct ctrstats st;
	struct ctrstats_opts o = { .cgroup_root = fixtures };
	char err[128], root[4200];
	const struct ctr_stat *c;

	(void)state;
	snprintf(root, sizeof(root), "%s/cgroup-v1", fixtures);
	o.cgroup_root = root;
	base(&a, 10 * SEC, 0, 0);
	add(&a, 10, ID_A, 0, 1, 4096);
	assert_int_equal(snapshot_group(&a, false), 0);
	base(&b, 11 * SEC, 0, 0);
	add(&b, 10, ID_A, SEC / 2, 1, 4096);
	add(&b, 11, ID_B, 0, 1, 2048); /* no cgroup files: falls back to RSS */
	assert_int_equal(snapshot_group(&b, false), 0);
	assert_int_equal(ctrstats_compute(&a, &b, &o, &st, err, sizeof(err)), 0);
	c = ctrstats_find(&st, ID_A);
	assert_true(c->has_mem);
	assert_int_equal(c->mem_kb, 90 * 1024);
	assert_true(fabs(c->mem_pct - 100.0 * 90 / 1024) < 1e-9); /* 90 MiB of 1 GiB RAM */
	assert_true(fabs(c->cpu_pct - 50.0) < 1e-9);
	c = ctrstats_find(&st, ID_B);
	assert_false(c->has_mem);
	assert_int_equal(c->mem_kb, 2048);
	assert_true(fabs(c->mem_pct - 100.0 * 2048 / (1024 * 1024)) < 1e-9);
	ctrstats_free(&st);
	snapshot_free(&a);
	snapshot_free(&b);
}

int main(void)
{
	const char *top = getenv("GESTOR_TOP");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_sample_times),
		cmocka_unit_test(test_sys_cpu),
		cmocka_unit_test(test_cgroup_memory),
		cmocka_unit_test(test_container_memory_in_stats),
		cmocka_unit_test(test_kept_files),
		cmocka_unit_test(test_memstat_every),
		cmocka_unit_test(test_prefetch),
		cmocka_unit_test(test_usage_given),
	};

	snprintf(fixtures, sizeof(fixtures), "%s/servicio/tests/fixtures", top ? top : ".");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
