/*
 * collector.c — the metrics layer's own static program for the VM suite
 * (tests/metrics/vm.sh): reads the kernel module's file and /proc back to
 * back, twice, a second apart, and checks that both sources give the same
 * answer on the same processes:
 *   identity  name, ppid, uid, cmdline, container id, cgroup path: equal
 *   threads, vsz_kb                                  equal (stable processes)
 *   rss_kb         within 64 kB or 1 %
 *   cpu_time_ns    within one procfs tick (10 ms) plus the time between reads
 *   start_time_ns  within one procfs tick
 *   containers     same ids, process counts and RSS sums (same tolerance)
 *   rates          CPU % of the burner process and of each container over
 *                  3 s, within 5 points plus the timing uncertainty of the
 *                  reads (the module's record times are estimated within
 *                  the read: 100 x the longer module read / the interval)
 * It saves the raw module documents and the procfs snapshots in the module's
 * format under OUTDIR (captured fixtures for the unit tests).
 *
 * usage: collector MODULE_FILE OUTDIR BURNER_PID
 * Prints "ok"/"not ok" lines and a summary; exits 0 when all agree.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../ctrstats.h"
#include "../modsrc.h"
#include "../procfs.h"
#include "../snapshot.h"
#include "util.h"

#define TICK_NS 10000000ull /* USER_HZ = 100 */

static int checks, fails;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (!ok)
		fails++;
	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void save(const char *dir, const char *name, const char *buf, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || util_write_all(fd, buf, len) < 0)
		fprintf(stderr, "collector: cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
}

/* One module read and one procfs walk, timed; the raw document kept (a second read). */
static void take_pair(const char *modpath, struct snapshot *m, struct snapshot *p, char **raw,
		      size_t *rawlen, uint64_t *gap_ns, uint64_t *mread_ns)
{
	char err[512];
	uint64_t t0, t1, t2;

	t0 = util_boot_ns();
	if (modsrc_read(modpath, m, err, sizeof(err)) < 0) {
		fprintf(stderr, "collector: module source: %s\n", err);
		exit(2);
	}
	t1 = util_boot_ns();
	if (procfs_snapshot(NULL, p, err, sizeof(err)) < 0) {
		fprintf(stderr, "collector: procfs: %s\n", err);
		exit(2);
	}
	t2 = util_boot_ns();
	*gap_ns = t2 - t0;
	*mread_ns = t1 - t0;
	printf("# module read %.1f ms, procfs walk %.1f ms\n", (double)(t1 - t0) / 1e6,
	       (double)(t2 - t1) / 1e6);
	if (util_slurp(modpath, MODSRC_MAX_DOC, raw, rawlen) < 0) {
		fprintf(stderr, "collector: cannot read %s\n", modpath);
		exit(2);
	}
}

static bool near_u64(uint64_t a, uint64_t b, uint64_t tol)
{
	return (a > b ? a - b : b - a) <= tol;
}

static bool rss_near(uint64_t a, uint64_t b)
{
	uint64_t tol = a / 100 > 64 ? a / 100 : 64;
	return near_u64(a, b, tol);
}

static void compare_pair(const struct snapshot *m, const struct snapshot *p, uint64_t gap, int self)
{
	size_t both = 0, only_m = 0, only_p = 0, bad = 0;

	check(m->mem.total_kb == p->mem.total_kb, "memory.total_kb equal (%llu, %llu)",
	      (unsigned long long)m->mem.total_kb, (unsigned long long)p->mem.total_kb);
	check(m->cpus == p->cpus, "cpus equal (%u, %u)", m->cpus, p->cpus);
	check(near_u64(m->cpu.user_ns + m->cpu.system_ns + m->cpu.idle_ns,
		       p->cpu.user_ns + p->cpu.system_ns + p->cpu.idle_ns,
		       (gap + 4 * TICK_NS) * m->cpus),
	      "system CPU times agree within the read gap");
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct snap_proc *a = &m->procs[i], *b = snapshot_find_proc(p, a->pid);
		char why[1200] = "";

		if (!b) {
			only_m++;
			continue;
		}
		both++;
		if (a->pid == self)
			continue; /* it is busy reading: threads and memory move */
		if (strcmp(a->name, b->name) != 0)
			snprintf(why, sizeof(why), "name '%s' vs '%s'", a->name, b->name);
		else if (a->ppid != b->ppid)
			snprintf(why, sizeof(why), "ppid %d vs %d", a->ppid, b->ppid);
		else if (a->uid != b->uid)
			snprintf(why, sizeof(why), "uid %u vs %u", a->uid, b->uid);
		else if (strcmp(a->cmdline, b->cmdline) != 0)
			snprintf(why, sizeof(why), "cmdline '%s' vs '%s'", a->cmdline, b->cmdline);
		else if (strcmp(a->container_id, b->container_id) != 0)
			snprintf(why, sizeof(why), "container '%s' vs '%s'", a->container_id,
				 b->container_id);
		else if (strcmp(a->cgroup, b->cgroup) != 0)
			snprintf(why, sizeof(why), "cgroup '%s' vs '%s'", a->cgroup, b->cgroup);
		else if (a->threads != b->threads)
			snprintf(why, sizeof(why), "threads %u vs %u", a->threads, b->threads);
		else if (a->vsz_kb != b->vsz_kb)
			snprintf(why, sizeof(why), "vsz %llu vs %llu kB",
				 (unsigned long long)a->vsz_kb, (unsigned long long)b->vsz_kb);
		else if (!rss_near(a->rss_kb, b->rss_kb))
			snprintf(why, sizeof(why), "rss %llu vs %llu kB",
				 (unsigned long long)a->rss_kb, (unsigned long long)b->rss_kb);
		else if (!near_u64(a->cpu_time_ns, b->cpu_time_ns, gap + TICK_NS))
			snprintf(why, sizeof(why), "cpu_time %llu vs %llu ns (gap %llu)",
				 (unsigned long long)a->cpu_time_ns,
				 (unsigned long long)b->cpu_time_ns, (unsigned long long)gap);
		else if (!near_u64(a->start_time_ns, b->start_time_ns, TICK_NS))
			snprintf(why, sizeof(why), "start_time %llu vs %llu ns",
				 (unsigned long long)a->start_time_ns,
				 (unsigned long long)b->start_time_ns);
		if (why[0]) {
			bad++;
			check(false, "pid %d (%s): %s", a->pid, a->name, why);
		}
	}
	for (size_t i = 0; i < p->nprocs; i++)
		if (!snapshot_find_proc(m, p->procs[i].pid))
			only_p++;
	check(both > 10,
	      "%zu processes in both sources (%zu only in the module's, %zu only in "
	      "procfs: born or gone between the reads)",
	      both, only_m, only_p);
	check(only_m + only_p <= 3, "at most 3 processes differ between the reads");
	check(bad == 0, "every common process agrees field by field (%zu disagree)", bad);

	check(m->nctrs == p->nctrs, "same number of containers (%zu, %zu)", m->nctrs, p->nctrs);
	for (size_t i = 0; i < m->nctrs; i++) {
		const struct snap_ctr *a = &m->ctrs[i], *b = snapshot_find_ctr(p, a->id);
		check(b != NULL, "container %.12s in both", a->id);
		if (!b)
			continue;
		check(a->nprocs == b->nprocs && rss_near(a->rss_kb, b->rss_kb) &&
			      !strcmp(a->cgroup, b->cgroup),
		      "container %.12s: %u/%u processes, rss %llu/%llu kB, cgroup %s", a->id,
		      a->nprocs, b->nprocs, (unsigned long long)a->rss_kb,
		      (unsigned long long)b->rss_kb, a->cgroup);
	}
}

int main(int argc, char **argv)
{
	struct snapshot m1, p1, m2, p2;
	struct ctrstats sm = { 0 }, sp = { 0 };
	struct ctrstats_opts o = { .cgroup_root = "" };
	char *raw1, *raw2, *txt, err[256];
	size_t l1, l2, tl;
	uint64_t gap1, gap2, mr1, mr2;
	double tol;
	int burner;

	if (argc != 4) {
		fprintf(stderr, "usage: collector MODULE_FILE OUTDIR BURNER_PID\n");
		return 2;
	}
	{
		const char *end;
		int64_t v;

		/* the whole argument, not a number's prefix: "12ab" is no pid */
		if (util_parse_i64(argv[3], &end, 1, INT32_MAX, &v) < 0 || *end != '\0') {
			fprintf(stderr, "collector: BURNER_PID '%s' is not a pid\n", argv[3]);
			return 2;
		}
		burner = (int)v;
	}
	take_pair(argv[1], &m1, &p1, &raw1, &l1, &gap1, &mr1);
	sleep(3);
	take_pair(argv[1], &m2, &p2, &raw2, &l2, &gap2, &mr2);
	printf("# module: %zu processes, %zu containers; procfs: %zu processes; read gaps %.1f, "
	       "%.1f ms\n",
	       m1.nprocs, m1.nctrs, p1.nprocs, (double)gap1 / 1e6, (double)gap2 / 1e6);

	save(argv[2], "module-1.json", raw1, l1);
	save(argv[2], "module-2.json", raw2, l2);
	txt = modsrc_format(&p1, &tl);
	if (txt)
		save(argv[2], "procfs-1.json", txt, tl);
	free(txt);

	compare_pair(&m1, &p1, gap1, getpid());
	compare_pair(&m2, &p2, gap2, getpid());

	if (ctrstats_compute(&m1, &m2, &o, &sm, err, sizeof(err)) < 0 ||
	    ctrstats_compute(&p1, &p2, &o, &sp, err, sizeof(err)) < 0) {
		fprintf(stderr, "collector: %s\n", err);
		return 2;
	}
	tol = 5.0 +
	      100.0 * (double)(mr1 > mr2 ? mr1 : mr2) / (double)(m2.boottime_ns - m1.boottime_ns);
	printf("# rate tolerance: %.1f points\n", tol);
	{
		const struct snap_proc *a = snapshot_find_proc(&m2, burner),
				       *b = snapshot_find_proc(&p2, burner);
		double ra = a ? sm.proc_cpu_pct[a - m2.procs] : NAN,
		       rb = b ? sp.proc_cpu_pct[b - p2.procs] : NAN;
		check(a && b && !isnan(ra) && !isnan(rb) && fabs(ra - rb) <= tol,
		      "burner %d CPU %%: module %.1f, procfs %.1f (within %.1f points)", burner, ra,
		      rb, tol);
		check(!isnan(ra) && ra > 50.0, "the burner burns (module says %.1f %%)", ra);
	}
	check(sm.has_sys_cpu && sp.has_sys_cpu && fabs(sm.sys_cpu_pct - sp.sys_cpu_pct) <= 5.0,
	      "system CPU %%: module %.1f, procfs %.1f", sm.sys_cpu_pct, sp.sys_cpu_pct);
	for (size_t i = 0; i < sm.nctrs; i++) {
		const struct ctr_stat *a = &sm.ctrs[i], *b = ctrstats_find(&sp, a->ctr->id);
		check(b && a->has_cpu == b->has_cpu && fabs(a->cpu_pct - b->cpu_pct) <= tol,
		      "container %.12s CPU %%: module %.1f, procfs %.1f", a->ctr->id, a->cpu_pct,
		      b ? b->cpu_pct : NAN);
	}
	printf("# %d checks, %d failed\n", checks, fails);
	ctrstats_free(&sm);
	ctrstats_free(&sp);
	snapshot_free(&m1);
	snapshot_free(&m2);
	snapshot_free(&p1);
	snapshot_free(&p2);
	free(raw1);
	free(raw2);
	return fails ? 1 : 0;
}
