/*
 * procskip.c — the procfs walk's memory of processes between walks: two
 * sets sorted by pid (outside containers; in one, with where), rebuilt by
 * each walk. See procskip.h for the rules.
 */
#include "procskip.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* What earlier walks found of one process. */
struct procskip_mem {
	uint32_t pid;
	uint32_t streak; /* walks in a row it was found in the same place */
	uint64_t ino; /* its /proc/<pid> inode then */
	uint64_t checked; /* the walk that last read its cgroup */
	uint32_t where; /* index in the set's where array (in-set only) */
};

/*
 * Entries sorted by pid, and the ones the walk builds (next). The set of
 * processes in containers also has the places: where[] (next: wnext[]),
 * appended in walk order, so sorting the entries never moves them.
 */
struct procskip_set {
	struct procskip_mem *ents, *next;
	size_t n, nnext, cap;
	struct procskip_where *where, *wnext;
	size_t wcap;
};

struct procskip {
	struct procskip_set out, in;
	uint64_t walk;
	unsigned recheck;
	size_t skipped, reused;
};

struct procskip *procskip_new(unsigned recheck)
{
	struct procskip *sk = calloc(1, sizeof(*sk));

	if (!sk)
		return NULL;
	sk->recheck = recheck ? recheck : PROCSKIP_RECHECK;
	return sk;
}

static void procskip_set_free(struct procskip_set *set)
{
	free(set->ents);
	free(set->next);
	free(set->where);
	free(set->wnext);
}

void procskip_free(struct procskip *sk)
{
	if (!sk)
		return;
	procskip_set_free(&sk->out);
	procskip_set_free(&sk->in);
	free(sk);
}

size_t procskip_skipped(const struct procskip *sk)
{
	return sk ? sk->skipped : 0;
}

size_t procskip_reused(const struct procskip *sk)
{
	return sk ? sk->reused : 0;
}

size_t procskip_size(const struct procskip *sk)
{
	return sk ? sk->out.n + sk->in.n : 0;
}

static int procskip_mem_cmp(const void *a, const void *b)
{
	const struct procskip_mem *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static const struct procskip_mem *procskip_find(const struct procskip_set *set, uint32_t pid)
{
	const struct procskip_mem key = { .pid = pid };

	return set->n ? bsearch(&key, set->ents, set->n, sizeof(key), procskip_mem_cmp) : NULL;
}

/* Room for one more entry (and place, with_where) in the next set. */
static bool procskip_grow(struct procskip_set *set, bool with_where)
{
	size_t cap;

	if (set->nnext < set->cap && (!with_where || set->nnext < set->wcap))
		return true;
	cap = set->cap ? set->cap * 2 : 64;
	if (set->nnext == set->cap) {
		struct procskip_mem *a = realloc(set->next, cap * sizeof(*a)), *b;

		if (!a)
			return false;
		set->next = a;
		b = realloc(set->ents, cap * sizeof(*b));
		if (!b)
			return false;
		set->ents = b;
		set->cap = cap;
	}
	if (with_where && set->nnext == set->wcap) {
		size_t wcap = set->wcap ? set->wcap * 2 : 64;
		struct procskip_where *a = realloc(set->wnext, wcap * sizeof(*a)), *b;

		if (!a)
			return false;
		set->wnext = a;
		b = realloc(set->where, wcap * sizeof(*b));
		if (!b)
			return false;
		set->where = b;
		set->wcap = wcap;
	}
	return true;
}

/* Keep e (and its place w, for the in-set) for the next walk. Without
 * memory the set is smaller: that process is read next time. */
static void procskip_keep(struct procskip_set *set, struct procskip_mem e,
			  const struct procskip_where *w)
{
	if (!procskip_grow(set, w != NULL))
		return;
	if (w) {
		e.where = (uint32_t)set->nnext;
		set->wnext[set->nnext] = *w;
	}
	set->next[set->nnext++] = e;
}

/* End a walk: the entries kept become the set (processes gone are forgotten). */
static void procskip_set_end(struct procskip_set *set)
{
	struct procskip_mem *t = set->ents;
	struct procskip_where *w = set->where;

	if (set->nnext > 1) /* an empty set has no array yet: qsort wants one */
		qsort(set->next, set->nnext, sizeof(*set->next), procskip_mem_cmp);
	set->ents = set->next;
	set->n = set->nnext;
	set->next = t;
	set->nnext = 0;
	set->where = set->wnext;
	set->wnext = w;
}

void procskip_begin(struct procskip *sk)
{
	sk->walk++;
	sk->skipped = sk->reused = 0;
	sk->out.nnext = sk->in.nnext = 0;
}

void procskip_end(struct procskip *sk)
{
	procskip_set_end(&sk->out);
	procskip_set_end(&sk->in);
}

/* e, found for a process under inode ino, can stand for a read this walk. */
static bool procskip_fresh(const struct procskip *sk, const struct procskip_mem *e, uint64_t ino)
{
	return e && ino > 1 && e->ino == ino && e->streak >= 2 &&
	       sk->walk - e->checked < sk->recheck;
}

bool procskip_skip_out(struct procskip *sk, uint32_t pid, uint64_t ino)
{
	const struct procskip_mem *e = procskip_find(&sk->out, pid);

	if (!procskip_fresh(sk, e, ino))
		return false;
	procskip_keep(&sk->out, *e, NULL);
	sk->skipped++;
	return true;
}

bool procskip_known(const struct procskip *sk, uint32_t pid, uint64_t ino,
		    struct procskip_where *out)
{
	const struct procskip_mem *e = procskip_find(&sk->in, pid);

	if (!procskip_fresh(sk, e, ino))
		return false;
	*out = sk->in.where[e->where];
	return true;
}

void procskip_note_out(struct procskip *sk, uint32_t pid, uint64_t ino)
{
	const struct procskip_mem *e = procskip_find(&sk->out, pid);
	struct procskip_mem k = { .pid = pid, .streak = 1, .ino = ino, .checked = sk->walk };

	if (ino <= 1)
		return;
	/* an entry exists only if the last walk found it outside too */
	if (e && e->ino == ino && e->streak < UINT32_MAX)
		k.streak = e->streak + 1;
	procskip_keep(&sk->out, k, NULL);
}

void procskip_note_in(struct procskip *sk, uint32_t pid, uint64_t ino, const char *id,
		      const char *cgroup, bool reused)
{
	const struct procskip_mem *e = procskip_find(&sk->in, pid);
	struct procskip_mem k = { .pid = pid, .streak = 1, .ino = ino, .checked = sk->walk };
	struct procskip_where w;

	if (reused && e) {
		w = sk->in.where[e->where]; /* keeping may move the array */
		sk->reused++;
		procskip_keep(&sk->in, *e, &w);
		return;
	}
	if (ino <= 1)
		return;
	util_strlcpy(w.id, id, sizeof(w.id));
	util_strlcpy(w.cgroup, cgroup, sizeof(w.cgroup));
	/* the same container as last walk: one more in a row */
	if (e && e->ino == ino && e->streak < UINT32_MAX &&
	    strcmp(sk->in.where[e->where].id, w.id) == 0)
		k.streak = e->streak + 1;
	procskip_keep(&sk->in, k, &w);
}
