/*
 * ctrstats.c — CPU rates between two snapshots and per-container figures:
 * process matching by pid + start time, container CPU % from the sum of its
 * processes' cpu_time_ns deltas, system CPU %, and the cgroup memory usage as
 * docker stats computes it (usage minus inactive file pages). See ctrstats.h.
 */
#include "ctrstats.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

bool ctrstats_sys_cpu(const struct snap_cpu *prev, const struct snap_cpu *cur, double *pct)
{
	uint64_t pidle = prev->idle_ns + prev->iowait_ns, cidle = cur->idle_ns + cur->iowait_ns;
	uint64_t pbusy = prev->user_ns + prev->nice_ns + prev->system_ns + prev->irq_ns +
			 prev->softirq_ns + prev->steal_ns;
	uint64_t cbusy = cur->user_ns + cur->nice_ns + cur->system_ns + cur->irq_ns +
			 cur->softirq_ns + cur->steal_ns;
	uint64_t dbusy, didle;

	/* a counter going backwards (iowait may, on some kernels) counts as 0 */
	dbusy = cbusy > pbusy ? cbusy - pbusy : 0;
	didle = cidle > pidle ? cidle - pidle : 0;
	if (dbusy + didle == 0)
		return false;
	*pct = 100.0 * (double)dbusy / (double)(dbusy + didle);
	return true;
}

int ctrstats_parse_memstat_buf(const char *buf, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
			return util_parse_u64(p + kl, NULL, UINT64_MAX, out) < 0 ? -EINVAL : 0;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

/* The files read of a memory cgroup directory. */
enum { CG_USAGE, CG_MAX, CG_STAT, CG_NFILES };

/* File i of a v1 or v2 directory; NULL when that version has none (v1's limit
 * comes from memory.stat). */
static const char *ctrstats_cg_file(int version, int i)
{
	static const char *const v1[CG_NFILES] = { "memory.usage_in_bytes", NULL, "memory.stat" };
	static const char *const v2[CG_NFILES] = { "memory.current", "memory.max", "memory.stat" };

	return version == 1 ? v1[i] : v2[i];
}

/* "<dir>/<file i>" into path; false when it does not fit or the version has no such file. */
static bool ctrstats_cg_path(char *path, size_t cap, const char *dir, int version, int i)
{
	const char *f = ctrstats_cg_file(version, i);
	int n = f ? snprintf(path, cap, "%s/%s", dir, f) : -1;

	return n >= 0 && (size_t)n < cap;
}

/*
 * Read file i of dir into buf (NUL-terminated): by its full path, or, with
 * fds, from the descriptor kept open (a read at offset 0 makes the kernel
 * format the file afresh). -errno on failure.
 */
static ssize_t ctrstats_cg_read(const char *dir, const int *fds, int version, int i, char *buf,
				size_t cap)
{
	char path[SNAP_CGROUP_MAX + 96];

	if (fds) {
		ssize_t r = pread(fds[i], buf, cap - 1, 0);

		if (r < 0)
			return -errno;
		buf[r] = '\0';
		return r;
	}
	if (!ctrstats_cg_path(path, sizeof(path), dir, version, i))
		return -ENAMETOOLONG;
	return util_read_once_at(AT_FDCWD, path, buf, cap);
}

/* A number file's contents (or "max" when is_max is given). 0 or -EINVAL. */
static int ctrstats_cg_num(const char *buf, uint64_t *out, bool *is_max)
{
	if (is_max)
		*is_max = strncmp(buf, "max", 3) == 0;
	if (is_max && *is_max) {
		*out = UINT64_MAX;
		return 0;
	}
	return util_parse_u64(buf, NULL, UINT64_MAX, out) < 0 ? -EINVAL : 0;
}

/*
 * Read one directory as v1 (version 1) or v2 (version 2), by path or from
 * fds (see ctrstats_cg_read). On v1 the limit comes from memory.stat's
 * hierarchical_memory_limit (the effective limit, the container's own unless
 * a parent's is lower), so v1 reads two files; v2 reads memory.max as the
 * third.
 */
static int ctrstats_try_dir(const char *dir, int version, const int *fds, uint64_t ram_bytes,
			    struct ctr_cgmem *out)
{
	char buf[8192];
	uint64_t raw, limit = UINT64_MAX, inactive = 0;
	bool is_max = false;
	ssize_t r;
	int ret;

	r = ctrstats_cg_read(dir, fds, version, CG_USAGE, buf, 64);
	if (r < 0)
		return (int)r;
	ret = ctrstats_cg_num(buf, &raw, NULL);
	if (ret < 0)
		return ret;
	if (version == 2 && (ctrstats_cg_read(dir, fds, version, CG_MAX, buf, 64) < 0 ||
			     ctrstats_cg_num(buf, &limit, &is_max) < 0))
		limit = UINT64_MAX;
	r = ctrstats_cg_read(dir, fds, version, CG_STAT, buf, sizeof(buf));
	if (r >= 0) {
		ret = ctrstats_parse_memstat_buf(
			buf, version == 1 ? "total_inactive_file" : "inactive_file", &inactive);
		if (ret == -EINVAL)
			return ret;
		if (version == 1 &&
		    ctrstats_parse_memstat_buf(buf, "hierarchical_memory_limit", &limit) < 0)
			limit = UINT64_MAX;
	} else if (fds) {
		return (int)r; /* a kept descriptor that fails: the cgroup went away */
	}
	memset(out, 0, sizeof(*out));
	out->version = version;
	out->raw = raw;
	out->inactive_file = inactive;
	out->usage = raw > inactive ? raw - inactive : 0;
	/* v1 "unlimited" is a huge page-aligned number; docker caps at the RAM */
	out->limit = (limit == 0 || limit > ram_bytes) ? ram_bytes : limit;
	util_strlcpy(out->dir, dir, sizeof(out->dir));
	return 0;
}

int ctrstats_read_cgmem(const char *root, const char *cgroup_dir, const char *id,
			uint64_t ram_bytes, struct ctr_cgmem *out)
{
	static const char *const v1[] = { "%s/memory/docker/%s",
					  "%s/memory/system.slice/docker-%s.scope" };
	static const char *const v2[] = { "%s/system.slice/docker-%s.scope", "%s/docker/%s",
					  "%s/unified/system.slice/docker-%s.scope",
					  "%s/unified/docker/%s" };
	char dir[SNAP_CGROUP_MAX + 64];
	const char *sub = cgroup_dir ? cgroup_dir : "";
	int ret, worst = -ENOENT;

	if (!root)
		root = CTRSTATS_CGROUP_ROOT;
	/* the directory the processes are in: the v1 memory hierarchy, the v2
	 * root, hybrid's unified; then Docker's usual places for the id */
	if (sub[0]) {
		static const char *const fmts[] = { "%s/memory%s", "%s%s", "%s/unified%s" };
		for (size_t i = 0; i < UTIL_ARRAY_LEN(fmts); i++) {
			snprintf(dir, sizeof(dir), fmts[i], root, sub);
			ret = ctrstats_try_dir(dir, i == 0 ? 1 : 2, NULL, ram_bytes, out);
			if (ret == 0)
				return 0;
			if (ret == -EINVAL)
				worst = ret;
		}
	}
	if (id && util_is_hex(id, SNAP_CTR_ID_LEN)) {
		for (size_t i = 0; i < UTIL_ARRAY_LEN(v1) + UTIL_ARRAY_LEN(v2); i++) {
			bool is_v1 = i < UTIL_ARRAY_LEN(v1);
			snprintf(dir, sizeof(dir), is_v1 ? v1[i] : v2[i - UTIL_ARRAY_LEN(v1)], root,
				 id);
			ret = ctrstats_try_dir(dir, is_v1 ? 1 : 2, NULL, ram_bytes, out);
			if (ret == 0)
				return 0;
			if (ret == -EINVAL)
				worst = ret;
		}
	}
	return worst;
}

/* A container whose memory files stay open from cycle to cycle. */
struct ctrstats_fds_ent {
	char id[SNAP_CTR_ID_LEN + 1];
	char dir[SNAP_CGROUP_MAX + 64];
	int version;
	int fd[CG_NFILES]; /* -1 for a file the version does not read */
	uint64_t seen; /* the last computation that found the container */
};

struct ctrstats_fds {
	struct ctrstats_fds_ent *ents;
	size_t n;
	uint64_t gen;
};

struct ctrstats_fds *ctrstats_fds_new(void)
{
	return calloc(1, sizeof(struct ctrstats_fds));
}

static void ctrstats_fds_close(struct ctrstats_fds_ent *e)
{
	for (int i = 0; i < CG_NFILES; i++)
		if (e->fd[i] >= 0)
			close(e->fd[i]);
}

/* Close the files of the containers the computation numbered gen did not see. */
static void ctrstats_fds_sweep(struct ctrstats_fds *c, uint64_t gen)
{
	size_t k = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (c->ents[i].seen == gen)
			c->ents[k++] = c->ents[i];
		else
			ctrstats_fds_close(&c->ents[i]);
	}
	c->n = k;
}

void ctrstats_fds_free(struct ctrstats_fds *c)
{
	if (!c)
		return;
	ctrstats_fds_sweep(c, c->gen + 1);
	free(c->ents);
	free(c);
}

size_t ctrstats_fds_size(const struct ctrstats_fds *c)
{
	return c ? c->n : 0;
}

/* Open the files of m->dir and keep them for id; quietly nothing when that fails. */
static void ctrstats_fds_add(struct ctrstats_fds *c, const char *id, const struct ctr_cgmem *m)
{
	struct ctrstats_fds_ent e = { .version = m->version, .seen = c->gen };
	struct ctrstats_fds_ent *grown;

	if (c->n >= CTRSTATS_FDS_MAX)
		return;
	for (int i = 0; i < CG_NFILES; i++)
		e.fd[i] = -1; /* ctrstats_fds_close() closes only what was opened */
	util_strlcpy(e.id, id, sizeof(e.id));
	util_strlcpy(e.dir, m->dir, sizeof(e.dir));
	for (int i = 0; i < CG_NFILES; i++) {
		char path[SNAP_CGROUP_MAX + 96];

		if (!ctrstats_cg_file(m->version, i))
			continue;
		if (!ctrstats_cg_path(path, sizeof(path), m->dir, m->version, i) ||
		    (e.fd[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			ctrstats_fds_close(&e);
			return;
		}
	}
	grown = realloc(c->ents, (c->n + 1) * sizeof(*grown));
	if (!grown) {
		ctrstats_fds_close(&e);
		return;
	}
	c->ents = grown;
	c->ents[c->n++] = e;
}

/* ctrstats_read_cgmem() through the kept descriptors of c when it has them. */
static int ctrstats_cgmem_kept(struct ctrstats_fds *c, const char *root, const char *cgroup_dir,
			       const char *id, uint64_t ram_bytes, struct ctr_cgmem *out)
{
	int ret;

	for (size_t i = 0; i < c->n; i++) {
		struct ctrstats_fds_ent *e = &c->ents[i];

		if (strcmp(e->id, id) != 0)
			continue;
		if (ctrstats_try_dir(e->dir, e->version, e->fd, ram_bytes, out) == 0) {
			e->seen = c->gen;
			return 0;
		}
		/* gone or moved: forget it, look again below */
		ctrstats_fds_close(e);
		c->ents[i] = c->ents[--c->n];
		break;
	}
	ret = ctrstats_read_cgmem(root, cgroup_dir, id, ram_bytes, out);
	if (ret == 0)
		ctrstats_fds_add(c, id, out);
	return ret;
}

void ctrstats_free(struct ctrstats *st)
{
	free(st->proc_cpu_pct);
	free(st->ctrs);
	memset(st, 0, sizeof(*st));
}

int ctrstats_compute(const struct snapshot *prev, const struct snapshot *cur,
		     const struct ctrstats_opts *opts, struct ctrstats *out, char *err,
		     size_t errlen)
{
	const char *cgroot = opts && opts->cgroup_root ? opts->cgroup_root : CTRSTATS_CGROUP_ROOT;
	struct ctrstats_fds *fds = opts && cgroot[0] ? opts->fds : NULL;
	uint64_t ram = cur->mem.total_kb * 1024;
	bool rates;
	double dt = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (fds)
		fds->gen++;
	if (prev && prev->boottime_ns > cur->boottime_ns) {
		snprintf(err, errlen, "previous snapshot is newer than the current one");
		return -EINVAL;
	}
	rates = prev && prev->source == cur->source && cur->boottime_ns > prev->boottime_ns;
	if (rates) {
		out->interval_ns = cur->boottime_ns - prev->boottime_ns;
		dt = (double)out->interval_ns;
		out->has_sys_cpu = ctrstats_sys_cpu(&prev->cpu, &cur->cpu, &out->sys_cpu_pct);
	}
	if (cur->nprocs) {
		out->proc_cpu_pct = malloc(cur->nprocs * sizeof(double));
		if (!out->proc_cpu_pct)
			goto nomem;
	}
	if (cur->nctrs) {
		out->ctrs = calloc(cur->nctrs, sizeof(*out->ctrs));
		if (!out->ctrs)
			goto nomem;
	}
	out->nctrs = cur->nctrs;
	for (size_t i = 0; i < cur->nctrs; i++) {
		struct ctr_stat *cs = &out->ctrs[i];
		const struct snap_ctr *sc = &cur->ctrs[i];

		memcpy(cs->id, sc->id, sizeof(cs->id));
		cs->procs = sc->nprocs;
		cs->rss_kb = sc->rss_kb;
		cs->cpu_time_ns = sc->cpu_time_ns;
		cs->has_cpu = rates && snapshot_find_ctr(prev, sc->id) != NULL;
	}
	for (size_t i = 0; i < cur->nprocs; i++) {
		const struct snap_proc *p = &cur->procs[i], *q;
		double pdt = dt, pct;
		bool known;

		out->proc_cpu_pct[i] = NAN;
		if (!rates)
			continue;
		q = snapshot_find_proc(prev, p->pid);
		known = q && q->start_time_ns == p->start_time_ns &&
			p->cpu_time_ns >= q->cpu_time_ns;
		if (known) {
			/* each process over the time between its own two reads when
			 * the source says (a procfs walk takes a while) */
			if (p->sample_ns && q->sample_ns && p->sample_ns > q->sample_ns)
				pdt = (double)(p->sample_ns - q->sample_ns);
			pct = 100.0 * (double)(p->cpu_time_ns - q->cpu_time_ns) / pdt;
			out->proc_cpu_pct[i] = pct;
		} else if (p->start_time_ns > prev->boottime_ns) {
			/* born during the interval: all its CPU time is in it */
			pct = 100.0 * (double)p->cpu_time_ns / dt;
		} else {
			/* older than the previous snapshot but not in it (moved into
			 * the container, or missed): nothing to subtract from */
			continue;
		}
		if (p->ctr >= 0 && out->ctrs[p->ctr].has_cpu)
			out->ctrs[p->ctr].cpu_pct += pct;
	}
	for (size_t i = 0; i < out->nctrs; i++) {
		struct ctr_stat *cs = &out->ctrs[i];

		cs->mem_kb = cs->rss_kb;
		if (!cgroot[0])
			continue;
		ret = fds ? ctrstats_cgmem_kept(fds, cgroot, cur->ctrs[i].cgroup, cs->id, ram,
						&cs->mem)
			  : ctrstats_read_cgmem(cgroot, cur->ctrs[i].cgroup, cs->id, ram, &cs->mem);
		if (ret == 0) {
			cs->has_mem = true;
			cs->mem_kb = cs->mem.usage / 1024;
			cs->mem_pct = cs->mem.limit ? 100.0 * (double)cs->mem.usage /
							      (double)cs->mem.limit
						    : 0;
		} else if (ram) {
			cs->mem_pct = 100.0 * (double)cs->rss_kb * 1024.0 / (double)ram;
		}
	}
	if (fds)
		ctrstats_fds_sweep(fds, fds->gen); /* containers gone: their files close */
	return 0;
nomem:
	ctrstats_free(out);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

const struct ctr_stat *ctrstats_find(const struct ctrstats *st, const char *id)
{
	size_t n = strlen(id);

	if (n < 12 || n > SNAP_CTR_ID_LEN)
		return NULL;
	for (size_t i = 0; i < st->nctrs; i++)
		if (strncmp(st->ctrs[i].id, id, n) == 0)
			return &st->ctrs[i];
	return NULL;
}
