/*
 * ctrio.c — a container's I/O, processes and kernel accounting from its
 * cgroup and network namespace (see ctrio.h).
 */
#include "ctrio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgfds.h"
#include "cycle.h"
#include "util.h"

/* Every file read here is small; a bigger one is cut (and parses as far as it goes). */
#define CTRIO_BUF 8192

/* ---------- parsing ---------- */

/* A decimal number at s; end past it. -EINVAL when none or too big. */
static int ctrio_num(const char *s, const char **end, uint64_t *v)
{
	uint64_t n = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -EINVAL;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*v = n;
	*end = p;
	return 0;
}

static const char *ctrio_skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static const char *ctrio_next_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl ? nl + 1 : s + strlen(s);
}

int ctrio_u64_parse_buf(const char *buf, uint64_t *v)
{
	const char *end;

	if (ctrio_num(ctrio_skip_blank(buf), &end, v) != 0)
		return -EINVAL;
	end = ctrio_skip_blank(end);
	return *end == '\0' || *end == '\n' ? 0 : -EINVAL;
}

int ctrio_kv_parse_buf(const char *buf, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);

	for (const char *l = buf; *l; l = ctrio_next_line(l)) {
		const char *end;

		if (strncmp(l, key, kl) != 0 || (l[kl] != ' ' && l[kl] != '\t'))
			continue;
		if (ctrio_num(ctrio_skip_blank(l + kl), &end, v) != 0)
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

/* "MAJ:MIN" at s: the device of dev with that number, added when new
 * (NULL when dev is full or s is no device number). */
static struct ctrio_dev *ctrio_dev_at(const char *s, const char **end, struct ctrio_dev *dev,
				      size_t *ndev)
{
	uint64_t ma, mi;

	if (ctrio_num(s, end, &ma) != 0 || **end != ':' || ctrio_num(*end + 1, end, &mi) != 0 ||
	    ma > UINT_MAX || mi > UINT_MAX)
		return NULL;
	for (size_t i = 0; i < *ndev; i++)
		if (dev[i].major == ma && dev[i].minor == mi)
			return &dev[i];
	if (*ndev >= CTRIO_NDEV)
		return NULL;
	memset(&dev[*ndev], 0, sizeof(dev[*ndev]));
	dev[*ndev].major = (unsigned)ma;
	dev[*ndev].minor = (unsigned)mi;
	snprintf(dev[*ndev].name, sizeof(dev[*ndev].name), "%u:%u", dev[*ndev].major,
		 dev[*ndev].minor);
	return &dev[(*ndev)++];
}

int ctrio_blkio_v1_parse_buf(const char *buf, bool ios, struct ctrio_dev *dev, size_t *ndev)
{
	for (const char *l = buf; *l; l = ctrio_next_line(l)) {
		const char *p, *end;
		struct ctrio_dev *d;
		uint64_t v;
		bool rd;

		if (*l == '\n' || strncmp(l, "Total", 5) == 0)
			continue;
		d = ctrio_dev_at(l, &p, dev, ndev);
		if (!d) {
			if (*l >= '0' && *l <= '9' && *ndev >= CTRIO_NDEV)
				continue; /* one device too many: left out */
			return -EINVAL;
		}
		p = ctrio_skip_blank(p);
		if (strncmp(p, "Read ", 5) == 0)
			rd = true;
		else if (strncmp(p, "Write ", 6) == 0)
			rd = false;
		else
			continue; /* Sync, Async, Discard, Total: sums of these two */
		if (ctrio_num(ctrio_skip_blank(strchr(p, ' ')), &end, &v) != 0)
			return -EINVAL;
		if (ios)
			*(rd ? &d->rios : &d->wios) = v;
		else
			*(rd ? &d->rbytes : &d->wbytes) = v;
	}
	return 0;
}

int ctrio_iostat_parse_buf(const char *buf, struct ctrio_dev *dev, size_t *ndev)
{
	static const struct {
		const char *key;
		size_t off;
	} k[] = {
		{ "rbytes=", offsetof(struct ctrio_dev, rbytes) },
		{ "wbytes=", offsetof(struct ctrio_dev, wbytes) },
		{ "rios=", offsetof(struct ctrio_dev, rios) },
		{ "wios=", offsetof(struct ctrio_dev, wios) },
	};

	for (const char *l = buf; *l; l = ctrio_next_line(l)) {
		const char *p;
		struct ctrio_dev *d;

		if (*l == '\n')
			continue;
		d = ctrio_dev_at(l, &p, dev, ndev);
		if (!d) {
			if (*l >= '0' && *l <= '9' && *ndev >= CTRIO_NDEV)
				continue;
			return -EINVAL;
		}
		while (*(p = ctrio_skip_blank(p)) && *p != '\n') {
			const char *end = p;
			size_t i;

			for (i = 0; i < UTIL_ARRAY_LEN(k); i++)
				if (strncmp(p, k[i].key, strlen(k[i].key)) == 0)
					break;
			if (i < UTIL_ARRAY_LEN(k)) {
				uint64_t v;

				if (ctrio_num(p + strlen(k[i].key), &end, &v) != 0)
					return -EINVAL;
				memcpy((char *)d + k[i].off, &v, sizeof(v));
			}
			while (*end && *end != ' ' && *end != '\n')
				end++;
			p = end;
		}
	}
	return 0;
}

int ctrio_netdev_parse_buf(const char *buf, struct ctrio_if *ifs, size_t *nif)
{
	const char *l = ctrio_next_line(ctrio_next_line(buf));

	*nif = 0;
	for (; *l; l = ctrio_next_line(l)) {
		const char *p = ctrio_skip_blank(l), *colon = strchr(p, ':'), *nl = strchr(p, '\n');
		uint64_t v[16];
		struct ctrio_if *f;
		size_t nl_len;

		if (*p == '\n')
			continue;
		if (!colon || (nl && colon > nl))
			return -EINVAL;
		nl_len = (size_t)(colon - p);
		if (nl_len == 0 || nl_len >= sizeof(f->name))
			return -EINVAL;
		p = colon + 1;
		for (int i = 0; i < 16; i++)
			if (ctrio_num(ctrio_skip_blank(p), &p, &v[i]) != 0)
				return -EINVAL;
		if (nl_len == 2 && strncmp(colon - 2, "lo", 2) == 0)
			continue;
		if (*nif >= CTRIO_NIF)
			continue;
		f = &ifs[(*nif)++];
		memset(f, 0, sizeof(*f));
		memcpy(f->name, colon - nl_len, nl_len);
		f->rx_bytes = v[0];
		f->rx_packets = v[1];
		f->rx_errors = v[2];
		f->rx_dropped = v[3];
		f->tx_bytes = v[8];
		f->tx_packets = v[9];
		f->tx_errors = v[10];
		f->tx_dropped = v[11];
	}
	return 0;
}

/* ---------- reading ---------- */

/* The files of a container kept open (cgfds slots): each is read again at
 * offset 0 the next cycle, with no path lookup. */
enum {
	CTRIO_F_CPU, /* v1 cpuacct.usage, v2 cpu.stat */
	CTRIO_F_CPUSTAT, /* v1 cpu.stat */
	CTRIO_F_IOB, /* v1 blkio io_service_bytes, v2 io.stat */
	CTRIO_F_IOS, /* v1 blkio io_serviced */
	CTRIO_F_OOM, /* v1 memory.oom_control, v2 memory.events */
	CTRIO_F_PROCS, /* v1 pids' cgroup.procs, v2 cgroup.procs */
	CTRIO_F_PROCS_CPU, /* v1 cpu's cgroup.procs */
	CTRIO_F_PIDS, /* pids.current */
	CTRIO_F_THREADS, /* v1 cpu's tasks, v2 cgroup.threads */
	CTRIO_F_NET, /* /proc/<pid>/net/dev (slot pid) */
	CTRIO_NF
};
_Static_assert(CTRIO_NF <= CGFDS_NFD, "cgfds keeps CGFDS_NFD files per container");

struct ctrio_keep {
	struct cgfds *fds;
	struct {
		unsigned major, minor;
		char name[32];
	} dev[4 * CTRIO_NDEV]; /* device names seen (they stay while the device does) */
	size_t ndev;
	bool read_all_once; /* ctrio_read_every() has read every row once */
	uint64_t last_all_ns; /* ... the last time it did */
	uint64_t reads; /* rows read, not given kept figures */
};

struct ctrio_keep *ctrio_keep_new(void)
{
	struct ctrio_keep *k = calloc(1, sizeof(*k));

	/* the memory files' table (cgfds_new) keeps 3 a container beside these */
	if (k && !(k->fds = cgfds_new_n(CTRIO_NF - 2, 256 + CGFDS_MAX * CGMEM_NFILES))) {
		free(k);
		k = NULL;
	}
	return k;
}

void ctrio_keep_free(struct ctrio_keep *k)
{
	if (!k)
		return;
	cgfds_free(k->fds);
	free(k);
}

void ctrio_keep_begin(struct ctrio_keep *k)
{
	if (k)
		cgfds_begin(k->fds);
}

void ctrio_keep_end(struct ctrio_keep *k)
{
	if (k)
		cgfds_end(k->fds);
}

size_t ctrio_keep_size(const struct ctrio_keep *k)
{
	return k ? cgfds_size(k->fds) : 0;
}

uint64_t ctrio_keep_reads(const struct ctrio_keep *k)
{
	return k ? k->reads : 0;
}

/* What fd has, from offset 0, into buf (cut at CTRIO_BUF - 1). 0 or -errno. */
static int ctrio_fd_slurp(int fd, char *buf)
{
	ssize_t n, got = 0;

	while ((n = pread(fd, buf + got, CTRIO_BUF - 1 - (size_t)got, got)) > 0)
		got += n;
	buf[got] = '\0';
	return n < 0 ? -errno : 0;
}

/* The lines fd has from offset 0, read in pieces. 0 or -errno. */
static int ctrio_fd_count(int fd, char *buf, uint64_t *lines)
{
	ssize_t n;
	off_t off = 0;

	*lines = 0;
	while ((n = pread(fd, buf, CTRIO_BUF, off)) > 0) {
		off += n;
		for (ssize_t i = 0; i < n; i++)
			*lines += buf[i] == '\n';
	}
	return n < 0 ? -errno : 0;
}

/*
 * The file at the path fmt makes, read by rd (count: lines counted into
 * *lines, else its text into buf): through *kept when it is open (NULL: no
 * slot), else opened by path, and then kept in *kept (a file not there
 * marked CGFDS_ABSENT, not looked up again). 0 or -errno.
 */
static int ctrio_file(char *buf, uint64_t *lines, int *kept, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int ctrio_file(char *buf, uint64_t *lines, int *kept, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int fd, r;

	if (kept && *kept == CGFDS_ABSENT)
		return -ENOENT;
	if (kept && *kept >= 0) {
		r = lines ? ctrio_fd_count(*kept, buf, lines) : ctrio_fd_slurp(*kept, buf);
		if (r == 0)
			return 0;
		close(*kept); /* its cgroup or process went: look it up again */
		*kept = -1;
	}
	va_start(ap, fmt);
	r = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (kept && r == -ENOENT)
			*kept = CGFDS_ABSENT;
		return r;
	}
	r = lines ? ctrio_fd_count(fd, buf, lines) : ctrio_fd_slurp(fd, buf);
	if (kept && r == 0)
		*kept = fd;
	else
		close(fd);
	return r;
}

/* The file's text into buf (NUL-terminated, cut at CTRIO_BUF - 1). */
#define ctrio_slurp(buf, kept, ...) ctrio_file(buf, NULL, kept, __VA_ARGS__)
/* The lines of a list file (cgroup.procs, tasks): a container's list may be
 * longer than the buffer. */
#define ctrio_count(lines, buf, kept, ...) ctrio_file(buf, lines, kept, __VA_ARGS__)

static bool ctrio_isdir(const char *fmt, const char *a, const char *b)
{
	char path[PATH_MAX];
	struct stat st;
	int r = snprintf(path, sizeof(path), fmt, a, b);

	return r > 0 && (size_t)r < sizeof(path) && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* cAdvisor's device label: /dev/<name> from /sys/dev/block/MAJ:MIN's uevent. */
static void ctrio_dev_names(struct ctrio_keep *k, const char *sys, struct ctrio_dev *dev,
			    size_t ndev, char *buf)
{
	for (size_t i = 0; i < ndev; i++) {
		const char *l;
		size_t j = 0;

		for (; k && j < k->ndev; j++)
			if (k->dev[j].major == dev[i].major && k->dev[j].minor == dev[i].minor)
				break;
		if (k && j < k->ndev) {
			memcpy(dev[i].name, k->dev[j].name, sizeof(dev[i].name));
			continue;
		}
		if (ctrio_slurp(buf, NULL, "%s/dev/block/%u:%u/uevent", sys, dev[i].major,
				dev[i].minor) != 0)
			continue;
		for (l = buf; *l; l = ctrio_next_line(l)) {
			if (strncmp(l, "DEVNAME=", 8) == 0) {
				size_t n = strcspn(l + 8, "\n");

				if (n > 0 && n + 6 < sizeof(dev[i].name))
					snprintf(dev[i].name, sizeof(dev[i].name), "/dev/%.*s",
						 (int)n, l + 8);
				break;
			}
		}
		if (k && k->ndev < UTIL_ARRAY_LEN(k->dev)) {
			k->dev[k->ndev].major = dev[i].major;
			k->dev[k->ndev].minor = dev[i].minor;
			memcpy(k->dev[k->ndev++].name, dev[i].name, sizeof(dev[i].name));
		}
	}
}

/* The cgroup's CPU time in ns from its file's text: v1 cpuacct.usage (ns),
 * v2 cpu.stat's usage_usec. 0 or -EINVAL (*ns untouched). */
static int ctrio_cpu_parse_buf(int version, const char *buf, uint64_t *ns)
{
	uint64_t v;

	if (version == 1 && ctrio_u64_parse_buf(buf, &v) == 0)
		*ns = v;
	else if (version == 2 && ctrio_kv_parse_buf(buf, "usage_usec", &v) == 0)
		*ns = v * 1000;
	else
		return -EINVAL;
	return 0;
}

static void ctrio_read_v1(const char *r, const char *cg, struct ctrio *o, char *buf, int *f)
{
	uint64_t v;

	if (ctrio_slurp(buf, f + CTRIO_F_CPU, "%s/cpuacct%s/cpuacct.usage", r, cg) == 0 &&
	    ctrio_cpu_parse_buf(1, buf, &o->cpu_ns) == 0)
		o->has_cpu = o->cpu_read = true;
	if (ctrio_slurp(buf, f + CTRIO_F_CPUSTAT, "%s/cpu%s/cpu.stat", r, cg) == 0 &&
	    ctrio_kv_parse_buf(buf, "nr_periods", &o->nr_periods) == 0 &&
	    ctrio_kv_parse_buf(buf, "nr_throttled", &o->nr_throttled) == 0 &&
	    ctrio_kv_parse_buf(buf, "throttled_time", &o->throttled_ns) == 0)
		o->has_cfs = true;
	if (ctrio_slurp(buf, f + CTRIO_F_IOB,
			"%s/blkio%s/blkio.throttle.io_service_bytes_recursive", r, cg) == 0 &&
	    ctrio_blkio_v1_parse_buf(buf, false, o->dev, &o->ndev) == 0 &&
	    ctrio_slurp(buf, f + CTRIO_F_IOS, "%s/blkio%s/blkio.throttle.io_serviced_recursive", r,
			cg) == 0 &&
	    ctrio_blkio_v1_parse_buf(buf, true, o->dev, &o->ndev) == 0)
		o->has_io = true;
	if (ctrio_slurp(buf, f + CTRIO_F_OOM, "%s/memory%s/memory.oom_control", r, cg) == 0 &&
	    ctrio_kv_parse_buf(buf, "oom_kill", &o->oom_kill) == 0)
		o->has_oom = true;
	/* processes: the pids hierarchy's list, else cpu's */
	if (ctrio_count(&o->processes, buf, f + CTRIO_F_PROCS, "%s/pids%s/cgroup.procs", r, cg) ==
		    0 ||
	    ctrio_count(&o->processes, buf, f + CTRIO_F_PROCS_CPU, "%s/cpu%s/cgroup.procs", r,
			cg) == 0) {
		if (ctrio_slurp(buf, f + CTRIO_F_PIDS, "%s/pids%s/pids.current", r, cg) == 0 &&
		    ctrio_u64_parse_buf(buf, &v) == 0) {
			o->threads = v;
			o->has_pids = true;
		} else if (ctrio_count(&o->threads, buf, f + CTRIO_F_THREADS, "%s/cpu%s/tasks", r,
				       cg) == 0) {
			o->has_pids = true;
		}
	}
}

static void ctrio_read_v2(const char *dir, struct ctrio *o, char *buf, int *f)
{
	uint64_t v;

	if (ctrio_slurp(buf, f + CTRIO_F_CPU, "%s/cpu.stat", dir) == 0) {
		if (ctrio_cpu_parse_buf(2, buf, &o->cpu_ns) == 0)
			o->has_cpu = o->cpu_read = true;
		if (ctrio_kv_parse_buf(buf, "nr_periods", &o->nr_periods) == 0 &&
		    ctrio_kv_parse_buf(buf, "nr_throttled", &o->nr_throttled) == 0 &&
		    ctrio_kv_parse_buf(buf, "throttled_usec", &v) == 0) {
			o->throttled_ns = v * 1000;
			o->has_cfs = true;
		}
	}
	if (ctrio_slurp(buf, f + CTRIO_F_IOB, "%s/io.stat", dir) == 0 &&
	    ctrio_iostat_parse_buf(buf, o->dev, &o->ndev) == 0)
		o->has_io = true;
	if (ctrio_slurp(buf, f + CTRIO_F_OOM, "%s/memory.events", dir) == 0 &&
	    ctrio_kv_parse_buf(buf, "oom_kill", &o->oom_kill) == 0)
		o->has_oom = true;
	if (ctrio_count(&o->processes, buf, f + CTRIO_F_PROCS, "%s/cgroup.procs", dir) == 0) {
		if (ctrio_slurp(buf, f + CTRIO_F_PIDS, "%s/pids.current", dir) == 0 &&
		    ctrio_u64_parse_buf(buf, &v) == 0) {
			o->threads = v;
			o->has_pids = true;
		} else if (ctrio_count(&o->threads, buf, f + CTRIO_F_THREADS, "%s/cgroup.threads",
				       dir) == 0) {
			o->has_pids = true;
		}
	}
}

/* The cgroup directory of v2 (at the root, or under unified/ of a hybrid). */
static const char *const ctrio_v2_dirs[] = { "%s%s", "%s/unified%s" };

/* Where the cgroup's files are: 1 v1, 2 + i under ctrio_v2_dirs[i], 0 nowhere. */
static int ctrio_where(const char *root, const char *cgroup)
{
	if (ctrio_isdir("%s/cpuacct%s", root, cgroup))
		return 1;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(ctrio_v2_dirs); i++)
		if (ctrio_isdir(ctrio_v2_dirs[i], root, cgroup))
			return 2 + (int)i;
	return 0;
}

/* The cgroup's counters from where (ctrio_where) into out, its version set
 * when read (buf: scratch, f: the files' descriptors). */
static void ctrio_read_where(int where, const char *root, const char *cgroup, struct ctrio *out,
			     char *buf, int *f)
{
	char dir[PATH_MAX];

	if (where == 1) {
		out->version = 1;
		ctrio_read_v1(root, cgroup, out, buf, f);
	} else if (where >= 2 && (size_t)(where - 2) < UTIL_ARRAY_LEN(ctrio_v2_dirs)) {
		int n = snprintf(dir, sizeof(dir), ctrio_v2_dirs[where - 2], root, cgroup);

		if (n > 0 && (size_t)n < sizeof(dir)) {
			out->version = 2;
			ctrio_read_v2(dir, out, buf, f);
		}
	}
}

/* ctrio_read_kept() through sl, k's slot of the container (NULL: by path). */
static int ctrio_read_slot(struct ctrio_keep *k, struct cgfds_slot *sl,
			   const struct ctrio_roots *roots, const char *cgroup, int pid,
			   struct ctrio *out)
{
	const char *r = roots && roots->cgroup ? roots->cgroup : "/sys/fs/cgroup";
	const char *proc = roots && roots->proc ? roots->proc : "/proc";
	const char *sys = roots && roots->sys ? roots->sys : "/sys";
	char buf[CTRIO_BUF];
	int tmp[CTRIO_NF], *f = sl ? sl->fd : tmp; /* tmp: opened, read and closed */
	int ret = 0, where = sl ? sl->version : 0; /* 1: v1, 2: v2, 3: v2 under unified/ */

	memset(out, 0, sizeof(*out));
	if (!sl)
		for (int i = 0; i < CTRIO_NF; i++)
			tmp[i] = -1;
	if (sl && sl->pid != pid) { /* another process: maybe another namespace */
		if (f[CTRIO_F_NET] >= 0)
			close(f[CTRIO_F_NET]);
		f[CTRIO_F_NET] = -1;
		sl->pid = pid;
	}
	if (pid > 0 && ctrio_slurp(buf, f + CTRIO_F_NET, "%s/%d/net/dev", proc, pid) == 0 &&
	    ctrio_netdev_parse_buf(buf, out->ifs, &out->nif) == 0)
		out->has_net = true;
	if (!cgroup || cgroup[0] != '/' || strstr(cgroup, "/..")) {
		ret = -ENOENT;
		goto out;
	}
	if (where == 0)
		where = ctrio_where(r, cgroup);
	ctrio_read_where(where, r, cgroup, out, buf, f);
	if (!out->version)
		ret = -ENOENT;
	if (sl && !out->has_cpu) /* its cgroup went or moved: look it up afresh next time */
		cgfds_slot_reset(sl);
	else if (sl)
		sl->version = where;
	if (out->ndev)
		ctrio_dev_names(k, sys, out->dev, out->ndev, buf);
out:
	if (!sl)
		for (int i = 0; i < CTRIO_NF; i++)
			if (tmp[i] >= 0)
				close(tmp[i]);
	return ret;
}

int ctrio_read_kept(struct ctrio_keep *k, const struct ctrio_roots *roots, const char *id,
		    const char *cgroup, int pid, struct ctrio *out)
{
	return ctrio_read_slot(k, k && id ? cgfds_slot(k->fds, id) : NULL, roots, cgroup, pid, out);
}

int ctrio_read(const struct ctrio_roots *roots, const char *cgroup, int pid, struct ctrio *out)
{
	return ctrio_read_kept(NULL, roots, NULL, cgroup, pid, out);
}

int ctrio_read_snap(const struct ctrio_roots *roots, const struct snapshot *s, const char *id,
		    struct ctrio *out)
{
	const struct snap_ctr *sc = snapshot_find_ctr(s, id);
	int32_t pid = 0;

	memset(out, 0, sizeof(*out));
	if (!sc)
		return -ENOENT;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct snap_proc *p = &s->procs[i];

		if (p->ctr >= 0 && &s->ctrs[p->ctr] == sc && (!pid || p->pid < pid))
			pid = p->pid;
	}
	return ctrio_read(roots, sc->cgroup, pid, out);
}

/* The row's figures through keep: read when all or none are kept for its
 * container (then kept in its slot when store), else the kept ones (the
 * CPU time too: /metrics carries its counter on by the cycle's rate,
 * promexp.c, and a sample record carries none of them). */
static void ctrio_row(struct ctrio_keep *keep, const struct ctrio_roots *roots, const char *id,
		      const char *cgroup, int pid, bool all, bool store, struct ctrio *out)
{
	struct cgfds_slot *sl = keep ? cgfds_slot(keep->fds, id) : NULL;

	if (!all && sl && sl->data) {
		memcpy(out, sl->data, sizeof(*out));
		out->cpu_read = false;
		return;
	}
	(void)ctrio_read_slot(keep, sl, roots, cgroup, pid, out);
	if (keep)
		keep->reads++;
	if (!sl || (!store && !sl->data))
		return;
	if (!out->version && !out->has_net) { /* nothing found: read again next cycle */
		free(sl->data);
		sl->data = NULL;
		return;
	}
	if (!sl->data)
		sl->data = malloc(sizeof(*out)); /* NULL: read again next cycle */
	if (sl->data)
		memcpy(sl->data, out, sizeof(*out));
}

struct ctrio *ctrio_read_every(struct ctrio_keep *keep, const struct ctrio_roots *roots,
			       const struct cycle *c, uint64_t now_ns, uint64_t every_ns,
			       uint64_t interval_ns, bool *all)
{
	struct ctrio *io = calloc(c->nrows ? c->nrows : 1, sizeof(*io));
	int32_t *pid = calloc(c->cur.nctrs ? c->cur.nctrs : 1, sizeof(*pid));
	uint64_t due = every_ns > interval_ns / 2 ? every_ns - interval_ns / 2 : 0;

	*all = !keep || !keep->read_all_once || now_ns - keep->last_all_ns >= due;
	if (!io || !pid) {
		free(pid);
		free(io);
		return NULL;
	}
	if (keep && *all) {
		keep->read_all_once = true;
		keep->last_all_ns = now_ns;
	}
	for (size_t i = 0; i < c->cur.nprocs; i++) {
		const struct snap_proc *p = &c->cur.procs[i];

		if (p->ctr >= 0 && (size_t)p->ctr < c->cur.nctrs &&
		    (!pid[p->ctr] || p->pid < pid[p->ctr]))
			pid[p->ctr] = p->pid;
	}
	ctrio_keep_begin(keep);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct cycle_row *r = &c->rows[i];
		const struct snap_ctr *sc = r->dc ? snapshot_find_ctr(&c->cur, r->dc->id) : NULL;

		if (r->st && sc)
			ctrio_row(keep, roots, r->dc->id, sc->cgroup, pid[sc - c->cur.ctrs], *all,
				  every_ns > 0, &io[i]);
	}
	ctrio_keep_end(keep); /* the containers gone: their files close */
	free(pid);
	return io;
}

struct ctrio *ctrio_read_cycle(struct ctrio_keep *keep, const struct cycle *c)
{
	bool all;

	return ctrio_read_every(keep, NULL, c, 0, 0, 0, &all);
}
