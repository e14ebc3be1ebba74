/*
 * cgfds.c — the memory cgroup files of the containers of the last cycle,
 * kept open from one cycle to the next and read again at offset 0 (see
 * cgfds.h). The entries are sorted by container id at the end of each
 * cycle, so a cycle finds each container's files by binary search; the
 * ones added during a cycle are appended and sorted in at its end.
 */
#include "cgfds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* A container whose memory files stay open from cycle to cycle. */
struct cgfds_ent {
	char id[GESTOR_CTR_ID_LEN + 1];
	struct cgfds_slot
		s; /* memory: fd[0..CGMEM_NFILES), -1 for a file the version does not read */
	uint64_t seen; /* the last cycle that found the container */
	struct cgmem last; /* the figures of the last full read (version 0: none) */
	uint64_t last_ns; /* when it was made (util_mono_ns) */
	uint64_t ino; /* the memory directory's inode number (0: not known) */
	uint64_t given_gen; /* the last cycle whose usage was given (cgfds_given) */
	/* cgfds_prefetch's outcome for cycle pre_gen (0: none): cgfds_kept_read's
	 * return and figures, the RAM cap not applied */
	uint64_t pre_gen;
	int pre_ret;
	struct cgmem pre;
};

struct cgfds {
	struct cgfds_ent *ents;
	size_t n, sorted, cap; /* ents[0..sorted) are in id order */
	size_t max; /* containers kept at most (CGFDS_MAX, or fewer by the fd limit) */
	uint64_t gen;
	uint64_t stat_every_ns; /* cgfds_stat_every(); 0: memory.stat every time */
	size_t reused; /* memory.stat figures taken again in this cycle */
	size_t given; /* usages given in this cycle */
};

struct cgfds *cgfds_new_n(size_t nfd, size_t reserve)
{
	struct cgfds *c = calloc(1, sizeof(*c));
	struct rlimit rl;

	if (!c)
		return NULL;
	if (nfd == 0 || nfd > CGFDS_NFD)
		nfd = CGFDS_NFD;
	/* leave room for everything else the process opens (sockets, spool) */
	c->max = CGFDS_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		c->max = rl.rlim_cur > reserve + CGFDS_MAX * nfd
				 ? CGFDS_MAX
				 : (rl.rlim_cur > reserve ? (size_t)(rl.rlim_cur - reserve) / nfd
							  : 0);
	return c;
}

struct cgfds *cgfds_new(void)
{
	return cgfds_new_n(CGMEM_NFILES, 256);
}

void cgfds_slot_reset(struct cgfds_slot *s)
{
	for (int i = 0; i < CGFDS_NFD; i++) {
		if (s->fd[i] >= 0)
			close(s->fd[i]);
		s->fd[i] = -1;
	}
	s->version = 0;
}

static void cgfds_close(struct cgfds_ent *e)
{
	cgfds_slot_reset(&e->s);
	free(e->s.data);
	e->s.data = NULL;
}

static int cgfds_cmp(const void *a, const void *b)
{
	const struct cgfds_ent *x = a, *y = b;

	return strcmp(x->id, y->id);
}

/* Close the files of the containers cycle gen did not see; sort the rest. */
static void cgfds_sweep(struct cgfds *c, uint64_t gen)
{
	size_t k = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (c->ents[i].seen == gen)
			c->ents[k++] = c->ents[i];
		else
			cgfds_close(&c->ents[i]);
	}
	c->n = k;
	if (c->n > 1) /* with no container in scope ents is NULL: qsort(NULL) is UB */
		qsort(c->ents, c->n, sizeof(*c->ents), cgfds_cmp);
	c->sorted = c->n;
}

void cgfds_free(struct cgfds *c)
{
	if (!c)
		return;
	cgfds_sweep(c, c->gen + 1);
	free(c->ents);
	free(c);
}

size_t cgfds_size(const struct cgfds *c)
{
	return c ? c->n : 0;
}

void cgfds_begin(struct cgfds *c)
{
	c->gen++;
	c->reused = c->given = 0;
}

void cgfds_stat_every(struct cgfds *c, uint64_t ns)
{
	c->stat_every_ns = ns;
}

size_t cgfds_stat_reused(const struct cgfds *c)
{
	return c ? c->reused : 0;
}

size_t cgfds_usage_given(const struct cgfds *c)
{
	return c ? c->given : 0;
}

void cgfds_end(struct cgfds *c)
{
	cgfds_sweep(c, c->gen);
}

static struct cgfds_ent *cgfds_push(struct cgfds *c, struct cgfds_ent *e);

/* Open the files of dir and keep them for id; quietly nothing when that fails. */
static void cgfds_add(struct cgfds *c, const char *id, const char *dir, const struct cgmem *m)
{
	struct cgfds_ent e = {
		.s.version = m->version, .seen = c->gen, .last = *m, .last_ns = util_mono_ns()
	};
	struct stat st;

	if (c->n >= c->max)
		return;
	if (stat(dir, &st) == 0)
		e.ino = st.st_ino;
	for (int i = 0; i < CGFDS_NFD; i++)
		e.s.fd[i] = -1; /* cgfds_close() closes only what was opened */
	util_strlcpy(e.id, id, sizeof(e.id));
	for (int i = 0; i < CGMEM_NFILES; i++) {
		char path[CGMEM_DIR_MAX + 32];

		if (!cgmem_file(m->version, i))
			continue;
		if (!cgmem_path(path, sizeof(path), dir, m->version, i) ||
		    (e.s.fd[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			cgfds_close(&e);
			return;
		}
	}
	(void)cgfds_push(c, &e);
}

/* Append e (its descriptors then owned by c); NULL (e closed) when out of memory. */
static struct cgfds_ent *cgfds_push(struct cgfds *c, struct cgfds_ent *e)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct cgfds_ent *grown = realloc(c->ents, cap * sizeof(*grown));

		if (!grown) {
			cgfds_close(e);
			return NULL;
		}
		c->ents = grown;
		c->cap = cap;
	}
	c->ents[c->n] = *e;
	return &c->ents[c->n++];
}

/* The kept entry of id, NULL when none (binary search of the sorted part). */
static struct cgfds_ent *cgfds_find(struct cgfds *c, const char *id)
{
	size_t lo = 0, hi = c->sorted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(c->ents[mid].id, id);

		if (r == 0)
			return c->ents[mid].seen == UINT64_MAX ? NULL : &c->ents[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * The memory of a kept entry through its descriptors (the directory is not
 * read by path), its usage the one given when not NULL: the last full
 * read's figures again while the usage stands still and they are younger
 * than stat_every_ns (1), else a full read, remembered (0); -errno when a
 * descriptor fails (the cgroup went). The figures kept may carry an
 * uncapped limit (a prefetch reads with no RAM figure): cgfds_read() caps
 * what it hands out.
 */
static int cgfds_kept_read(const struct cgfds *c, struct cgfds_ent *e, uint64_t ram_bytes,
			   const uint64_t *given, struct cgmem *out)
{
	uint64_t now = util_mono_ns();
	bool fresh = c->stat_every_ns && e->last.version && now - e->last_ns < c->stat_every_ns;
	int ret = cgmem_read_kept(e->s.version, e->s.fd, ram_bytes, given, fresh ? &e->last : NULL,
				  out);

	if (ret == 0) {
		e->last = *out;
		e->last_ns = now;
	}
	return ret;
}

int cgfds_read(struct cgfds *c, const char *root, const char *cgroup_dir, const char *id,
	       uint64_t ram_bytes, const struct cgfds_given *given, struct cgmem *out)
{
	struct cgfds_ent *e = cgfds_find(c, id);
	char dir[CGMEM_DIR_MAX];
	int ret;

	if (e) {
		bool mine = given && given->ino && given->ino == e->ino;

		if (e->pre_gen == c->gen && !mine) { /* read beside the snapshot (cgfds_prefetch) */
			ret = e->pre_ret;
			*out = e->pre;
		} else {
			ret = cgfds_kept_read(c, e, ram_bytes, mine ? &given->bytes : NULL, out);
			if (mine && ret >= 0) { /* the next cycle needs no prefetch for it */
				e->given_gen = c->gen;
				c->given++;
			}
		}
		e->pre_gen = 0;
		if (ret >= 0) {
			/* "unlimited" as the RAM, here for every way the figures came */
			if (out->limit == 0 || out->limit > ram_bytes)
				out->limit = ram_bytes;
			e->seen = c->gen;
			c->reused += ret == 1;
			return 0;
		}
		/* gone or moved: close it now (the sweep drops it), look again */
		cgfds_close(e);
		e->seen = UINT64_MAX;
	}
	ret = cgmem_find(root, cgroup_dir, id, ram_bytes, out, dir);
	if (ret == 0)
		cgfds_add(c, id, dir, out);
	return ret;
}

void cgfds_prefetch(struct cgfds *c)
{
	/* for the coming cycle: cgfds_begin() counts it */
	for (size_t i = 0; i < c->sorted; i++) {
		struct cgfds_ent *e = &c->ents[i];

		e->pre_gen = 0;
		if (e->seen == UINT64_MAX || e->given_gen == c->gen)
			continue;
		e->pre_ret = cgfds_kept_read(c, e, UINT64_MAX, NULL, &e->pre);
		e->pre_gen = c->gen + 1;
	}
}

size_t cgfds_prefetch_size(const struct cgfds *c)
{
	/* after cgfds_end every entry kept was seen this cycle, given ones counted */
	return c ? c->n - c->given : 0;
}

void cgfds_prefetch_drop(struct cgfds *c)
{
	for (size_t i = 0; i < c->n; i++)
		c->ents[i].pre_gen = 0;
}

struct cgfds_slot *cgfds_slot(struct cgfds *c, const char *id)
{
	struct cgfds_ent *e = cgfds_find(c, id), ne = { .seen = c->gen };

	if (!e) /* added earlier in this cycle: in the unsorted tail */
		for (size_t i = c->sorted; i < c->n && !e; i++)
			if (strcmp(c->ents[i].id, id) == 0)
				e = &c->ents[i];
	if (e) {
		e->seen = c->gen;
		return &e->s;
	}
	if (c->n >= c->max || strlen(id) >= sizeof(ne.id))
		return NULL;
	util_strlcpy(ne.id, id, sizeof(ne.id));
	for (int i = 0; i < CGFDS_NFD; i++)
		ne.s.fd[i] = -1;
	e = cgfds_push(c, &ne);
	return e ? &e->s : NULL;
}
