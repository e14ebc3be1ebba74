/*
 * ctrio_bench.c — the CPU a cycle of ctrio (servicio/ctrio.c, the
 * cAdvisor series of /metrics) costs at C containers, its two ways: every
 * file opened by path each cycle (ctrio_read, as before issue 33's
 * follow-up) and the files kept open and read again (ctrio_read_kept);
 * then servicio's cycle as it is now (ctrio_read_every, the counters read
 * every --counters-interval 10 s at a 1 s interval, clock simulated: one
 * cycle in ten reads, the others give the kept figures), mean per cycle.
 * No Docker: C sleeping children, each in a network namespace of its own
 * (unshare(CLONE_NEWNET): a /proc/<pid>/net/dev with lo only) and in a
 * cgroup of its own named as Docker's cgroupfs driver does
 * (/<base>/<64 hex>) in every v1 hierarchy ctrio reads, or under the v2
 * root; all removed at the end. R cycles each way, alternated; the
 * process's CPU time (CLOCK_PROCESS_CPUTIME_ID) per cycle, median and
 * best, and what it is in % of one core at a 1 s interval.
 * Usage: ctrio_bench C [R]   (root; bench/ctrio.sh fixture)
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../servicio/ctrio.h"
#include "../servicio/cycle.h"

#define CB_MAX 2000

static const char *const cb_v1[] = { "cpuacct", "cpu", "blkio", "memory", "pids" };
static char cb_base[64];
static int cb_v2; /* 1: no v1 cpuacct hierarchy, the cgroups under the v2 root */

static int cb_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t cb_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Write pid into <root>/<base>/<name>/cgroup.procs (made first); 0 or -errno. */
static int cb_place(const char *root, const char *name, pid_t pid)
{
	char path[1280];
	int fd, n;

	snprintf(path, sizeof(path), "%.127s/%.63s/%.64s", root, cb_base, name);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	strncat(path, "/cgroup.procs", sizeof(path) - strlen(path) - 1);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = dprintf(fd, "%d\n", pid);
	close(fd);
	return n > 0 ? 0 : -EIO;
}

static void cb_roots(char roots[][128], size_t *n)
{
	*n = 0;
	if (!cb_v2) {
		for (size_t i = 0; i < sizeof(cb_v1) / sizeof(cb_v1[0]); i++)
			snprintf(roots[(*n)++], 128, "/sys/fs/cgroup/%s", cb_v1[i]);
	} else {
		snprintf(roots[(*n)++], 128, "/sys/fs/cgroup");
	}
}

int main(int argc, char **argv)
{
	static pid_t kids[CB_MAX];
	static char name[CB_MAX][65];
	char roots[8][128], path[1280];
	size_t nroots, c, r;
	uint64_t *t[2];
	struct stat st;
	int ret = 1;

	if (argc < 2 || (c = strtoul(argv[1], NULL, 10)) == 0 || c > CB_MAX) {
		fprintf(stderr, "usage: ctrio_bench C (1..%d) [R]\n", CB_MAX);
		return 2;
	}
	r = argc > 2 ? strtoul(argv[2], NULL, 10) : 20;
	if (r == 0 || r > 1000)
		r = 20;
	cb_v2 = stat("/sys/fs/cgroup/cpuacct", &st) != 0;
	snprintf(cb_base, sizeof(cb_base), "gestor-ctriobench-%d", (int)getpid());
	cb_roots(roots, &nroots);
	for (size_t i = 0; i < nroots; i++) {
		snprintf(path, sizeof(path), "%s/%s", roots[i], cb_base);
		if (mkdir(path, 0755) < 0) {
			fprintf(stderr, "ctrio_bench: mkdir %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	t[0] = calloc(r, sizeof(uint64_t));
	t[1] = calloc(r, sizeof(uint64_t));
	for (size_t i = 0; i < c; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("ctrio_bench: fork");
			c = i;
			goto out;
		}
		if (pid == 0) {
			if (unshare(CLONE_NEWNET) < 0)
				_exit(1);
			for (;;)
				pause();
		}
		kids[i] = pid;
		snprintf(name[i], sizeof(name[i]), "%016x%048x", (unsigned)i, 0u);
		for (size_t k = 0; k < nroots; k++)
			if (cb_place(roots[k], name[i], pid) != 0) {
				fprintf(stderr, "ctrio_bench: placing %d in %s: %s\n", (int)pid,
					roots[k], strerror(errno));
				c = i + 1;
				goto out;
			}
	}
	usleep(200000); /* the children's unshare done */
	{
		struct ctrio_keep *keep = ctrio_keep_new();
		struct ctrio o;
		size_t got[2] = { 0, 0 };

		if (!keep)
			goto out;
		for (size_t k = 0; k < r; k++) {
			for (int way = 0; way < 2; way++) {
				uint64_t t0 = cb_cpu_ns();

				if (way)
					ctrio_keep_begin(keep);
				got[way] = 0;
				for (size_t i = 0; i < c; i++) {
					char cg[160];

					snprintf(cg, sizeof(cg), "/%.63s/%.64s", cb_base, name[i]);
					if ((way ? ctrio_read_kept(keep, NULL, name[i], cg, kids[i],
								   &o)
						 : ctrio_read(NULL, cg, kids[i], &o)) == 0 &&
					    o.has_cpu && o.has_pids && o.has_net)
						got[way]++;
				}
				if (way)
					ctrio_keep_end(keep);
				t[way][k] = cb_cpu_ns() - t0;
			}
		}
		printf("| way | containers read (of %zu) | cycles | median ms CPU a cycle | best "
		       "ms | %% of "
		       "a core at a 1 s interval (median) |\n| --- | --- | --- | --- | --- | --- "
		       "|\n",
		       c);
		for (int way = 0; way < 2; way++) {
			qsort(t[way], r, sizeof(uint64_t), cb_cmp);
			printf("| %s | %zu | %zu | %.2f | %.2f | %.2f |\n",
			       way ? "kept open, pread (ctrio_read_kept)" : "by path (ctrio_read)",
			       got[way], r, (double)t[way][r / 2] / 1e6, (double)t[way][0] / 1e6,
			       (double)t[way][r / 2] / 1e7);
		}
		{ /* servicio's cycle: ctrio_read_every() at a 10 s cadence, 1 s cycles */
			static struct docker_container dcs[CB_MAX];
			static struct ctr_stat sts[CB_MAX];
			static struct cycle_row rows[CB_MAX];
			static struct snap_ctr ctrs[CB_MAX];
			static struct snap_proc procs[CB_MAX];
			static char cgs[CB_MAX][160];
			struct ctrio_keep *ek = ctrio_keep_new();
			struct cycle cy = { .rows = rows, .nrows = c };
			uint64_t sum[2] = { 0, 0 }, n[2] = { 0, 0 }; /* [1]: cycles that read all */
			const uint64_t S = 1000000000ull;

			for (size_t i = 0; i < c; i++) { /* names ascend with i: ctrs sorted */
				snprintf(dcs[i].id, sizeof(dcs[i].id), "%s", name[i]);
				snprintf(cgs[i], sizeof(cgs[i]), "/%.63s/%.64s", cb_base, name[i]);
				snprintf(ctrs[i].id, sizeof(ctrs[i].id), "%s", name[i]);
				ctrs[i].cgroup = cgs[i];
				procs[i] = (struct snap_proc){ .pid = kids[i], .ctr = (int32_t)i };
				rows[i] = (struct cycle_row){ .dc = &dcs[i], .st = &sts[i] };
			}
			cy.cur.ctrs = ctrs;
			cy.cur.nctrs = c;
			cy.cur.procs = procs;
			cy.cur.nprocs = c;
			for (size_t k = 0; ek && k < r; k++) {
				uint64_t t0 = cb_cpu_ns();
				bool all;
				struct ctrio *io = ctrio_read_every(ek, NULL, &cy, (k + 1) * S,
								    10 * S, S, &all);

				if (k > 0) { /* the first opens every file: not a steady cycle */
					sum[all] += cb_cpu_ns() - t0;
					n[all]++;
				}
				free(io);
			}
			if (ek && n[0] && n[1]) {
				double rd = (double)sum[1] / (double)n[1] / 1e6,
				       kp = (double)sum[0] / (double)n[0] / 1e6;

				printf("| servicio's cycle now, ctrio_read_every() every 10 s at "
				       "a 1 s interval: %" PRIu64 " cycles reading all %.2f ms, "
				       "%" PRIu64 " between %.2f ms (means) ",
				       n[1], rd, n[0], kp);
				printf("| %zu | %zu | %.2f (steady: one in ten reads) | | %.2f |\n",
				       c, r, (rd + 9 * kp) / 10, (rd + 9 * kp) / 100);
			}
			ctrio_keep_free(ek);
		}
		printf("\n(%s cgroups, kept: %zu containers' files)\n",
		       cb_v2 ? "v2" : "v1 (cpuacct, cpu, blkio, memory, pids)",
		       ctrio_keep_size(keep));
		ctrio_keep_free(keep);
		ret = got[0] == c && got[1] == c ? 0 : 1;
	}
out:
	for (size_t i = 0; i < c; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	for (size_t i = 0; i < c; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
	for (size_t k = 0; k < nroots; k++) {
		for (size_t i = 0; i < c; i++) {
			snprintf(path, sizeof(path), "%.127s/%.63s/%.64s", roots[k], cb_base,
				 name[i]);
			for (int tries = 0; rmdir(path) < 0 && errno == EBUSY && tries < 50;
			     tries++)
				usleep(20000); /* a cgroup whose last process just died stays busy a moment */
		}
		snprintf(path, sizeof(path), "%.127s/%.63s", roots[k], cb_base);
		rmdir(path);
	}
	free(t[0]);
	free(t[1]);
	return ret;
}
