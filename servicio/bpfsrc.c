/*
 * bpfsrc.c — the BPF source's loader: the libbpf skeleton of
 * kernel/bpf/sysinfo.bpf.c (two task iterators: every process, or
 * containers' only), the binary records read through bpf_iter_create() and
 * decoded by bpfrec.c with the machine-wide values read from /proc just
 * before (the kernel's global counters are not reachable from BPF without
 * CONFIG_KALLSYMS_ALL).
 *
 * For containers-only reads it also loads, where the kernel has them (>= 6.7,
 * cgroup v2), the same source built with the cgroup walk (sysinfo_cg.skel.h):
 * a cgroup iterator attached at the v2 root that visits only containers'
 * cgroups, one program run per cgroup (bounded; the kernel reschedules
 * between them and holds cgroup_mutex, so no process moves during the walk),
 * and writes the same records into an mmapable map, mapped for each read and
 * decoded where they lie. When that program cannot load, or a read fails (more than 2 MiB of
 * records), the task iterator is read instead.
 */
#include "bpfsrc.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <linux/types.h>

#include "bpfrec.h"
#include "procfs.h"
#include "../kernel/bpf/sysinfo_bpf.h"
#include "sysinfo.skel.h"
#include "sysinfo_cg.skel.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* the root of the cgroup v2 hierarchy: the cgroup walk starts there */
#define BPFSRC_CG_ROOT_ID 1
/* one containers-only read in this many checks the walk (bpfsrc_cg_check) */
#define BPFSRC_CG_CHECK_EVERY 60
/* a read of the task iterator larger than this fails (10,000 processes: 4 MB) */
#define BPFSRC_MAX_RECORDS (64u << 20)

struct bpfsrc {
	struct sysinfo_bpf *skel;
	struct bpf_link *link_all, *link_ctr; /* sysinfo_task, sysinfo_ctr */
	/* the cgroup walk: its iterator link and records' map (-1: not loaded,
	 * see cg_why); the libbpf object is freed once they are loaded. Its map
	 * holds one run's records: runs are serialised by cg_lock */
	pthread_mutex_t cg_lock;
	int cg_prog, cg_map; /* cg_prog: the iterator's link, for bpf_iter_create() */
	size_t cg_map_len; /* the records' map: one value of this size */
	char cg_why[160];
	bool cg_tried; /* loaded on first use: 250 ms of verification */
	unsigned long cg_reads; /* containers-only reads (bpfsrc_cg_check) */
};

/* libbpf's first warning since bpfsrc_cg_load cleared it: a failure's reason
 * ("... has non-zero extra bytes" is an EINVAL that no bpf() call returns) */
static _Thread_local char bpfsrc_libbpf_warn[96];

/* GESTOR_BPF_DEBUG=1: libbpf's warnings (a failed load's verifier log) on stderr too */
static bool bpfsrc_debug;

static int bpfsrc_silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n;

	if (bpfsrc_debug && level == LIBBPF_WARN) {
		va_list aq;

		va_copy(aq, ap);
		vfprintf(stderr, fmt, aq);
		va_end(aq);
	}
	if (level != LIBBPF_WARN || bpfsrc_libbpf_warn[0])
		return 0;
	vsnprintf(bpfsrc_libbpf_warn, sizeof(bpfsrc_libbpf_warn), fmt, ap);
	n = strcspn(bpfsrc_libbpf_warn, "\n");
	bpfsrc_libbpf_warn[n] = 0;
	return 0;
}

static unsigned bpfsrc_page_shift(void)
{
	return (unsigned)__builtin_ctzl((unsigned long)sysconf(_SC_PAGESIZE));
}

/* Load both iterators and attach them; 0 or -errno. */
static int bpfsrc_load(struct bpfsrc *b)
{
	int ret;

	b->skel = sysinfo_bpf__open();
	if (!b->skel)
		return errno ? -errno : -ENOMEM;
	b->skel->rodata->page_shift = bpfsrc_page_shift();
	ret = sysinfo_bpf__load(b->skel);
	if (ret < 0)
		return ret;
	b->link_all = bpf_program__attach_iter(b->skel->progs.sysinfo_task, NULL);
	if (!b->link_all)
		return errno ? -errno : -EINVAL;
	b->link_ctr = bpf_program__attach_iter(b->skel->progs.sysinfo_ctr, NULL);
	if (!b->link_ctr)
		return errno ? -errno : -EINVAL;
	return 0;
}

/* A cgroup v2 hierarchy is mounted: alone, or beside v1 ones (hybrid). */
static bool bpfsrc_cg_v2(void)
{
	static const char *const at[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs fs;

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		if (statfs(at[i], &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
			return true;
	return false;
}

/* Close the cgroup walk's descriptors: the walk is not used any more. */
static void bpfsrc_cg_close(struct bpfsrc *b)
{
	if (b->cg_prog >= 0)
		close(b->cg_prog); /* the link: the program goes with its last descriptor */
	if (b->cg_map >= 0)
		close(b->cg_map);
	b->cg_prog = b->cg_map = -1;
}

/*
 * The cgroup iterator's attach options: pre-order from the v2 root. Both
 * zeroed whole, then filled. libbpf refuses an opts struct whose bytes past
 * its last known field are not 0 (EINVAL before any bpf() call,
 * "bpf_iter_attach_opts has non-zero extra bytes" at warning level), and an
 * initialiser need not zero padding: the 4 bytes after link_info_len kept
 * what an earlier call had left on the stack, so the walk loaded in one call
 * path and failed in another (the known EINVAL of issue 30). The kernel
 * likewise wants linfo's unused bytes 0.
 */
static void bpfsrc_cg_opts(struct bpf_iter_attach_opts *opts, union bpf_iter_link_info *linfo)
{
	memset(opts, 0, sizeof(*opts));
	opts->sz = sizeof(*opts);
	opts->link_info = linfo;
	opts->link_info_len = sizeof(*linfo);
	memset(linfo, 0, sizeof(*linfo));
	linfo->cgroup.order = BPF_CGROUP_ITER_DESCENDANTS_PRE;
	linfo->cgroup.cgroup_id = BPFSRC_CG_ROOT_ID;
}

/*
 * Attach the loaded walk and keep descriptors of its link and records' map
 * in b (the caller then frees libbpf's object: its BTF, instructions and
 * relocations, about 450 KiB of heap; the program holds its maps). 0 or -errno.
 */
static int bpfsrc_cg_keep(struct bpfsrc *b, struct sysinfo_cg_bpf *cg)
{
	union bpf_iter_link_info linfo;
	struct bpf_iter_attach_opts opts;
	struct bpf_link *link;

	bpfsrc_cg_opts(&opts, &linfo);
	link = bpf_program__attach_iter(cg->progs.sysinfo_cgroups, &opts);
	if (!link)
		return errno ? -errno : -EINVAL;
	b->cg_prog = fcntl(bpf_link__fd(link), F_DUPFD_CLOEXEC, 3);
	bpf_link__destroy(link); /* closes libbpf's descriptor; ours keeps the link */
	b->cg_map = fcntl(bpf_map__fd(cg->maps.doc), F_DUPFD_CLOEXEC, 3);
	if (b->cg_prog < 0 || b->cg_map < 0)
		return -errno;
	b->cg_map_len = bpf_map__value_size(cg->maps.doc);
	return 0;
}

/*
 * Load the cgroup walk, once (the first containers-only read, or the shared
 * instance's selection); 0, or -errno with the reason in b->cg_why (then the
 * task iterator serves containers-only reads as well).
 */
static int bpfsrc_cg_load(struct bpfsrc *b)
{
	struct sysinfo_cg_bpf *cg = NULL;
	int ret;

	if (b->cg_tried)
		return b->cg_prog >= 0 ? 0 : -EOPNOTSUPP;
	b->cg_tried = true;
	bpfsrc_libbpf_warn[0] = 0;
	if (!bpfsrc_cg_v2()) {
		snprintf(b->cg_why, sizeof(b->cg_why), "cgroup walk needs cgroup v2");
		return -EOPNOTSUPP;
	}
	cg = sysinfo_cg_bpf__open();
	if (!cg) {
		ret = errno ? -errno : -ENOMEM;
		goto err;
	}
	bpf_program__set_autoload(cg->progs.sysinfo_task, false);
	bpf_program__set_autoload(cg->progs.sysinfo_ctr, false);
	cg->rodata->page_shift = bpfsrc_page_shift();
	ret = sysinfo_cg_bpf__load(cg);
	if (ret == 0)
		ret = bpfsrc_cg_keep(b, cg);
	if (ret < 0)
		goto err;
	sysinfo_cg_bpf__destroy(cg);
	return 0;
err:
	snprintf(b->cg_why, sizeof(b->cg_why), "cgroup walk not loaded: %s%s%.96s%s",
		 strerror(-ret), bpfsrc_libbpf_warn[0] ? " (" : "", bpfsrc_libbpf_warn,
		 bpfsrc_libbpf_warn[0] ? ")" : "");
	bpfsrc_cg_close(b);
	sysinfo_cg_bpf__destroy(cg);
	return ret;
}

int bpfsrc_open(struct bpfsrc **out, char *err, size_t errlen)
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
	b->cg_prog = b->cg_map = -1;
	pthread_mutex_init(&b->cg_lock, NULL);
	bpfsrc_debug = getenv("GESTOR_BPF_DEBUG") != NULL;
	libbpf_set_print(bpfsrc_silent);
	ret = bpfsrc_load(b);
	if (ret < 0) {
		snprintf(err, errlen, "loading the BPF task iterator: %s%s", strerror(-ret),
			 ret == -EPERM ? " (needs CAP_BPF and CAP_PERFMON, or root)" : "");
		bpfsrc_close(b);
		return ret;
	}
	*out = b;
	return 0;
}

/*
 * The machine-wide values from /proc (procfs.c's parsers): m's mem, cpu,
 * cpus and hz, and CLOCK_REALTIME - CLOCK_BOOTTIME into *rt_off.
 */
static int bpfsrc_machine(struct snapshot *m, int64_t *rt_off, char *err, size_t errlen)
{
	struct timespec rt, bt;
	long hz = sysconf(_SC_CLK_TCK);
	char *txt = NULL;
	size_t len = 0;
	int ret;

	m->hz = hz > 0 ? (uint32_t)hz : 100;
	ret = util_slurp("/proc/meminfo", 1 << 16, &txt, &len);
	if (ret == 0) {
		ret = procfs_parse_meminfo_buf(txt, &m->mem);
		free(txt);
	}
	if (ret == 0)
		ret = util_slurp("/proc/stat", 1 << 20, &txt, &len);
	if (ret == 0) {
		ret = procfs_parse_sysstat_buf(txt, m->hz, &m->cpu, &m->cpus);
		free(txt);
	}
	if (ret < 0) {
		snprintf(err, errlen, "reading /proc/meminfo or /proc/stat: %s", strerror(-ret));
		return ret;
	}
	if (m->cpus == 0)
		m->cpus = 1;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	*rt_off = ((int64_t)rt.tv_sec - bt.tv_sec) * 1000000000ll + (rt.tv_nsec - bt.tv_nsec);
	return 0;
}

/* Room for 64 KiB more records at *p + n (at most BPFSRC_MAX_RECORDS in all). 0 or -errno. */
static int bpfsrc_room(char **p, size_t *cap, size_t n, char *err, size_t errlen)
{
	char *q;

	if (*cap - n >= 65536)
		return 0;
	if (*cap >= BPFSRC_MAX_RECORDS) {
		snprintf(err, errlen, "more than %u bytes of records", BPFSRC_MAX_RECORDS);
		return -EFBIG;
	}
	q = realloc(*p, *cap * 2);
	if (!q) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*p = q;
	*cap *= 2;
	return 0;
}

int bpfsrc_read_raw(struct bpfsrc *b, bool containers_only, char **buf, size_t *len, char *err,
		    size_t errlen)
{
	size_t cap = 1 << 16, n = 0, scan = 0, end;
	unsigned again = 0;
	char *p;
	int fd, ret = 0;

	*buf = NULL;
	*len = 0;
	fd = bpf_iter_create(bpf_link__fd(containers_only ? b->link_ctr : b->link_all));
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

		ret = bpfsrc_room(&p, &cap, n, err, errlen);
		if (ret < 0)
			goto err;
		r = read(fd, p + n, cap - n);
		/* EAGAIN: the program asked to show a process again (a cache
		 * entry replaced while it was written, or no scratch memory) */
		if (r < 0 && (errno == EINTR || (errno == EAGAIN && ++again < 1000)))
			continue;
		if (r < 0) {
			ret = -errno;
			snprintf(err, errlen, "reading the BPF iterator: %s", strerror(errno));
			goto err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		/* the end record is the end, whatever a further read() would show */
		end = bpfrec_end(p, n, &scan);
		if (end) {
			n = end;
			break;
		}
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

int bpfsrc_read(struct bpfsrc *b, bool containers_only, struct snapshot *out, char *err,
		size_t errlen)
{
	int64_t rt_off;
	char *buf;
	size_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = bpfsrc_machine(out, &rt_off, err, errlen);
	if (ret < 0)
		return ret;
	ret = bpfsrc_read_raw(b, containers_only, &buf, &len, err, errlen);
	if (ret < 0)
		return ret;
	ret = bpfrec_parse_buf(buf, len, rt_off, out, err, errlen);
	free(buf);
	if (ret < 0)
		return ret;
	out->source = SNAP_SRC_BPF;
	snprintf(out->source_why, sizeof(out->source_why), "bpf task iterator");
	return 0;
}

int bpfsrc_print_json(struct bpfsrc *b, bool containers_only, FILE *f, char *err, size_t errlen)
{
	struct snapshot m = { 0 };
	int64_t rt_off;
	char *buf;
	size_t len;
	int ret;

	ret = bpfsrc_machine(&m, &rt_off, err, errlen);
	if (ret < 0)
		return ret;
	ret = bpfsrc_read_raw(b, containers_only, &buf, &len, err, errlen);
	if (ret < 0)
		return ret;
	ret = bpfrec_print_json(f, buf, len, rt_off, &m, err, errlen);
	free(buf);
	if (ret == -EIO)
		snprintf(err, errlen, "writing the document: %s", strerror(EIO));
	return ret;
}

/*
 * The cgroup walk sees a container only through its cgroup v2 directory; on
 * a hybrid system a runtime may place containers in v1 hierarchies alone,
 * and the walk would miss them without an error. So every
 * BPFSRC_CG_CHECK_EVERY-th containers-only read (the first among them) is
 * the task iterator's, and the walk is read just after it: every container
 * the iterator saw must be in the walk's document too, else the walk is
 * turned off for good (cg_why says which container it missed).
 */
static void bpfsrc_cg_check(struct bpfsrc *b, const struct snapshot *task)
{
	struct snapshot walk;
	char err[160];

	if (bpfsrc_read_containers(b, &walk, err, sizeof(err)) < 0) {
		snprintf(b->cg_why, sizeof(b->cg_why), "cgroup walk failed: %.120s", err);
		goto off;
	}
	bool covers = bpfrec_covers(task, &walk, b->cg_why, sizeof(b->cg_why));

	snapshot_free(&walk);
	if (covers)
		return;
off:
	bpfsrc_cg_close(b);
}

/* One run of the walk, its records parsed into out (cg_lock held). */
static int bpfsrc_cg_run(struct bpfsrc *b, int64_t rt_off, struct snapshot *out, char *err,
			 size_t errlen)
{
	struct si_walk_out res = { .err = -EIO };
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), maplen, got = 0;
	uint64_t len;
	ssize_t n;
	void *m;
	int fd, ret;

	/* one read() is the whole walk: the program writes only its outcome */
	fd = bpf_iter_create(b->cg_prog);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "starting the cgroup walk: %s", strerror(errno));
		return ret;
	}
	while (got < sizeof(res) && (n = read(fd, (char *)&res + got, sizeof(res) - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			close(fd);
			snprintf(err, errlen, "running the cgroup walk: %s", strerror(-ret));
			return ret;
		}
		got += (size_t)n;
	}
	close(fd);
	len = res.len;
	if (got != sizeof(res) || res.err < 0 || len > b->cg_map_len) {
		ret = got != sizeof(res) ? -EIO : res.err < 0 ? (int)res.err : -EIO;
		snprintf(err, errlen, "the cgroup walk: %s", strerror(-ret));
		return ret;
	}
	/* mapped for this read only: the kernel maps every page of a mapping
	 * at once, and only the used ones should count in servicio's RSS */
	maplen = ((size_t)len + pg - 1) & ~(pg - 1);
	m = mmap(NULL, maplen ? maplen : pg, PROT_READ, MAP_SHARED, b->cg_map, 0);
	if (m == MAP_FAILED) {
		ret = -errno;
		snprintf(err, errlen, "mapping the cgroup walk's records: %s", strerror(errno));
		return ret;
	}
	ret = bpfrec_parse_buf(m, (size_t)len, rt_off, out, err, errlen);
	munmap(m, maplen ? maplen : pg);
	return ret;
}

int bpfsrc_read_containers(struct bpfsrc *b, struct snapshot *out, char *err, size_t errlen)
{
	int64_t rt_off;
	int ret;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&b->cg_lock);
	if (bpfsrc_cg_load(b) < 0) {
		snprintf(err, errlen, "%s", b->cg_why);
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = bpfsrc_machine(out, &rt_off, err, errlen);
	if (ret < 0)
		goto out;
	/* EAGAIN: a cached cgroup record was replaced while it was copied */
	for (int i = 0; i < 3; i++) {
		ret = bpfsrc_cg_run(b, rt_off, out, err, errlen);
		if (ret != -EAGAIN)
			break;
	}
	if (ret < 0)
		goto out;
	out->source = SNAP_SRC_BPF;
	snprintf(out->source_why, sizeof(out->source_why), "bpf cgroup walk");
out:
	pthread_mutex_unlock(&b->cg_lock);
	return ret;
}

void bpfsrc_close(struct bpfsrc *b)
{
	if (!b)
		return;
	bpf_link__destroy(b->link_all);
	bpf_link__destroy(b->link_ctr);
	sysinfo_bpf__destroy(b->skel);
	bpfsrc_cg_close(b);
	pthread_mutex_destroy(&b->cg_lock);
	free(b);
}

void bpfsrc_no_cgwalk(struct bpfsrc *b)
{
	pthread_mutex_lock(&b->cg_lock);
	bpfsrc_cg_close(b);
	b->cg_tried = true;
	snprintf(b->cg_why, sizeof(b->cg_why), "cgroup walk off (option bpf-no-cgwalk)");
	pthread_mutex_unlock(&b->cg_lock);
}

/* The BPF source's state: the loaded programs and what to read. */
struct bpfsrc_state {
	struct bpfsrc *b;
	bool containers_only;
};

static void bpfsrc_src_close(void *state)
{
	struct bpfsrc_state *st = state;

	if (st)
		bpfsrc_close(st->b);
	free(st);
}

static int bpfsrc_src_open(const struct metrics_config *cfg, bool forced, void **state, char *why,
			   size_t whylen)
{
	struct bpfsrc_state *st;
	char err[160];
	int ret;

	*state = NULL;
	/* BPF reads the live system: never when a fixture tree stands for /proc */
	if (cfg->proc_root && !forced) {
		snprintf(why, whylen, "BPF not used: a fixture /proc tree is read");
		return -ENOTSUP;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	ret = bpfsrc_open(&st->b, err, sizeof(err));
	if (ret < 0) {
		snprintf(why, whylen, "%s%s", forced ? "bpf forced but " : "", err);
		free(st);
		return ret;
	}
	st->containers_only = cfg->containers_only;
	if (cfg->bpf_no_cgwalk)
		bpfsrc_no_cgwalk(st->b);
	else if (st->containers_only)
		bpfsrc_cg_load(st->b); /* the cycle reads the walk: say now whether it can */
	snprintf(why, whylen, "%sBPF task iterator loaded (cmdline not read)%s%s",
		 forced ? "bpf forced: " : "", st->containers_only ? "; " : "",
		 !st->containers_only  ? ""
		 : st->b->cg_prog >= 0 ? "containers read by the cgroup walk"
				       : st->b->cg_why);
	*state = st;
	return 0;
}

/* Containers-only reads take the walk when it is loaded, the task iterator
 * otherwise and every BPFSRC_CG_CHECK_EVERY-th time (bpfsrc_cg_check). */
static int bpfsrc_src_take(void *state, struct snapshot *out, char *err, size_t errlen)
{
	struct bpfsrc_state *st = state;
	struct bpfsrc *b = st->b;
	bool walk = st->containers_only && b->cg_prog >= 0;
	bool check = walk && b->cg_reads++ % BPFSRC_CG_CHECK_EVERY == 0;
	int ret;

	if (walk && !check) {
		if (bpfsrc_read_containers(b, out, err, errlen) == 0)
			return 0;
		/* not read again each cycle before the iterator: off for good */
		snprintf(b->cg_why, sizeof(b->cg_why), "cgroup walk failed: %.120s", err);
		bpfsrc_cg_close(b);
	}
	ret = bpfsrc_read(b, st->containers_only, out, err, errlen);
	if (ret == 0 && check)
		bpfsrc_cg_check(b, out);
	return ret;
}

const struct metrics_src bpfsrc_src = {
	.id = SNAP_SRC_BPF,
	.name = "bpf",
	.open = bpfsrc_src_open,
	.take = bpfsrc_src_take,
	.close = bpfsrc_src_close,
};

int bpfsrc_sysinfo_main(int argc, char **argv)
{
	bool ctr_only = false;
	struct bpfsrc *b;
	char err[256];
	int ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--containers-only") == 0) {
			ctr_only = true;
		} else {
			fprintf(stderr, "usage: servicio sysinfo [--containers-only]\n"
					"  prints the document of /proc/sysinfo_202002591 "
					"(docs/proc-format.md)\n"
					"  from the BPF iterator, for hosts without the module\n");
			return strcmp(argv[i], "--help") == 0 ? 0 : 2;
		}
	}
	if (bpfsrc_open(&b, err, sizeof(err)) < 0) {
		fprintf(stderr, "servicio sysinfo: %s\n", err);
		return 1;
	}
	ret = bpfsrc_print_json(b, ctr_only, stdout, err, sizeof(err));
	bpfsrc_close(b);
	if (ret == 0 && fflush(stdout) != 0)
		ret = -EIO;
	if (ret < 0) {
		fprintf(stderr, "servicio sysinfo: %s\n", ret == -EIO ? "write error" : err);
		return 1;
	}
	return 0;
}
