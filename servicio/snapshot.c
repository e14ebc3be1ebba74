/*
 * snapshot.c — the snapshot model: appending processes, grouping them per
 * container (sorted, deduplicated, summed), lookups, freeing, and the
 * decoding of raw bytes that both sources share. It calls no source: the
 * sources (modsrc.c, procfs.c) fill a snapshot through it, and the facade
 * (metrics.c) chooses between them.
 */
#include "snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroupid.h"
#include "jsonesc.h"
#include "util.h"

/*
 * The string store: cmdlines and cgroup paths are short and mostly empty in
 * the cycle, so they are kept out of the process records (which are sorted
 * and kept for two snapshots) in chunks that are only appended to.
 */
#define SNAP_CHUNK 16384

struct snap_chunk {
	struct snap_chunk *next;
	size_t used, cap;
	char data[];
};

void snapshot_free(struct snapshot *s)
{
	struct snap_chunk *c = s->strs, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	free(s->procs);
	free(s->ctrs);
	memset(s, 0, sizeof(*s));
}

const char *snapshot_strdup(struct snapshot *s, const char *str, size_t n)
{
	struct snap_chunk *c = s->strs;
	char *out;

	if (n == 0)
		return "";
	if (!c || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > SNAP_CHUNK ? n + 1 : SNAP_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = s->strs;
		s->strs = c;
	}
	out = c->data + c->used;
	memcpy(out, str, n);
	out[n] = '\0';
	c->used += n + 1;
	return out;
}

struct snap_proc *snapshot_add_proc(struct snapshot *s)
{
	struct snap_proc *p;

	if (s->nprocs == s->procs_cap) {
		size_t ncap = s->procs_cap ? s->procs_cap * 2 : 256;
		struct snap_proc *n = realloc(s->procs, ncap * sizeof(*n));
		if (!n)
			return NULL;
		s->procs = n;
		s->procs_cap = ncap;
	}
	p = &s->procs[s->nprocs++];
	memset(p, 0, sizeof(*p));
	p->cmdline = "";
	p->cgroup = "";
	p->ctr = -1;
	return p;
}

static int snapshot_cmp_pid(const void *a, const void *b)
{
	const struct snap_proc *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int snapshot_cmp_ctr(const void *a, const void *b)
{
	const struct snap_ctr *x = a, *y = b;
	return strcmp(x->id, y->id);
}

/* The length of the container's directory at the start of a process's
 * cgroup path, 0 if unknown. */
static size_t snapshot_ctr_dir(const struct snap_proc *p)
{
	char id[GESTOR_CTR_ID_LEN + 1];
	size_t n;

	if (!p->cgroup[0] || !cgroupid_from_path(p->cgroup, id, &n) ||
	    strcmp(id, p->container_id) != 0 || n >= SNAP_CGROUP_MAX)
		return 0;
	return n;
}

/* Sort by pid; drop duplicate pids and, if asked, processes outside containers. */
static void snapshot_dedup_procs(struct snapshot *s, bool containers_only)
{
	size_t i, j;

	if (s->nprocs > 1)
		qsort(s->procs, s->nprocs, sizeof(*s->procs), snapshot_cmp_pid);
	for (i = 0, j = 0; i < s->nprocs; i++) {
		if (j > 0 && s->procs[j - 1].pid == s->procs[i].pid)
			continue;
		if (containers_only && !s->procs[i].container_id[0])
			continue;
		if (i != j)
			s->procs[j] = s->procs[i];
		j++;
	}
	s->nprocs = j;
}

/* s->ctrs: one per distinct container id of the processes, sorted by id,
 * sums zero. 0 or -ENOMEM. */
static int snapshot_make_ctrs(struct snapshot *s)
{
	struct snap_ctr *ctrs = NULL;
	size_t i, j, n = 0;

	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].container_id[0])
			n++;
	if (n) {
		ctrs = calloc(n, sizeof(*ctrs));
		if (!ctrs)
			return -ENOMEM;
		n = 0;
		for (i = 0; i < s->nprocs; i++)
			if (s->procs[i].container_id[0])
				memcpy(ctrs[n++].id, s->procs[i].container_id,
				       GESTOR_CTR_ID_LEN + 1);
		qsort(ctrs, n, sizeof(*ctrs), snapshot_cmp_ctr);
		for (i = 0, j = 0; i < n; i++) {
			if (j > 0 && strcmp(ctrs[j - 1].id, ctrs[i].id) == 0)
				continue;
			if (i != j)
				memcpy(ctrs[j].id, ctrs[i].id, sizeof(ctrs[j].id));
			j++;
		}
		n = j;
	}
	free(s->ctrs);
	s->ctrs = ctrs;
	s->nctrs = n;
	for (i = 0; i < n; i++)
		ctrs[i].cgroup = "";
	return 0;
}

/* Add process p to its container's sums (p->ctr set). 0 or -ENOMEM. */
static int snapshot_add_to_ctr(struct snapshot *s, struct snap_proc *p)
{
	struct snap_ctr *c;
	size_t dir;

	p->ctr = -1;
	if (!p->container_id[0])
		return 0;
	c = (struct snap_ctr *)snapshot_find_ctr(s, p->container_id);
	if (!c)
		return 0;
	p->ctr = (int32_t)(c - s->ctrs);
	c->nprocs++;
	c->rss_kb += p->rss_kb;
	c->vsz_kb += p->vsz_kb;
	c->cpu_time_ns += p->cpu_time_ns;
	if (c->nprocs == 1 || p->start_time_ns < c->start_time_ns)
		c->start_time_ns = p->start_time_ns;
	/* the directory is the start of the process's path: a prefix that
	 * ends at the path's end shares its string */
	if (!c->cgroup[0] && (dir = snapshot_ctr_dir(p)) > 0) {
		const char *d = p->cgroup[dir] ? snapshot_strdup(s, p->cgroup, dir) : p->cgroup;

		if (!d)
			return -ENOMEM;
		c->cgroup = d;
	}
	/* a process right in the container's directory (not a nested one) */
	if (!c->memcg_ino && p->memcg_ino && c->cgroup[0] && strcmp(p->cgroup, c->cgroup) == 0) {
		c->memcg_ino = p->memcg_ino;
		c->memcg_bytes = p->memcg_bytes;
	}
	return 0;
}

int snapshot_group(struct snapshot *s, bool containers_only)
{
	int ret;

	snapshot_dedup_procs(s, containers_only);
	ret = snapshot_make_ctrs(s);
	for (size_t i = 0; i < s->nprocs && ret == 0; i++)
		ret = snapshot_add_to_ctr(s, &s->procs[i]);
	return ret;
}

const struct snap_proc *snapshot_find_proc(const struct snapshot *s, int32_t pid)
{
	size_t lo = 0, hi = s->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->procs[mid].pid == pid)
			return &s->procs[mid];
		if (s->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct snap_ctr *snapshot_find_ctr(const struct snapshot *s, const char *id)
{
	size_t lo = 0, hi = s->nctrs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->ctrs[mid].id, id);
		if (c == 0)
			return &s->ctrs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t snapshot_decode_raw(const char *raw, size_t n, char *out, size_t cap)
{
	return jsonesc_decode(raw, n, false, false, out, cap);
}
