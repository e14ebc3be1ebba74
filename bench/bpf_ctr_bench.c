/*
 * bpf_ctr_bench.c — servicio's containers-only BPF read at C "containers"
 * among N processes (bench/bpf.sh containers): the two paths of servicio's
 * cycle, the task iterator (kernels < 6.7, or bpf-no-cgwalk: every task
 * visited) and the cgroup walk (>= 6.7: only containers' cgroups visited).
 *
 * Run in a fresh pid namespace (bench/bpf.sh: unshare --pid --fork
 * --mount-proc), as its init: it forks sleeping children until the namespace
 * holds N processes, makes C cgroup v2 directories named as Docker's systemd
 * driver names them (<v2 root>/gestor-bpfctr-<host pid>/docker-<64 hex>.scope)
 * and moves one child into each, so both paths list C containers of one
 * process. The task iterator then visits N tasks; the walk visits the
 * machine's containers' cgroups (these C and any real ones). Each path is
 * read R times; printed: wall time per read (median, best) and CPU time per
 * read (getrusage of this process over the R reads: the BPF programs run in
 * its read() calls). At the end every child is killed and the directories
 * removed.
 *
 * usage: bpf_ctr_bench C N [RUNS]
 *
 * bpf_ctr_bench host [RUNS [PAUSE_MS]] instead reads this machine's tasks as
 * they are, in the caller's pid namespace (nothing forked or moved): the
 * task iterator's path RUNS times with PAUSE_MS (1000: servicio's 1 s
 * cycle, whose read finds the caches cold) between reads, each followed,
 * PAUSE_MS later, by a read of a task iterator whose program does nothing
 * (two instructions, loaded here): the kernel's own visit of the same tasks,
 * the floor no program on that path goes below.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "../servicio/bpfsrc.h"
#include "../servicio/snapshot.h"
#include "util.h"

#define BCB_CG2_MAGIC 0x63677270 /* CGROUP2_SUPER_MAGIC */
#define BCB_MAX_CTRS 5000
#define BCB_MAX_PROCS 100000

static char bcb_dir[256];

/* The cgroup v2 root: /sys/fs/cgroup alone, or /sys/fs/cgroup/unified beside v1. */
static const char *bcb_v2_root(void)
{
	static const char *const at[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs fs;

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		if (statfs(at[i], &fs) == 0 && fs.f_type == BCB_CG2_MAGIC)
			return at[i];
	return NULL;
}

static double bcb_cpu_ms(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e3 +
	       (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e3;
}

static int bcb_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Move pid into a new container-like directory number i; 0 or -errno. */
static int bcb_place(size_t i, pid_t pid)
{
	char path[512], num[16];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "%s/docker-%064zx.scope", bcb_dir, 0xbc0000 + i);
	if (mkdir(path, 0755) < 0)
		return -errno;
	strncat(path, "/cgroup.procs", sizeof(path) - strlen(path) - 1);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(num, sizeof(num), "%d", (int)pid);
	if (write(fd, num, (size_t)len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Every child killed and reaped (this is the namespace's init), the directories removed. */
static void bcb_cleanup(size_t nctr)
{
	char path[512];

	kill(-1, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	if (!bcb_dir[0])
		return;
	for (size_t i = 0; i < nctr; i++) {
		snprintf(path, sizeof(path), "%s/docker-%064zx.scope", bcb_dir, 0xbc0000 + i);
		/* a cgroup whose last process just died can stay busy a moment */
		for (int k = 0; k < 50 && rmdir(path) < 0 && errno == EBUSY; k++)
			usleep(20000);
	}
	for (int k = 0; k < 50 && rmdir(bcb_dir) < 0 && errno == EBUSY; k++)
		usleep(20000);
}

/* One read of a path (servicio's containers-only read by the task iterator,
 * or the cgroup walk): its wall time into *ns, the containers listed into
 * *got, its CPU time added to *cpu_ms. 0 or -errno (said on stderr). */
static int bcb_read(struct bpfsrc *b, bool walk, uint64_t *ns, size_t *got, double *cpu_ms)
{
	struct snapshot s;
	char err[512];
	double c0 = bcb_cpu_ms();
	uint64_t t0 = util_boot_ns();
	int ret = walk ? bpfsrc_read_containers(b, &s, err, sizeof(err))
		       : bpfsrc_read(b, true, &s, err, sizeof(err));

	if (ret < 0) {
		fprintf(stderr, "bpf_ctr_bench: %s\n", err);
		return ret;
	}
	*ns = util_boot_ns() - t0;
	*got = s.nctrs;
	snapshot_free(&s);
	*cpu_ms += bcb_cpu_ms() - c0;
	return 0;
}

/* One row of the table: the times sorted, wall median and best, CPU per read. */
static void bcb_row(const char *what, uint64_t *t, long runs, size_t nctr, size_t listed,
		    size_t nproc, double cpu_ms)
{
	qsort(t, (size_t)runs, sizeof(*t), bcb_cmp);
	printf("| %-14s | %10zu | %6zu | %10zu | %9.2f | %7.2f | %12.2f |\n", what, nctr, listed,
	       nproc, (double)t[runs / 2] / 1e6, (double)t[0] / 1e6, cpu_ms / (double)runs);
}

/* R reads of one path, pause_ms apart: wall median and best, CPU per read. */
static int bcb_path(struct bpfsrc *b, bool walk, long runs, uint64_t *t, size_t nctr, size_t nproc,
		    long pause_ms)
{
	size_t got = 0;
	double cpu = 0;

	for (long i = 0; i < runs; i++) {
		if (pause_ms > 0)
			usleep((useconds_t)pause_ms * 1000);
		int ret = bcb_read(b, walk, &t[i], &got, &cpu);

		if (ret < 0)
			return ret;
	}
	bcb_row(walk ? "cgroup walk" : "task iterator", t, runs, nctr ? nctr : got, got, nproc,
		cpu);
	return 0;
}

/* The table's head. */
static void bcb_head(void)
{
	printf("| path | containers | listed | processes in the namespace | wall median ms | best "
	       "ms "
	       "| CPU ms / read |\n");
	printf("|---|---|---|---|---|---|---|\n");
}

/* Tasks (threads) and processes of the caller's /proc. */
static void bcb_count(size_t *tasks, size_t *procs)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300];

	*tasks = *procs = 0;
	while (d && (e = readdir(d))) {
		DIR *t;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		(*procs)++;
		snprintf(path, sizeof(path), "/proc/%s/task", e->d_name);
		t = opendir(path);
		while (t && readdir(t))
			(*tasks)++;
		if (t) {
			*tasks -= 2; /* . and .. */
			closedir(t);
		}
	}
	if (d)
		closedir(d);
}

/* A task iterator whose program returns at once (r0 = 0; exit): its link's
 * descriptor, or -errno (libbpf >= 1.0 returns those). */
static int bcb_noop_link(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpf_prog_load_opts o = { .sz = sizeof(o), .expected_attach_type = BPF_TRACE_ITER };
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id =
		vmlinux ? btf__find_by_name_kind(vmlinux, "bpf_iter_task", BTF_KIND_FUNC) : -ENOENT;
	int prog, link;

	btf__free(vmlinux);
	if (id < 0)
		return id;
	o.attach_btf_id = (__u32)id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "bcb_noop", "GPL", insns, 2, &o);
	if (prog < 0)
		return prog;
	link = bpf_link_create(prog, 0, BPF_TRACE_ITER, NULL); /* libbpf 1: -errno */
	close(prog);
	return link;
}

/* One whole read of the no-op iterator; 0 or -errno. */
static int bcb_noop_read(int link)
{
	static char buf[65536];
	int fd = bpf_iter_create(link), ret;
	ssize_t n;

	if (fd < 0)
		return fd;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	ret = n < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* bpf_ctr_bench host: this machine's tasks as they are, servicio's read and
 * the no-op iterator's taking turns (the host's phase the same for both). */
static int bcb_host(long runs, long pause_ms)
{
	uint64_t *t = calloc((size_t)runs * 2, sizeof(*t)), *tn;
	double cpu[2] = { 0, 0 }, c0;
	struct bpfsrc *b = NULL;
	size_t tasks, procs, got = 0;
	char err[512];
	int ret = 1, link = -1;

	if (!t)
		return 1;
	tn = t + runs; /* the no-op iterator's times */
	if (bpfsrc_open(&b, err, sizeof(err)) < 0) {
		fprintf(stderr, "bpf_ctr_bench: %s\n", err);
		goto out;
	}
	link = bcb_noop_link();
	if (link < 0) {
		fprintf(stderr, "bpf_ctr_bench: the no-op task iterator: %s\n", strerror(-link));
		goto out;
	}
	bcb_count(&tasks, &procs);
	printf("# %zu tasks (threads), %zu processes; %ld reads per row, %ld ms apart, the rows "
	       "taking turns\n\n",
	       tasks, procs, runs, pause_ms);
	bcb_head();
	for (long i = 0; i < runs; i++) {
		uint64_t t0;

		usleep((useconds_t)pause_ms * 1000);
		if (bcb_read(b, false, &t[i], &got, &cpu[0]) < 0)
			goto out;
		usleep((useconds_t)pause_ms * 1000);
		c0 = bcb_cpu_ms();
		t0 = util_boot_ns();
		int e = bcb_noop_read(link);

		if (e < 0) {
			fprintf(stderr, "bpf_ctr_bench: the no-op task iterator: %s\n",
				strerror(-e));
			goto out;
		}
		tn[i] = util_boot_ns() - t0;
		cpu[1] += bcb_cpu_ms() - c0;
	}
	bcb_row("task iterator", t, runs, got, got, procs, cpu[0]);
	bcb_row("no-op iterator", tn, runs, 0, 0, procs, cpu[1]);
	ret = 0;
out:
	if (link >= 0)
		close(link);
	bpfsrc_close(b);
	free(t);
	return ret;
}

int main(int argc, char **argv)
{
	size_t nctr = argc > 1 ? strtoul(argv[1], NULL, 10) : 500;
	size_t nproc = argc > 2 ? strtoul(argv[2], NULL, 10) : 10500;
	long runs = argc > 3 ? strtol(argv[3], NULL, 10) : 40;
	const char *root = bcb_v2_root();
	struct bpfsrc *b = NULL;
	struct snapshot s;
	uint64_t *t = NULL;
	char err[512];
	int ret = 1;

	if (argc > 1 && strcmp(argv[1], "host") == 0) {
		runs = argc > 2 ? strtol(argv[2], NULL, 10) : 20;
		long pause_ms = argc > 3 ? strtol(argv[3], NULL, 10) : 1000;

		if (runs < 1 || runs > 1000 || pause_ms < 0 || pause_ms > 60000) {
			fprintf(stderr, "usage: bpf_ctr_bench host [RUNS [PAUSE_MS]]\n");
			return 2;
		}
		return bcb_host(runs, pause_ms);
	}
	if (getpid() != 1 || nctr < 1 || nctr > BCB_MAX_CTRS || nproc < nctr + 1 ||
	    nproc > BCB_MAX_PROCS || runs < 1 || runs > 1000) {
		fprintf(stderr,
			"usage: unshare --pid --fork --mount-proc bpf_ctr_bench C N [RUNS]\n"
			"  (C <= %d containers, C < N <= %d processes)\n",
			BCB_MAX_CTRS, BCB_MAX_PROCS);
		return 2;
	}
	if (!root) {
		fprintf(stderr, "bpf_ctr_bench: no cgroup v2 hierarchy mounted\n");
		return 1;
	}
	t = calloc((size_t)runs, sizeof(*t));
	if (!t)
		return 1;
	/* the host's pid of this namespace's init: /proc is this namespace's */
	snprintf(bcb_dir, sizeof(bcb_dir), "%s/gestor-bpfctr-%d", root, (int)getppid());
	if (mkdir(bcb_dir, 0755) < 0) {
		fprintf(stderr, "bpf_ctr_bench: mkdir %s: %s\n", bcb_dir, strerror(errno));
		bcb_dir[0] = 0;
		goto out;
	}
	for (size_t i = 1; i < nproc; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("bpf_ctr_bench: fork");
			goto out;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
		int placed = i <= nctr ? bcb_place(i - 1, pid) : 0;

		if (placed < 0) {
			fprintf(stderr, "bpf_ctr_bench: moving %d into a container cgroup: %s\n",
				(int)pid, strerror(-placed));
			goto out;
		}
	}
	if (bpfsrc_open(&b, err, sizeof(err)) < 0) {
		fprintf(stderr, "bpf_ctr_bench: %s\n", err);
		goto out;
	}
	bcb_head();
	if (bcb_path(b, false, runs, t, nctr, nproc, 0) < 0)
		goto out;
	/* the walk's first read loads it (verification): not timed */
	if (bpfsrc_read_containers(b, &s, err, sizeof(err)) < 0) {
		printf("| cgroup walk | %s |\n", err);
	} else {
		snapshot_free(&s);
		if (bcb_path(b, true, runs, t, nctr, nproc, 0) < 0)
			goto out;
	}
	ret = 0;
out:
	bpfsrc_close(b);
	bcb_cleanup(nctr);
	free(t);
	return ret;
}
