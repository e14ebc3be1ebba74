/*
 * bpfsrc.c — the BPF source's loader: the libbpf skeleton of
 * kernel/bpf/sysinfo.bpf.c (the sleepable iterator first, the plain one when
 * the kernel refuses it), the header values refreshed from /proc before each
 * read, the document read through bpf_iter_create(), optional pinning.
 */
#include "bpfsrc.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <linux/types.h>

#include "modsrc.h"
#include "procfs.h"
#include "../kernel/bpf/sysinfo_bpf.h"
#include "sysinfo.skel.h"
#include "util.h"

struct bpfsrc {
	struct sysinfo_bpf *skel;
	struct bpf_link *link;
	bool args;
	char pin[256];
};

static int bpfsrc_silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* Load with one of the two programs; 0 or -errno. */
static int bpfsrc_load(struct bpfsrc *b, bool sleepable, bool containers_only)
{
	int ret;

	b->skel = sysinfo_bpf__open();
	if (!b->skel)
		return errno ? -errno : -ENOMEM;
	bpf_program__set_autoload(b->skel->progs.sysinfo_task_s, sleepable);
	bpf_program__set_autoload(b->skel->progs.sysinfo_task, !sleepable);
	b->skel->bss->containers_only = containers_only;
	b->skel->data->page_shift = (unsigned)__builtin_ctzl((unsigned long)sysconf(_SC_PAGESIZE));
	ret = sysinfo_bpf__load(b->skel);
	if (ret < 0)
		goto err;
	b->link = bpf_program__attach_iter(
		sleepable ? b->skel->progs.sysinfo_task_s : b->skel->progs.sysinfo_task, NULL);
	if (!b->link) {
		ret = errno ? -errno : -EINVAL;
		goto err;
	}
	b->args = sleepable;
	return 0;
err:
	sysinfo_bpf__destroy(b->skel);
	b->skel = NULL;
	return ret < 0 ? ret : -EINVAL;
}

int bpfsrc_open(struct bpfsrc **out, bool containers_only, char *err, size_t errlen)
{
	struct bpfsrc *b;
	int ret;

	*out = NULL;
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		snprintf(err, errlen, "no kernel BTF (/sys/kernel/btf/vmlinux): %s",
			 strerror(errno));
		return -ENOENT;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	libbpf_set_print(bpfsrc_silent);
	/* GESTOR_BPF_PLAIN=1 takes the non-sleepable program directly (tests) */
	ret = -EOPNOTSUPP;
	if (!getenv("GESTOR_BPF_PLAIN"))
		ret = bpfsrc_load(b, true, containers_only);
	if (ret < 0)
		ret = bpfsrc_load(b, false, containers_only);
	if (ret < 0) {
		snprintf(err, errlen, "loading the BPF task iterator: %s%s", strerror(-ret),
			 ret == -EPERM ? " (needs CAP_BPF and CAP_PERFMON, or root)" : "");
		free(b);
		return ret;
	}
	*out = b;
	return 0;
}

bool bpfsrc_args(const struct bpfsrc *b)
{
	return b && b->args;
}

/* The header values the iterator takes from the loader (procfs.c's parsers). */
static int bpfsrc_refresh(struct bpfsrc *b)
{
	struct si_hdr *h = &b->skel->bss->hdr;
	struct snap_memory mem;
	struct snap_cpu cpu;
	struct timespec rt, bt;
	long hz = sysconf(_SC_CLK_TCK);
	uint32_t ncpu = 0;
	char *txt = NULL;
	size_t len = 0;
	int ret;

	if (hz <= 0)
		hz = 100;
	ret = util_slurp("/proc/meminfo", 1 << 16, &txt, &len);
	if (ret < 0)
		return ret;
	ret = procfs_parse_meminfo_buf(txt, &mem);
	free(txt);
	if (ret < 0)
		return ret;
	ret = util_slurp("/proc/stat", 1 << 20, &txt, &len);
	if (ret < 0)
		return ret;
	ret = procfs_parse_sysstat_buf(txt, (uint32_t)hz, &cpu, &ncpu);
	free(txt);
	if (ret < 0)
		return ret;
	h->total_kb = mem.total_kb;
	h->free_kb = mem.free_kb;
	h->available_kb = mem.available_kb;
	h->used_kb = mem.used_kb;
	h->buffers_kb = mem.buffers_kb;
	h->cached_kb = mem.cached_kb;
	h->swap_total_kb = mem.swap_total_kb;
	h->swap_free_kb = mem.swap_free_kb;
	h->user_ns = cpu.user_ns;
	h->nice_ns = cpu.nice_ns;
	h->system_ns = cpu.system_ns;
	h->idle_ns = cpu.idle_ns;
	h->iowait_ns = cpu.iowait_ns;
	h->irq_ns = cpu.irq_ns;
	h->softirq_ns = cpu.softirq_ns;
	h->steal_ns = cpu.steal_ns;
	h->cpus = ncpu;
	h->user_hz = (uint32_t)hz;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	h->realtime_off_ns =
		((long long)rt.tv_sec - bt.tv_sec) * 1000000000ll + (rt.tv_nsec - bt.tv_nsec);
	return 0;
}

int bpfsrc_read_doc(struct bpfsrc *b, char **buf, size_t *len, char *err, size_t errlen)
{
	size_t cap = 1 << 16, n = 0;
	char *p;
	int fd, ret = 0;

	*buf = NULL;
	*len = 0;
	ret = bpfsrc_refresh(b);
	if (ret < 0) {
		snprintf(err, errlen, "reading /proc/meminfo or /proc/stat: %s", strerror(-ret));
		return ret;
	}
	fd = bpf_iter_create(bpf_link__fd(b->link));
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "bpf_iter_create: %s", strerror(errno));
		return ret;
	}
	p = malloc(cap);
	if (!p) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (cap - n < 4096) {
			char *q;

			if (cap >= MODSRC_MAX_DOC) {
				ret = -EFBIG;
				snprintf(err, errlen, "document larger than %u bytes",
					 MODSRC_MAX_DOC);
				goto err;
			}
			q = realloc(p, cap * 2);
			if (!q) {
				ret = -ENOMEM;
				snprintf(err, errlen, "out of memory");
				goto err;
			}
			p = q;
			cap *= 2;
		}
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			snprintf(err, errlen, "reading the BPF iterator: %s", strerror(errno));
			goto err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*buf = p;
	*len = n;
	return 0;
err:
	close(fd);
	free(p);
	return ret;
}

int bpfsrc_read(struct bpfsrc *b, struct snapshot *out, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int ret;

	uint64_t t0, t1;

	memset(out, 0, sizeof(*out));
	t0 = util_boot_ns();
	ret = bpfsrc_read_doc(b, &buf, &len, err, errlen);
	t1 = util_boot_ns();
	if (ret < 0)
		return ret;
	ret = modsrc_parse_buf(buf, len, out, err, errlen);
	free(buf);
	if (ret < 0)
		return ret;
	out->source = SNAP_SRC_BPF;
	snprintf(out->source_why, sizeof(out->source_why), "bpf task iterator%s",
		 b->args ? "" : " (arguments not readable: cmdline empty)");
	/* written while read, in pid order: stamp each process by its place (as modsrc_read) */
	if (out->nprocs && out->boottime_ns >= t0 && out->boottime_ns <= t1)
		for (size_t i = 0; i < out->nprocs; i++)
			out->procs[i].sample_ns =
				out->boottime_ns + (t1 - out->boottime_ns) * (i + 1) / out->nprocs;
	return 0;
}

int bpfsrc_pin(struct bpfsrc *b, const char *path, char *err, size_t errlen)
{
	char dir[256];
	char *slash;
	int ret;

	if (!path)
		path = BPFSRC_PIN_PATH;
	util_strlcpy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			ret = -errno;
			snprintf(err, errlen, "mkdir %s: %s (is bpffs mounted on /sys/fs/bpf?)",
				 dir, strerror(errno));
			return ret;
		}
	}
	ret = bpf_link__pin(b->link, path);
	if (ret < 0) {
		snprintf(err, errlen, "pinning at %s: %s", path, strerror(-ret));
		return ret;
	}
	util_strlcpy(b->pin, path, sizeof(b->pin));
	return 0;
}

void bpfsrc_close(struct bpfsrc *b)
{
	if (!b)
		return;
	if (b->pin[0])
		bpf_link__unpin(b->link);
	bpf_link__destroy(b->link);
	sysinfo_bpf__destroy(b->skel);
	free(b);
}

static struct bpfsrc *bpfsrc_g;
static int bpfsrc_g_ret = 1; /* 1: not tried yet */
static char bpfsrc_g_err[160];

static void bpfsrc_shared_close(void)
{
	bpfsrc_close(bpfsrc_g);
	bpfsrc_g = NULL;
}

int bpfsrc_shared_select(bool forced, char *why, size_t whylen)
{
	if (bpfsrc_g_ret == 1) {
		bpfsrc_g_ret = bpfsrc_open(&bpfsrc_g, false, bpfsrc_g_err, sizeof(bpfsrc_g_err));
		if (bpfsrc_g_ret == 0)
			atexit(bpfsrc_shared_close);
	}
	if (bpfsrc_g_ret < 0) {
		snprintf(why, whylen, "%s%s", forced ? "bpf forced but " : "", bpfsrc_g_err);
		return bpfsrc_g_ret;
	}
	snprintf(why, whylen, "%sBPF task iterator loaded%s", forced ? "bpf forced: " : "",
		 bpfsrc_g->args ? "" : " (no sleepable iterator: cmdline empty)");
	return 0;
}

int bpfsrc_shared_read(bool containers_only, bool skip_args, struct snapshot *out, char *err,
		       size_t errlen)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if (!bpfsrc_g) {
		snprintf(err, errlen, "BPF source not loaded: %s", bpfsrc_g_err);
		return bpfsrc_g_ret < 0 ? bpfsrc_g_ret : -ENODEV;
	}
	bpfsrc_g->skel->bss->containers_only = containers_only;
	bpfsrc_g->skel->bss->skip_args = skip_args;
	ret = bpfsrc_read(bpfsrc_g, out, err, errlen);
	if (ret == 0)
		out->source = SNAP_SRC_BPF;
	return ret;
}
