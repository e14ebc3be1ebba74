/*
 * bpf_bench.c — the BPF source against the procfs walk (bench/bpf.sh):
 * starts sleeping children until the pid namespace it runs in holds N
 * processes (bench/bpf.sh runs it in a fresh one, so N is exact), then times
 * R runs each of
 *   bpf read      bpf_iter_create + read of all the binary records (bpfsrc_read_raw)
 *   decode only   bpfrec_parse_buf() of one such read
 *   bpf + decode  read and decode, what the BPF source does (bpfsrc_read)
 *   bpf ctr-only  the same with the containers-only iterator (servicio's
 *                 cycle without the cgroup walk): every task visited
 *   procfs walk   procfs_snapshot() of the live /proc (stat, statm, status,
 *                 cmdline, cgroup per process), what the procfs source does
 * and, where the module is loaded (the system VM, bench/sysvm.sh):
 *   module read   the whole of /proc/sysinfo_202002591 (util_slurp)
 *   module + parse  modsrc_read(), what the module source does
 * and prints the median and best, in ms, and the median per process in us.
 *
 * The module lists every process of the machine, not of a pid namespace, so
 * with the module the benchmark runs in the machine's own namespace and N
 * counts every process there.
 *
 * usage: bpf_bench N [RUNS]
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../servicio/bpfrec.h"
#include "../servicio/bpfsrc.h"
#include "../servicio/modsrc.h"
#include "../servicio/procfs.h"
#include "../servicio/snapshot.h"
#include "util.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void report(const char *what, uint64_t *t, long runs, size_t nprocs)
{
	qsort(t, (size_t)runs, sizeof(*t), cmp_u64);
	printf("| %-14s | %6zu | %9.2f | %9.2f | %8.2f |\n", what, nprocs,
	       (double)t[runs / 2] / 1e6, (double)t[0] / 1e6,
	       (double)t[runs / 2] / 1e3 / (double)nprocs);
}

static size_t count_procs(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

#define MODULE_DOC "/proc/sysinfo_202002591"

/* The module's file read whole, then read and parsed as its source does. */
static int bench_module(uint64_t *t, long runs, size_t n)
{
	char err[512];

	for (long i = 0; i < runs; i++) {
		char *buf;
		size_t len;
		uint64_t t0 = util_boot_ns();

		if (util_slurp(MODULE_DOC, 256u << 20, &buf, &len) < 0) {
			fprintf(stderr, "bpf_bench: cannot read %s\n", MODULE_DOC);
			return -1;
		}
		t[i] = util_boot_ns() - t0;
		free(buf);
	}
	report("module read", t, runs, n);
	for (long i = 0; i < runs; i++) {
		struct snapshot s;
		uint64_t t0 = util_boot_ns();

		if (modsrc_read(MODULE_DOC, &s, err, sizeof(err)) < 0) {
			fprintf(stderr, "bpf_bench: %s\n", err);
			return -1;
		}
		t[i] = util_boot_ns() - t0;
		snapshot_free(&s);
	}
	report("module + parse", t, runs, n);
	return 0;
}

int main(int argc, char **argv)
{
	size_t want = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	long runs = argc > 2 ? strtol(argv[2], NULL, 10) : 15;
	struct bpfsrc *b;
	char err[512];
	uint64_t *t;
	size_t n, have;

	if (runs < 1 || runs > 1000)
		runs = 15;
	t = calloc((size_t)runs, sizeof(*t));
	if (!t)
		return 1;
	have = count_procs();
	for (; have < want; have++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			free(t);
			return 1;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
	}
	usleep(200000);
	if (bpfsrc_open(&b, err, sizeof(err)) < 0) {
		fprintf(stderr, "bpf_bench: %s\n", err);
		free(t);
		return 1;
	}
	n = count_procs();
	for (long i = 0; i < runs; i++) {
		char *buf;
		size_t len;
		uint64_t t0 = util_boot_ns();

		if (bpfsrc_read_raw(b, false, &buf, &len, err, sizeof(err)) < 0) {
			fprintf(stderr, "bpf_bench: %s\n", err);
			goto err;
		}
		t[i] = util_boot_ns() - t0;
		free(buf);
	}
	report("bpf read", t, runs, n);
	{
		/* the decoding alone, of one read */
		char *buf;
		size_t len;

		if (bpfsrc_read_raw(b, false, &buf, &len, err, sizeof(err)) < 0) {
			fprintf(stderr, "bpf_bench: %s\n", err);
			goto err;
		}
		for (long i = 0; i < runs; i++) {
			struct snapshot s = { 0 };
			uint64_t t0 = util_boot_ns();

			if (bpfrec_parse_buf(buf, len, 0, &s, err, sizeof(err)) < 0) {
				fprintf(stderr, "bpf_bench: %s\n", err);
				free(buf);
				goto err;
			}
			t[i] = util_boot_ns() - t0;
			snapshot_free(&s);
		}
		free(buf);
		report("decode only", t, runs, n);
	}
	for (long i = 0; i < runs; i++) {
		struct snapshot s;
		uint64_t t0 = util_boot_ns();

		if (bpfsrc_read(b, false, &s, err, sizeof(err)) < 0) {
			fprintf(stderr, "bpf_bench: %s\n", err);
			goto err;
		}
		t[i] = util_boot_ns() - t0;
		if (s.nprocs + 5 < n)
			fprintf(stderr, "bpf_bench: the records list %zu of %zu processes\n",
				s.nprocs, n);
		snapshot_free(&s);
	}
	report("bpf + decode", t, runs, n);
	for (long i = 0; i < runs; i++) {
		struct snapshot s;
		uint64_t t0 = util_boot_ns();

		if (bpfsrc_read(b, true, &s, err, sizeof(err)) < 0) {
			fprintf(stderr, "bpf_bench: %s\n", err);
			goto err;
		}
		t[i] = util_boot_ns() - t0;
		snapshot_free(&s);
	}
	report("bpf ctr-only", t, runs, n);
	for (long i = 0; i < runs; i++) {
		struct snapshot s;
		uint64_t t0 = util_boot_ns();

		if (procfs_snapshot(NULL, &s, err, sizeof(err)) < 0) {
			fprintf(stderr, "bpf_bench: %s\n", err);
			goto err;
		}
		t[i] = util_boot_ns() - t0;
		snapshot_free(&s);
	}
	report("procfs walk", t, runs, n);
	if (access(MODULE_DOC, R_OK) == 0 && bench_module(t, runs, n) < 0)
		goto err;
	bpfsrc_close(b);
	free(t);
	return 0;
err:
	bpfsrc_close(b);
	free(t);
	return 1;
}
