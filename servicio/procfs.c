/*
 * procfs.c — the procfs source: builds a snapshot from /proc (or a fixture
 * tree given as the root). One bounded read per file, pure parse functions,
 * files opened relative to the /proc root, processes outside containers
 * left after their cgroup when only containers matter, vanished processes
 * skipped. See procfs.h.
 */
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroupid.h"
#include "jsonesc.h"
#include "procskip.h"
#include "util.h"

#define NS_PER_SEC 1000000000ull

static uint64_t procfs_ticks_ns(uint64_t ticks, uint32_t hz)
{
	/* exact for hz dividing 1e9 (100, 250, 1000, ...) */
	if (hz == 0)
		return 0;
	return ticks * (NS_PER_SEC / hz) + (ticks % hz) * (NS_PER_SEC % hz) / hz;
}

/* Skip n space-separated fields starting at p. NULL when the line ends first. */
static const char *procfs_skip_fields(const char *p, int n)
{
	while (n-- > 0) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			return NULL;
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	while (*p == ' ')
		p++;
	return (*p && *p != '\n') ? p : NULL;
}

int procfs_parse_stat_buf(const char *buf, struct procfs_stat *out)
{
	const char *open, *close, *p;
	int64_t pid, ppid, threads, rss;
	uint64_t utime, stime, start, vsize;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (util_parse_i64(buf, NULL, 1, INT32_MAX, &pid) < 0)
		return -EINVAL;
	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (!open || !close || close < open)
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n >= sizeof(out->comm))
		n = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, n);
	out->comm[n] = '\0';
	/* after ") ": field 3 state, 4 ppid, 14 utime, 15 stime, 20
	 * num_threads, 22 starttime, 23 vsize, 24 rss */
	p = close + 1;
	if (*p != ' ' || !isalpha((unsigned char)p[1]) || (p[2] != ' '))
		return -EINVAL;
	out->state = p[1];
	p += 3;
	if (util_parse_i64(p, &p, 0, INT32_MAX, &ppid) < 0)
		return -EINVAL;
	/* 5 pgrp, 6 session, 7 tty_nr, 8 tpgid, 9 flags */
	if (!(p = procfs_skip_fields(p, 9 - 4 - 1)) ||
	    util_parse_u64(p, &p, UINT64_MAX, &out->flags) < 0)
		return -EINVAL;
	if (!(p = procfs_skip_fields(p, 14 - 9 - 1)) ||
	    util_parse_u64(p, &p, UINT64_MAX, &utime) < 0 ||
	    util_parse_u64(p, &p, UINT64_MAX, &stime) < 0)
		return -EINVAL;
	if (!(p = procfs_skip_fields(p, 20 - 15 - 1)) ||
	    util_parse_i64(p, &p, 0, INT32_MAX, &threads) < 0)
		return -EINVAL;
	if (!(p = procfs_skip_fields(p, 22 - 20 - 1)) ||
	    util_parse_u64(p, &p, UINT64_MAX, &start) < 0 ||
	    util_parse_u64(p, &p, UINT64_MAX, &vsize) < 0 ||
	    util_parse_i64(p, &p, INT64_MIN, INT64_MAX, &rss) < 0)
		return -EINVAL;
	out->pid = (int32_t)pid;
	out->ppid = (int32_t)ppid;
	out->utime = utime;
	out->stime = stime;
	out->num_threads = threads;
	out->starttime = start;
	out->vsize = vsize;
	out->rss_pages = rss;
	return 0;
}

int procfs_parse_statm_buf(const char *buf, uint64_t *size_pages, uint64_t *resident_pages)
{
	const char *p = buf;

	if (util_parse_u64(p, &p, UINT64_MAX, size_pages) < 0 || *p != ' ' ||
	    util_parse_u64(p, &p, UINT64_MAX, resident_pages) < 0)
		return -EINVAL;
	return 0;
}

/* The value after "key:" at the start of a line of buf, NULL when absent. */
static const char *procfs_field(const char *buf, const char *key)
{
	size_t kl = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ':')
			return p + kl + 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

int procfs_parse_status_buf(const char *buf, uint32_t *uid, uint32_t *threads)
{
	const char *u = procfs_field(buf, "Uid"), *t = procfs_field(buf, "Threads");
	uint64_t v;

	if (!u || !t)
		return -EINVAL;
	/* "Uid:\treal\teffective\tsaved\tfs": the module reports the effective one */
	if (util_parse_u64(u, &u, UINT32_MAX, &v) < 0 ||
	    util_parse_u64(u, NULL, UINT32_MAX, &v) < 0)
		return -EINVAL;
	*uid = (uint32_t)v;
	if (util_parse_u64(t, NULL, UINT32_MAX, &v) < 0)
		return -EINVAL;
	*threads = (uint32_t)v;
	return 0;
}

void procfs_parse_cmdline_buf(const char *buf, size_t len, char *out, size_t cap)
{
	char raw[PROCFS_CMDLINE_MAX];

	if (cap == 0)
		return;
	/* like the module: at most 256 raw bytes, trailing NULs dropped, the
	 * NULs between arguments become spaces, then decoded as it decodes */
	if (len > sizeof(raw))
		len = sizeof(raw);
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		raw[i] = buf[i] == '\0' ? ' ' : buf[i];
	snapshot_decode_raw(raw, len, out, cap);
}

int procfs_parse_meminfo_buf(const char *buf, struct snap_memory *out)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "MemTotal", offsetof(struct snap_memory, total_kb) },
		{ "MemFree", offsetof(struct snap_memory, free_kb) },
		{ "MemAvailable", offsetof(struct snap_memory, available_kb) },
		{ "Buffers", offsetof(struct snap_memory, buffers_kb) },
		{ "Cached", offsetof(struct snap_memory, cached_kb) },
		{ "SwapTotal", offsetof(struct snap_memory, swap_total_kb) },
		{ "SwapFree", offsetof(struct snap_memory, swap_free_kb) },
	};
	bool have_avail = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < UTIL_ARRAY_LEN(keys); i++) {
		const char *v = procfs_field(buf, keys[i].key);
		uint64_t x;

		if (!v) {
			if (i < 2)
				return -EINVAL;
			continue;
		}
		if (util_parse_u64(v, NULL, UINT64_MAX / 2, &x) < 0)
			return -EINVAL;
		*(uint64_t *)((char *)out + keys[i].off) = x;
		if (i == 2)
			have_avail = true;
	}
	if (!have_avail)
		out->available_kb = out->free_kb + out->buffers_kb + out->cached_kb;
	if (out->available_kb > out->total_kb)
		out->available_kb = out->total_kb;
	out->used_kb = out->total_kb - out->available_kb;
	return 0;
}

int procfs_parse_sysstat_buf(const char *buf, uint32_t hz, struct snap_cpu *out, uint32_t *cpus)
{
	uint64_t v[8] = { 0 };
	const char *p = buf;
	uint32_t n = 0;

	memset(out, 0, sizeof(*out));
	if (strncmp(p, "cpu ", 4) != 0)
		return -EINVAL;
	p += 4;
	for (int i = 0; i < 8; i++) {
		/* old kernels stop early: missing fields stay 0, but the first 4 must be there */
		if (util_parse_u64(p, &p, UINT64_MAX, &v[i]) < 0) {
			if (i < 4)
				return -EINVAL;
			break;
		}
	}
	out->user_ns = procfs_ticks_ns(v[0], hz);
	out->nice_ns = procfs_ticks_ns(v[1], hz);
	out->system_ns = procfs_ticks_ns(v[2], hz);
	out->idle_ns = procfs_ticks_ns(v[3], hz);
	out->iowait_ns = procfs_ticks_ns(v[4], hz);
	out->irq_ns = procfs_ticks_ns(v[5], hz);
	out->softirq_ns = procfs_ticks_ns(v[6], hz);
	out->steal_ns = procfs_ticks_ns(v[7], hz);
	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncmp(p, "cpu", 3) == 0 && isdigit((unsigned char)p[3]))
			n++;
	}
	*cpus = n ? n : 1;
	return 0;
}

int procfs_parse_uptime_buf(const char *buf, uint64_t *out_ns)
{
	uint64_t sec = 0, frac = 0, scale = NS_PER_SEC;
	const char *p = buf;

	if (util_parse_u64(p, &p, UINT64_MAX / NS_PER_SEC - 1, &sec) < 0)
		return -EINVAL;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p) && scale > 1) {
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
			p++;
		}
	}
	*out_ns = sec * NS_PER_SEC + frac;
	return 0;
}

void procfs_comm_as_module(char *name, bool kthread)
{
	if (!kthread)
		return;
	/* kworker/%d:%d[H] and kworker/u%d:%d never hold '-' or '+' themselves */
	if (strncmp(name, "kworker/", 8) == 0)
		name[8 + strcspn(name + 8, "-+")] = '\0';
	if (strlen(name) > 15)
		name[15] = '\0';
}

/* A read that found the process gone. */
static bool procfs_gone(ssize_t r)
{
	return r == -ENOENT || r == -ESRCH;
}

/* path holds "<pid>" (plen bytes, room for the longest file name): "<pid>/name". */
static const char *procfs_path(char *path, size_t plen, const char *name)
{
	path[plen] = '/';
	memcpy(path + plen + 1, name, strlen(name) + 1);
	return path;
}

/* str (n bytes) into the snapshot's string store, as *out. 0 or -ENOMEM. */
static int procfs_store(const struct procfs_pid_ctx *ctx, const char **out, const char *str,
			size_t n)
{
	const char *s = snapshot_strdup(ctx->store, str, n);

	if (!s)
		return -ENOMEM;
	*out = s;
	return 0;
}

/* The cgroup file at path into p: 0, PROCFS_NOT_IN_CTR (see procfs_read_pid), or -errno. */
static int procfs_read_cgroup(int rootfd, const char *path, const struct procfs_pid_ctx *ctx,
			      struct snap_proc *p)
{
	/* one byte more than the module keeps, to see that the path was cut */
	char buf[8192], raw[SNAP_RAW_MAX + 2], dec[SNAP_CGROUP_MAX];
	ssize_t r = util_read_once_at(rootfd, path, buf, sizeof(buf));
	size_t n;

	if (r < 0)
		return procfs_gone(r) ? -ESRCH : (int)r;
	cgroupid_from_file_buf(buf, p->container_id, raw, sizeof(raw));
	if (ctx->containers_only && !p->container_id[0])
		return PROCFS_NOT_IN_CTR;
	/* as the module writes it: cut at 256 raw bytes, a cut path marked */
	n = strlen(raw);
	n = jsonesc_decode(raw, n > SNAP_RAW_MAX ? SNAP_RAW_MAX : n, n > SNAP_RAW_MAX, true, dec,
			   sizeof(dec));
	return procfs_store(ctx, &p->cgroup, dec, n);
}

/* The container of the process at path (plen: the pid's part) into p: a
 * recent walk's reading (ctx->known_*) or its cgroup file. 0 or as
 * procfs_read_cgroup(). */
static int procfs_pid_cgroup(int rootfd, char *path, size_t plen, const struct procfs_pid_ctx *ctx,
			     struct snap_proc *p)
{
	int rc;

	if (!ctx->known_id || !ctx->known_cgroup)
		return procfs_read_cgroup(rootfd, procfs_path(path, plen, "cgroup"), ctx, p);
	rc = procfs_store(ctx, &p->cgroup, ctx->known_cgroup, strlen(ctx->known_cgroup));
	if (rc != 0)
		return rc;
	util_strlcpy(p->container_id, ctx->known_id, sizeof(p->container_id));
	return 0;
}

/* The figures of stat (st) into p. */
static void procfs_pid_stat(struct procfs_stat *st, const struct procfs_pid_ctx *ctx,
			    struct snap_proc *p)
{
	p->pid = st->pid;
	p->ppid = st->ppid;
	procfs_comm_as_module(st->comm, st->flags & PROCFS_PF_KTHREAD);
	snapshot_decode_raw(st->comm, strlen(st->comm), p->name, sizeof(p->name));
	p->state[0] = st->state;
	p->state[1] = '\0';
	p->threads = (uint32_t)st->num_threads;
	p->cpu_time_ns = procfs_ticks_ns(st->utime + st->stime, ctx->hz);
	p->start_time_ns = procfs_ticks_ns(st->starttime, ctx->hz);

	/* stat's vsize and rss are statm's size and resident (total_vm and
	 * get_mm_rss()): one file fewer per process */
	p->vsz_kb = st->vsize / 1024;
	p->rss_kb = st->rss_pages > 0 ? (uint64_t)st->rss_pages * ctx->page_kb : 0;
	/* two decimals, cut like the module's integer arithmetic */
	p->mem_pct = ctx->total_kb ? (double)(p->rss_kb * 10000 / ctx->total_kb) / 100.0 : 0.0;
}

/* status (uid, threads) and, but for a kernel thread, cmdline into p; buf
 * holds cap bytes. 0 or -errno (-ESRCH: the process is gone). */
static int procfs_pid_details(int rootfd, char *path, size_t plen, bool kthread,
			      const struct procfs_pid_ctx *ctx, struct snap_proc *p, char *buf,
			      size_t cap)
{
	char cmd[SNAP_CMDLINE_MAX];
	ssize_t r = util_read_once_at(rootfd, procfs_path(path, plen, "status"), buf, cap);

	if (r < 0)
		return procfs_gone(r) ? -ESRCH : (int)r;
	if (procfs_parse_status_buf(buf, &p->uid, &p->threads) < 0)
		return r == 0 ? -ESRCH : -EINVAL;
	/* kernel threads have no arguments (the module reports ""): skip the read */
	if (kthread)
		return 0;
	r = util_read_once_at(rootfd, procfs_path(path, plen, "cmdline"), buf,
			      PROCFS_CMDLINE_MAX + 1);
	if (r < 0)
		return procfs_gone(r) ? -ESRCH : (int)r;
	procfs_parse_cmdline_buf(buf, (size_t)r, cmd, sizeof(cmd));
	if ((r = procfs_store(ctx, &p->cmdline, cmd, strlen(cmd))) < 0)
		return (int)r;
	return 0;
}

int procfs_read_pid(int rootfd, const char *pid, const struct procfs_pid_ctx *ctx,
		    struct snap_proc *p)
{
	char buf[8192], path[32];
	struct procfs_stat st;
	size_t plen = strlen(pid);
	int64_t want;
	ssize_t r;
	int rc;

	if (plen + sizeof("/cmdline") > sizeof(path) ||
	    util_parse_i64(pid, NULL, 1, INT32_MAX, &want) < 0)
		return -EINVAL;
	/* procfs_path() appends "/<file>" and the terminator */
	memcpy(path, pid, plen); // NOLINT(bugprone-not-null-terminated-result): see above

	/* cgroup first: when only containers matter, a process outside one
	 * costs this one file; a recent walk's reading may stand for it */
	rc = procfs_pid_cgroup(rootfd, path, plen, ctx, p);
	if (rc != 0)
		return rc;

	r = util_read_once_at(rootfd, procfs_path(path, plen, "stat"), buf, sizeof(buf));
	if (r < 0)
		return procfs_gone(r) ? -ESRCH : (int)r;
	if (r == 0)
		return -ESRCH; /* reaped between open and read */
	if (procfs_parse_stat_buf(buf, &st) < 0 || st.pid != want)
		return -EINVAL;
	procfs_pid_stat(&st, ctx, p);
	if (!ctx->skip_details) {
		rc = procfs_pid_details(rootfd, path, plen, st.flags & PROCFS_PF_KTHREAD, ctx, p,
					buf, sizeof(buf));
		if (rc != 0)
			return rc;
	}

	if (ctx->now_ns > p->start_time_ns) {
		uint64_t age = ctx->now_ns - p->start_time_ns;
		/* hundredths of a percent, cut like the module's */
		p->cpu_pct = p->cpu_time_ns <= UINT64_MAX / 10000
				     ? (double)(p->cpu_time_ns * 10000 / age) / 100.0
				     : (double)p->cpu_time_ns * 100.0 / (double)age;
	}
	return 0;
}

static bool procfs_is_pid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int procfs_snapshot(const char *root, struct snapshot *out, char *err, size_t errlen)
{
	return procfs_snapshot_opts(root, NULL, out, err, errlen);
}

/* The system-wide files: meminfo, stat, and uptime (for a root that is not
 * the live /proc, whose boot time is the clock's). 0 or -errno with err. */
static int procfs_read_system(int rootfd, const char *root, bool live, struct snapshot *out,
			      char *err, size_t errlen)
{
	char buf[16384];
	ssize_t r;

	r = util_read_file_at(rootfd, "meminfo", buf, sizeof(buf));
	if (r < 0 || procfs_parse_meminfo_buf(buf, &out->mem) < 0) {
		snprintf(err, errlen, "%s/meminfo: %s", root,
			 r < 0 ? strerror((int)-r) : "malformed (no MemTotal/MemFree)");
		return r < 0 ? (int)r : -EINVAL;
	}
	r = util_read_file_at(rootfd, "stat", buf, sizeof(buf));
	if (r < 0 || procfs_parse_sysstat_buf(buf, out->hz, &out->cpu, &out->cpus) < 0) {
		snprintf(err, errlen, "%s/stat: %s", root,
			 r < 0 ? strerror((int)-r) : "malformed (no cpu line)");
		return r < 0 ? (int)r : -EINVAL;
	}
	if (live) {
		out->boottime_ns = util_boot_ns();
		return 0;
	}
	r = util_read_file_at(rootfd, "uptime", buf, sizeof(buf));
	if (r < 0 || procfs_parse_uptime_buf(buf, &out->boottime_ns) < 0) {
		snprintf(err, errlen, "%s/uptime: %s", root,
			 r < 0 ? strerror((int)-r) : "malformed");
		return r < 0 ? (int)r : -EINVAL;
	}
	return 0;
}

/* One pid directory of the walk: skipped, reused or read into a new process. */
static int procfs_walk_one(int rootfd, const struct dirent *de, struct procfs_pid_ctx *ctx,
			   struct procskip *sk, bool live, struct snapshot *out)
{
	struct procskip_where mc;
	struct snap_proc *p;
	uint64_t pid = 0;
	bool known = false;
	int ret;

	if (sk && util_parse_u64(de->d_name, NULL, UINT32_MAX, &pid) == 0) {
		if (procskip_skip_out(sk, (uint32_t)pid, (uint64_t)de->d_ino))
			return 0;
		known = procskip_known(sk, (uint32_t)pid, (uint64_t)de->d_ino, &mc);
	}
	p = snapshot_add_proc(out);
	if (!p)
		return -ENOMEM;
	ctx->known_id = known ? mc.id : NULL;
	ctx->known_cgroup = known ? mc.cgroup : NULL;
	ret = procfs_read_pid(rootfd, de->d_name, ctx, p);
	ctx->known_id = ctx->known_cgroup = NULL; /* mc ends here */
	if (sk && pid && ret == PROCFS_NOT_IN_CTR)
		procskip_note_out(sk, (uint32_t)pid, (uint64_t)de->d_ino);
	else if (sk && pid && ret == 0 && p->container_id[0])
		procskip_note_in(sk, (uint32_t)pid, (uint64_t)de->d_ino, p->container_id, p->cgroup,
				 known);
	if (live)
		p->sample_ns = util_boot_ns();
	/* outside a container when only containers matter, vanished, or a
	 * file we cannot read or parse: skip it */
	if (ret != 0)
		out->nprocs--;
	return 0;
}

/* Every pid directory of dir (the /proc open as rootfd). 0 or -errno. */
static int procfs_walk(DIR *dir, int rootfd, const char *root, struct procfs_pid_ctx *ctx,
		       struct procskip *sk, bool live, struct snapshot *out, char *err,
		       size_t errlen)
{
	struct dirent *de;
	int ret = 0;

	if (sk)
		procskip_begin(sk);
	while (ret == 0 && (errno = 0, de = readdir(dir)) != NULL)
		if (procfs_is_pid(de->d_name))
			ret = procfs_walk_one(rootfd, de, ctx, sk, live, out);
	if (ret == 0 && errno != 0) {
		ret = -errno;
		snprintf(err, errlen, "reading %s: %s", root, strerror(-ret));
	} else if (ret) {
		snprintf(err, errlen, "out of memory");
	}
	if (sk)
		procskip_end(sk); /* what this walk saw; the rest is read next time */
	return ret;
}

int procfs_snapshot_opts(const char *root, const struct procfs_opts *opts, struct snapshot *out,
			 char *err, size_t errlen)
{
	struct procfs_pid_ctx ctx = { 0 };
	int rootfd = -1, ret;
	DIR *dir = NULL;
	bool live;
	long hz_l = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);

	if (!root)
		root = SNAP_PROC_ROOT;
	live = strcmp(root, SNAP_PROC_ROOT) == 0;
	memset(out, 0, sizeof(*out));
	ctx.store = out;
	out->source = SNAP_SRC_PROCFS;
	out->version = SNAP_FORMAT_VERSION;
	out->hz = hz_l > 0 ? (uint32_t)hz_l : 100;
	out->timestamp_ns = util_real_ns();

	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", root, strerror(-ret));
		goto err;
	}
	ret = procfs_read_system(rootfd, root, live, out, err, errlen);
	if (ret < 0)
		goto err;
	ctx.hz = out->hz;
	ctx.page_kb = page > 0 ? (uint64_t)page / 1024 : 4;
	ctx.total_kb = out->mem.total_kb;
	ctx.now_ns = out->boottime_ns;
	ctx.containers_only = opts && opts->containers_only;
	ctx.skip_details = opts && opts->skip_details;
	dir = fdopendir(dup(rootfd));
	if (!dir) {
		ret = -errno;
		snprintf(err, errlen, "cannot list %s: %s", root, strerror(-ret));
		goto err;
	}
	ret = procfs_walk(dir, rootfd, root, &ctx, ctx.containers_only ? opts->skip : NULL, live,
			  out, err, errlen);
	if (ret < 0)
		goto err;
	closedir(dir);
	close(rootfd);
	ret = snapshot_group(out, ctx.containers_only);
	if (ret < 0) {
		snprintf(err, errlen, "out of memory");
		snapshot_free(out);
	}
	return ret;
err:
	if (dir)
		closedir(dir);
	if (rootfd >= 0)
		close(rootfd);
	snapshot_free(out);
	return ret;
}

/* The procfs source's state: the /proc to walk and what to read of it. */
struct procfs_state {
	char *root; /* NULL: the live /proc */
	struct procfs_opts opts; /* opts.skip owned here */
};

static void procfs_src_close(void *state)
{
	struct procfs_state *st = state;

	if (!st)
		return;
	procskip_free(st->opts.skip);
	free(st->root);
	free(st);
}

static int procfs_src_open(const struct metrics_config *cfg, bool forced, void **state, char *why,
			   size_t whylen)
{
	struct procfs_state *st = calloc(1, sizeof(*st));

	*state = NULL;
	if (!st || (cfg->proc_root && !(st->root = strdup(cfg->proc_root)))) {
		free(st);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	st->opts.containers_only = cfg->containers_only;
	st->opts.skip_details = cfg->skip_details;
	/* NULL (no memory for it): every process read every time */
	st->opts.skip = cfg->containers_only ? procskip_new(0) : NULL;
	*state = st;
	/* auto: nothing to add to "...: using procfs" */
	snprintf(why, whylen, "%s", forced ? "procfs forced by configuration" : "");
	return 0;
}

static int procfs_src_take(void *state, struct snapshot *out, char *err, size_t errlen)
{
	const struct procfs_state *st = state;

	return procfs_snapshot_opts(st->root, &st->opts, out, err, errlen);
}

static void procfs_src_saved(const void *state, size_t *skipped, size_t *reused)
{
	const struct procfs_state *st = state;

	*skipped = procskip_skipped(st->opts.skip);
	*reused = procskip_reused(st->opts.skip);
}

const struct metrics_src procfs_src = {
	.id = SNAP_SRC_PROCFS,
	.name = "procfs",
	.open = procfs_src_open,
	.take = procfs_src_take,
	.close = procfs_src_close,
	.saved = procfs_src_saved,
};
